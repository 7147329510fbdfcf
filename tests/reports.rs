//! Reports end to end: a realistic Summary, evaluated and decided, written as
//! JSON (checked against the generated schema, read back exactly) and as JUnit
//! XML (checked by an independent parser, Python's junitparser).

use std::path::{Path, PathBuf};

use perfgate::core::fixture;
use perfgate::core::histogram;
use perfgate::core::record;
use perfgate::core::summary::{
    ErrorCounts, ErrorExample, ErrorKind, RequestStats, SeriesPoint, ServeInfo, Summary,
};
use perfgate::core::verdict::{Outcome, Verdict};
use perfgate::judge::decide;
use perfgate::report::json::JsonExporter;
use perfgate::report::junit::JunitExporter;
use perfgate::report::{self, RunReport, check_writable};
use perfgate::schema;

mod common;
use common::junit_check;
use perfgate::core::slo_result::{SloOutcome, SloResult};
use perfgate::slo::evaluate::{Objective, evaluate};
use perfgate::slo::expr::parse;
use serde_json::Value;

const HOSTILE: &str = "\x1b[31mboom\x1b[0m <script>alert(1)</script> & more";

/// A fresh folder under the system temp folder, unique to this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "perfgate-tests-reports-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Statistics from latencies in microseconds over 60 s, with a 10-point series.
fn request(
    name: &str,
    latencies_us: &[u64],
    errors: ErrorCounts,
    examples: Vec<ErrorExample>,
) -> RequestStats {
    let mut stats = fixture::request(name, latencies_us, errors, examples);
    let hist = histogram::decode(&stats.histogram).unwrap();
    stats.rps = stats.requests as f64 / 60.0;
    stats.series = (0..10)
        .map(|t| SeriesPoint {
            t,
            requests: stats.requests / 10,
            errors: errors.total / 10,
            users: None,
            p50: histogram::percentile_ms(&hist, 50.0),
            p95: histogram::percentile_ms(&hist, 95.0),
            p99: histogram::percentile_ms(&hist, 99.0),
        })
        .collect();
    stats
}

/// A 60-second run of the predict API: `predict` (2,000 requests, 2% slow tail,
/// 25 failures), `health` (200 fast requests) and `export` (never chosen).
fn realistic_summary() -> Summary {
    let predict_latencies: Vec<u64> = (0..2000u64)
        .map(|i| {
            if i % 50 == 0 {
                400_000 + (i * 37 % 200) * 1000 // 400..600 ms tail
            } else {
                80_000 + (i * 7919 % 1000) * 150 // 80..230 ms
            }
        })
        .collect();
    let mut predict_errors = ErrorCounts::default();
    predict_errors.add(ErrorKind::Status, 20);
    predict_errors.add(ErrorKind::Timeout, 5);
    let predict = request(
        "predict",
        &predict_latencies,
        predict_errors,
        vec![
            ErrorExample {
                kind: ErrorKind::Status,
                message: format!("HTTP 500: {HOSTILE}"),
                count: 20,
            },
            ErrorExample {
                kind: ErrorKind::Timeout,
                message: "no response within 5s".to_string(),
                count: 5,
            },
        ],
    );
    let health_latencies: Vec<u64> = (0..200u64).map(|i| 900 + i * 10).collect();
    let health = request(
        "health",
        &health_latencies,
        ErrorCounts::default(),
        Vec::new(),
    );
    let export = request("export", &[], ErrorCounts::default(), Vec::new());

    let mut summary = fixture::summary(vec![predict, health, export]);
    let count = summary.overall.requests;
    summary.overall.rps = count as f64 / 60.0;
    summary.overall.series = (0..10)
        .map(|t| SeriesPoint {
            t,
            requests: count / 10,
            errors: 2,
            users: Some(50),
            p50: Some(150.0),
            p95: Some(225.0),
            p99: None,
        })
        .collect();
    summary.tool.version = env!("CARGO_PKG_VERSION").to_string();
    summary.plan.hash = "0f".repeat(32);
    summary.ended_at = summary.started_at + chrono::Duration::milliseconds(60_250);
    let load = &mut summary.load;
    (load.users, load.peak_users, load.seed) = (50, 50, 1234);
    (load.duration_s, load.elapsed_s) = (60.0, 60.25);
    (load.requests_started, load.cancelled) = (count + 3, 3);
    summary.serve = Some(ServeInfo {
        command: vec!["perfgate".into(), "demo-api".into()],
        exit: "stopped by SIGTERM".into(),
        output_tail: vec![
            "demo-api listening on http://127.0.0.1:5001".into(),
            HOSTILE.into(),
        ],
    });
    summary
}

/// The SLOs of the run: passes, a breach, a no-data and a warn-only breach.
fn slos(summary: &Summary) -> Vec<SloResult> {
    let objectives: Vec<Objective> = [
        ("p95 < 300ms", false),
        ("predict.p95 < 150ms", false),
        ("p99.9 < 1s", false),
        ("error_rate < 2%", false),
        ("export.p95 < 1s", false),
        ("max < 500ms", true),
    ]
    .iter()
    .enumerate()
    .map(|(i, (text, warn))| Objective {
        expr: parse(text).unwrap(),
        warn: *warn,
        line: Some(30 + i as u64),
        window: None,
    })
    .collect();
    evaluate(&objectives, summary).unwrap()
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["suites"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no test case `{name}` in {report:#}"))
}

fn write_both(
    dir: &Path,
    summary: &Summary,
    slos: &[SloResult],
    verdict: &Verdict,
) -> (PathBuf, PathBuf) {
    let run = RunReport {
        summary,
        slos,
        verdict,
        regression: None,
    };
    let json_path = dir.join("reports/summary.json");
    let junit_path = dir.join("reports/junit.xml");
    check_writable(&json_path).unwrap();
    check_writable(&junit_path).unwrap();
    report::export(&JsonExporter, &run, &json_path).unwrap();
    report::export(&JunitExporter, &run, &junit_path).unwrap();
    (json_path, junit_path)
}

#[test]
fn json_report_matches_its_schema_and_reads_back_exactly() {
    let summary = realistic_summary();
    let slos = slos(&summary);
    let verdict = decide(&summary, &slos);
    let dir = scratch("json");
    let (json_path, _) = write_both(&dir, &summary, &slos, &verdict);

    let text = std::fs::read_to_string(&json_path).unwrap();
    assert!(!text.contains("NaN") && !text.contains("Infinity"));
    let instance: Value = serde_json::from_str(&text).unwrap();
    let schema = schema::report_schema();
    let validator = jsonschema::draft7::new(&schema).expect("the report schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "report does not match its schema: {problems:#?}"
    );

    // The schema has teeth: a report without a verdict or with a bad outcome fails.
    let mut broken = instance.clone();
    broken.as_object_mut().unwrap().remove("verdict");
    assert!(!validator.is_valid(&broken));
    let mut broken = instance.clone();
    broken["slos"][0]["outcome"] = Value::from("maybe");
    assert!(!validator.is_valid(&broken));

    let back = record::read(&json_path).unwrap();
    assert_eq!(back.summary.requests.len(), 3);
    for (original, read) in summary
        .requests
        .iter()
        .chain([&summary.overall])
        .zip(back.summary.requests.iter().chain([&back.summary.overall]))
    {
        assert_eq!(original.histogram, read.histogram, "{}", original.name);
        let a = histogram::decode(&original.histogram).unwrap();
        let b = histogram::decode(&read.histogram).unwrap();
        assert_eq!(a, b, "{}", original.name);
        assert_eq!(a.value_at_percentile(99.9), b.value_at_percentile(99.9));
        assert_eq!(original.latency, read.latency);
        assert_eq!(original.errors, read.errors);
        assert_eq!(original.error_examples, read.error_examples);
    }
    assert_eq!(back.verdict, verdict);
    assert_eq!(back.slos.len(), slos.len());
    assert_eq!(back.slos[1].message, slos[1].message);
    assert_eq!(back.summary.started_at, summary.started_at);
    assert_eq!(back.summary.ended_at, summary.ended_at);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn junit_report_parses_independently_and_carries_the_figures() {
    let summary = realistic_summary();
    let slos = slos(&summary);
    let outcomes: Vec<SloOutcome> = slos.iter().map(|s| s.outcome).collect();
    assert_eq!(
        outcomes,
        [
            SloOutcome::Pass,
            SloOutcome::Fail,
            SloOutcome::Pass,
            SloOutcome::Pass,
            SloOutcome::NoData,
            SloOutcome::Warn,
        ],
        "{slos:#?}"
    );
    let verdict = decide(&summary, &slos);
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert_eq!(verdict.reasons.len(), 2);
    let dir = scratch("junit");
    let (_, junit_path) = write_both(&dir, &summary, &slos, &verdict);

    let parsed = junit_check(&junit_path);
    assert_eq!(parsed["suites"].as_array().unwrap().len(), 1);
    assert_eq!(parsed["tests"], 6, "{parsed:#}");
    assert_eq!(parsed["failures"], 2, "{parsed:#}");
    assert_eq!(parsed["errors"], 0);
    let suite = &parsed["suites"][0];
    assert_eq!(suite["name"], "predict-api");
    assert_eq!(suite["declared"]["tests"], 6);
    assert_eq!(suite["declared"]["failures"], 2);
    assert_eq!(suite["timestamp"], "2025-03-01T12:00:00.000+00:00");
    assert_eq!(suite["time"], 60.25);
    let properties = &suite["properties"];
    assert_eq!(properties["plan"], "predict-api");
    assert_eq!(properties["host"], "http://127.0.0.1:5001");
    assert_eq!(properties["users"], "50");
    assert_eq!(properties["seed"], "1234");
    assert_eq!(properties["plan_hash"], "0f".repeat(32));
    assert_eq!(properties["verdict"], "FAIL");
    assert_eq!(properties["partial"], "false");

    // The breach: observed value, threshold, scope and sample count, in message and body.
    let breach = case(&parsed, "predict.p95 < 150ms");
    assert_eq!(breach["classname"], "perfgate.slo.predict");
    assert_eq!(breach["result"], "failure");
    assert_eq!(breach["type"], "slo_breach");
    let observed = perfgate::core::format::format_ms(slos[1].observed.unwrap());
    let expected = format!("p95 {observed} breaches < 150 ms (predict, 2,000 requests)");
    assert_eq!(breach["message"], expected.as_str());
    let body = breach["text"].as_str().unwrap();
    assert!(body.starts_with(&expected), "{body}");
    assert!(body.contains("threshold: < 150 ms"), "{body}");
    assert!(
        body.contains(&format!("observed: {} ms", slos[1].observed.unwrap())),
        "{body}"
    );
    assert!(body.contains("plan line: 31"), "{body}");

    let no_data = case(&parsed, "export.p95 < 1s");
    assert_eq!(no_data["result"], "failure");
    assert_eq!(no_data["type"], "no_data");
    assert!(
        no_data["text"]
            .as_str()
            .unwrap()
            .contains("no data: 0 requests for export"),
        "{no_data:#}"
    );

    let warn = case(&parsed, "max < 500ms");
    assert_eq!(warn["result"], "passed");
    assert_eq!(warn["classname"], "perfgate.slo");
    let out = warn["system_out"].as_str().unwrap();
    assert!(out.starts_with("WARN: max "), "{out}");
    assert!(out.contains("breaches < 500 ms"), "{out}");

    assert_eq!(case(&parsed, "p95 < 300ms")["result"], "passed");
    assert_eq!(case(&parsed, "p99.9 < 1s")["result"], "passed");

    // Hostile text from the target reaches the report escaped, without the escape code.
    let out = suite["system_out"].as_str().unwrap();
    assert!(out.contains("boom <script>alert(1)</script>"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
    assert!(out.contains("Aggregated"), "{out}");
    // The served command's output tail is there too.
    assert!(
        out.contains("serve: perfgate demo-api (stopped by SIGTERM)"),
        "{out}"
    );
    assert!(
        out.contains("  | demo-api listening on http://127.0.0.1:5001"),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn hostile_messages_still_yield_valid_junit() {
    let mut summary = realistic_summary();
    summary.plan.name = format!("predict {HOSTILE}");
    summary.plan.host = "http://h/?a=1&b=<2>\u{7}\u{0}\u{fffe}".to_string();
    let mut slos = slos(&summary);
    slos[1].message = format!("{} | {HOSTILE} \u{1}\u{1f}]]>", slos[1].message);
    let verdict = decide(&summary, &slos);
    let dir = scratch("hostile");
    let (_, junit_path) = write_both(&dir, &summary, &slos, &verdict);

    let raw = std::fs::read_to_string(&junit_path).unwrap();
    assert!(!raw.contains('\x1b') && !raw.contains('\u{1}') && !raw.contains('\u{fffe}'));
    let parsed = junit_check(&junit_path);
    assert_eq!(parsed["tests"], 6);
    let breach = case(&parsed, "predict.p95 < 150ms");
    let message = breach["message"].as_str().unwrap();
    assert!(
        message.contains("boom <script>alert(1)</script> & more"),
        "{message}"
    );
    assert!(message.contains("]]>"), "{message}");
    assert!(
        breach["text"].as_str().unwrap().contains("<script>"),
        "{breach:#}"
    );
    assert!(
        parsed["suites"][0]["name"]
            .as_str()
            .unwrap()
            .contains("<script>")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn partial_and_invalid_runs_are_visible_in_junit() {
    let mut summary = realistic_summary();
    summary.partial = true;
    summary.load.elapsed_s = 21.5;
    let slos = slos(&summary);
    let verdict = decide(&summary, &slos);
    assert_eq!(verdict.exit_code, 130);
    let dir = scratch("partial");
    let (json_path, junit_path) = write_both(&dir, &summary, &slos, &verdict);
    let parsed = junit_check(&junit_path);
    assert_eq!(parsed["tests"], 7);
    assert_eq!(parsed["failures"], 3);
    assert_eq!(parsed["suites"][0]["properties"]["partial"], "true");
    assert_eq!(parsed["suites"][0]["properties"]["verdict"], "INTERRUPTED");
    let run = case(&parsed, "run");
    assert_eq!(run["classname"], "perfgate.run");
    assert_eq!(run["result"], "failure");
    let text = run["text"].as_str().unwrap();
    assert!(text.contains("interrupted after 21.5 s"), "{text}");
    assert!(text.contains("would have failed: p95 "), "{text}");
    assert_eq!(
        record::read(&json_path).unwrap().verdict.outcome,
        Outcome::Interrupted
    );

    let verdict = Verdict::invalid("the load generator fell 4.2 s behind its schedule".to_string());
    let (_, junit_path) = write_both(&dir, &summary, &slos, &verdict);
    let parsed = junit_check(&junit_path);
    let run = case(&parsed, "run");
    assert_eq!(run["type"], "invalid");
    assert!(
        run["message"]
            .as_str()
            .unwrap()
            .contains("fell 4.2 s behind"),
        "{run:#}"
    );
    assert_eq!(parsed["suites"][0]["properties"]["exit_code"], "3");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn report_paths_are_checked_before_the_load() {
    let hostname = Path::new("/etc/hostname");
    if hostname.is_file() {
        let err = check_writable(&hostname.join("x.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/etc/hostname/x.json"), "{err}");
        assert!(err.contains("not a folder"), "{err}");
    }
    let dir = scratch("writable");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("plain-file");
    std::fs::write(&file, "").unwrap();
    let target = file.join("deeper/x.json");
    let err = check_writable(&target).unwrap_err().to_string();
    assert!(err.contains(&target.display().to_string()), "{err}");

    let fresh = dir.join("a/b/c/junit.xml");
    check_writable(&fresh).unwrap();
    assert!(dir.join("a/b/c").is_dir());
    assert!(!fresh.exists(), "the check leaves no file behind");
    std::fs::remove_dir_all(dir).unwrap();
}
