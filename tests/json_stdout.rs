//! `--json -`: the JSON record alone on standard output, everything a person
//! reads (summary, `--quiet` verdict, CI annotations, notes) on standard
//! error, so that `kubectl logs` of a shard is exactly its record.

mod common;

use std::time::Duration;

use common::{Behaviour, Target, run_plan, run_plan_with, scratch};

/// The plan every test here runs.
fn plan_text() -> String {
    common::plan::get_all("to-stdout", 2, "1s", common::plan::LOOSE_SLOS)
}

#[test]
fn the_record_alone_goes_to_stdout_and_the_summary_to_stderr() {
    let dir = scratch("json-stdout");
    let target = Target::start(Behaviour::default());
    let ran = run_plan(
        &dir,
        &plan_text(),
        &["--host", &target.url, "--json", "-", "--junit", "junit.xml"],
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = common::valid_report(&ran.stdout());
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
        &plan_text(),
        &["--host", &target.url, "--json", "-", "--quiet"],
        |cmd| {
            cmd.env("GITHUB_ACTIONS", "true");
        },
    );
    assert_eq!(ran.code, 1, "half the requests fail: {}", ran.log);
    let report = common::valid_report(&ran.stdout());
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
        &plan_text(),
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
