//! `perfgate run --html/--csv` and `perfgate report`, end to end against an
//! in-process target on 127.0.0.1: the re-rendered HTML is the run's, byte
//! for byte; the CSV files agree with the JSON report; bad reports and
//! unwritable paths get their exit codes.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{
    Behaviour, Target, code, junit_check, output, perfgate, scratch, streams, write_plan,
};
use serde_json::Value;

fn plan(url: &str) -> String {
    format!(
        r#"name: e2e-report
host: {url}
load:
  users: 4
  spawn_rate: 100/s
  duration: 3s
  warmup: 1s
  seed: 7
  grace: 2s
requests:
  - name: predict
    weight: 3
    method: POST
    path: /predict
    json: [{{PassengerId: 1, Age: 30}}]
  - name: health
    weight: 1
    path: /health
slo:
  - p95 < 5s
  - error_rate < 50%
reports:
  html: out/plan.html
"#
    )
}

/// The rows of a CSV file as header → value maps.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn number(row: &HashMap<String, String>, column: &str) -> u64 {
    row[column]
        .parse()
        .unwrap_or_else(|e| panic!("{column} = {:?}: {e}", row[column]))
}

#[test]
fn report_rerenders_what_run_wrote() {
    let target = Target::start(Behaviour {
        fail_every: 7,
        ..Behaviour::default()
    });
    let dir = scratch("report-rerender");
    let plan_path = write_plan(&dir, &plan(&target.url));
    let out = output(
        perfgate()
            .current_dir(&dir)
            .arg("run")
            .arg(&plan_path)
            .args(["--json", "out/summary.json", "--csv", "out/run"]),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let json_path = dir.join("out/summary.json");
    let report: Value = common::read_valid_report(&json_path);
    let run_html = std::fs::read(dir.join("out/plan.html")).expect("reports.html from the plan");
    assert!(run_html.len() > 10_000);

    let out = output(
        perfgate()
            .current_dir(&dir)
            .args(["report", "out/summary.json"])
            .args(["--html", "again/report.html", "--junit", "again/junit.xml"])
            .args(["--markdown", "again/summary.md", "--csv", "again/run"]),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let again = std::fs::read(dir.join("again/report.html")).unwrap();
    assert!(
        run_html == again,
        "the re-rendered HTML differs from the run's"
    );
    for kind in ["stats", "history", "failures"] {
        let ran = std::fs::read(dir.join(format!("out/run_{kind}.csv"))).unwrap();
        let rendered = std::fs::read(dir.join(format!("again/run_{kind}.csv"))).unwrap();
        assert!(ran == rendered, "{kind}.csv differs");
    }
    let junit = junit_check(&dir.join("again/junit.xml"));
    assert_eq!(junit["tests"], 2, "{junit:#}");
    let markdown = std::fs::read_to_string(dir.join("again/summary.md")).unwrap();
    assert!(
        markdown.starts_with("## ✅ perfgate PASS: e2e-report"),
        "{markdown}"
    );

    // CSV round trip: the per-request counts are the JSON report's.
    let stats = rows(&dir.join("out/run_stats.csv"));
    let mut expected: Vec<&Value> = report["requests"].as_array().unwrap().iter().collect();
    expected.push(&report["overall"]);
    assert_eq!(stats.len(), expected.len());
    for (row, json) in stats.iter().zip(expected) {
        assert_eq!(row["Name"], json["name"].as_str().unwrap());
        assert_eq!(
            number(row, "Request Count"),
            json["requests"].as_u64().unwrap()
        );
        assert_eq!(
            number(row, "Failure Count"),
            json["errors"]["total"].as_u64().unwrap()
        );
        assert_eq!(
            number(row, "Status Failures"),
            json["errors"]["status"].as_u64().unwrap()
        );
    }
    let all = stats.last().unwrap();
    assert_eq!(all["Name"], "all");
    assert!(number(all, "Request Count") > 0 && number(all, "Failure Count") > 0);

    // History: one row per second and name; the counts add up to the series'.
    let history = rows(&dir.join("out/run_history.csv"));
    for json in report["requests"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&report["overall"]])
    {
        let name = json["name"].as_str().unwrap();
        let series = json["series"].as_array().unwrap();
        let mine: Vec<_> = history.iter().filter(|r| r["Name"] == name).collect();
        assert_eq!(mine.len(), series.len(), "{name}");
        let csv_total: u64 = mine.iter().map(|r| number(r, "Requests")).sum();
        let json_total: u64 = series.iter().map(|p| p["requests"].as_u64().unwrap()).sum();
        assert_eq!(csv_total, json_total, "{name}");
        assert_eq!(mine[0]["Warm-up"], "true");
        assert_eq!(mine.last().unwrap()["Warm-up"], "false");
    }
    let failures = rows(&dir.join("out/run_failures.csv"));
    assert!(!failures.is_empty());
    assert!(
        failures.iter().all(|r| r["Kind"] == "status"),
        "{failures:?}"
    );
}

#[test]
fn report_exit_codes() {
    let dir = scratch("report-exit-codes");
    let fixture =
        std::env::temp_dir().join(format!("perfgate-report-fixture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fixture);
    let target = Target::start(Behaviour::default());
    let plan_path = write_plan(
        &dir,
        &plan(&target.url)
            .replace("duration: 3s", "duration: 1s")
            .replace("warmup: 1s", "warmup: 0s"),
    );
    let out = output(
        perfgate()
            .current_dir(&dir)
            .arg("run")
            .arg(&plan_path)
            .args(["--json", "good.json"]),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let good = dir.join("good.json");
    let report = |args: &[&str]| output(perfgate().current_dir(&dir).arg("report").args(args));

    // No output asked for: the terminal summary.
    let out = report(&["good.json"]);
    assert_eq!(code(&out), 0, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("PASS"),
        "{}",
        streams(&out)
    );

    // A report that cannot be read, or is not a report: 2, naming the path.
    let out = report(&["missing.json", "--html", "x.html"]);
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.json"),
        "{}",
        streams(&out)
    );
    std::fs::write(dir.join("bad.json"), "{ not json").unwrap();
    std::fs::write(dir.join("other.json"), "{\"name\": \"x\"}").unwrap();
    for bad in ["bad.json", "other.json"] {
        let out = report(&[bad, "--html", "x.html"]);
        assert_eq!(code(&out), 2, "{}", streams(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("`{bad}` is not a valid perfgate JSON report")),
            "{stderr}"
        );
    }
    let mut broken: Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    broken["requests"][1]["histogram"] = Value::from("AAAA");
    std::fs::write(
        dir.join("broken.json"),
        serde_json::to_vec(&broken).unwrap(),
    )
    .unwrap();
    let out = report(&["broken.json", "--html", "x.html"]);
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the histogram of `health`"),
        "{}",
        streams(&out)
    );
    assert!(!dir.join("x.html").exists());

    // An output that cannot be written: 3, and the others are still written.
    std::fs::write(dir.join("file"), "x").unwrap();
    let out = report(&[
        "good.json",
        "--html",
        "file/report.html",
        "--markdown",
        "ok.md",
    ]);
    assert_eq!(code(&out), 3, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("file/report.html"),
        "{}",
        streams(&out)
    );
    assert!(dir.join("ok.md").is_file());
    let out = report(&["good.json", "--csv", "file/run"]);
    assert_eq!(code(&out), 3, "{}", streams(&out));
}

#[test]
fn run_checks_html_and_csv_paths_before_sending() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("report-paths-checked");
    std::fs::write(dir.join("file"), "x").unwrap();
    let plan_path = write_plan(&dir, &plan(&target.url));
    for args in [["--html", "file/report.html"], ["--csv", "file/run"]] {
        let out = output(
            perfgate()
                .current_dir(&dir)
                .arg("run")
                .arg(&plan_path)
                .args(args),
        );
        assert_eq!(code(&out), 2, "{}", streams(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is not writable") && stderr.contains("file/"),
            "{stderr}"
        );
    }
    let plan_html_under_file =
        plan(&target.url).replace("html: out/plan.html", "html: file/plan.html");
    let plan_path = write_plan(&dir, &plan_html_under_file);
    let out = output(perfgate().current_dir(&dir).arg("run").arg(&plan_path));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert_eq!(
        target.received(),
        0,
        "nothing is sent when a report path is bad"
    );
}
