//! `--json -`: the JSON record alone on standard output, everything a person
//! reads (summary, `--quiet` verdict, CI annotations, notes) on standard
//! error, so that `kubectl logs` of a shard is exactly its record.

mod common;

use std::time::Duration;

use common::{Behaviour, Target, run_plan, run_plan_with, scratch};
use serde_json::Value;

const PLAN: &str = "\
name: to-stdout
host: http://127.0.0.1:9
load:
  users: 2
  duration: 1s
requests:
  - name: get
    method: GET
    path: /
slo:
  - p95 < 5s
  - error_rate < 1%
";

/// Parses `text` as one JSON report and checks it against the report schema.
fn valid_report(text: &str) -> Value {
    let report: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("standard output is not one JSON document ({e}):\n{text}"));
    let schema = perfgate::schema::report_schema();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "not a valid report: {problems:#?}");
    report
}

#[test]
fn the_record_alone_goes_to_stdout_and_the_summary_to_stderr() {
    let dir = scratch("json-stdout");
    let target = Target::start(Behaviour::default());
    let ran = run_plan(
        &dir,
        PLAN,
        &["--host", &target.url, "--json", "-", "--junit", "junit.xml"],
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = valid_report(&ran.stdout());
    assert_eq!(report["plan"]["name"], "to-stdout");
    assert_eq!(report["overall"]["requests"], target.received());
    let stderr = ran.stderr();
    for part in [
        "Aggregated",
        "SLOs",
        "Verdict: PASS",
        "perfgate: running `to-stdout`",
    ] {
        assert!(
            stderr.contains(part),
            "`{part}` is not on stderr:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("perfgate: wrote standard output"),
        "{stderr}"
    );
    assert!(
        dir.join("junit.xml").is_file(),
        "the other reports are files"
    );
    assert!(!dir.join("-").exists(), "no file named `-`");
}

#[test]
fn quiet_verdict_and_annotations_go_to_stderr_too() {
    let dir = scratch("json-stdout-quiet");
    let target = Target::start(Behaviour {
        latency: Duration::ZERO,
        fail_every: 2,
    });
    let ran = run_plan_with(
        &dir,
        PLAN,
        &["--host", &target.url, "--json", "-", "--quiet"],
        |cmd| {
            cmd.env("GITHUB_ACTIONS", "true");
        },
    );
    assert_eq!(ran.code, 1, "half the requests fail: {}", ran.log);
    let report = valid_report(&ran.stdout());
    assert_eq!(report["verdict"]["exit_code"], 1);
    let stderr = ran.stderr();
    assert!(stderr.contains("FAIL: "), "the verdict line: {stderr}");
    assert!(stderr.contains("::error "), "the annotation: {stderr}");
}

#[test]
fn two_reports_cannot_share_stdout() {
    let dir = scratch("json-stdout-two");
    let target = Target::start(Behaviour::default());
    let ran = run_plan(
        &dir,
        PLAN,
        &["--host", &target.url, "--json", "-", "--junit", "-"],
    );
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert!(
        ran.stderr()
            .contains("only one report can go to standard output (`-`), but the JSON and JUnit"),
        "{}",
        ran.log
    );
    assert!(ran.stdout().is_empty(), "{}", ran.log);
    assert_eq!(target.received(), 0, "nothing was sent");
}
