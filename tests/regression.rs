//! Regression rules end to end: real runs of the binary against in-process
//! targets on 127.0.0.1 whose latency is a server-side sleep.
//!
//! The repeated cases run strictly one after the other in one test function.
//! Every rerun is judged against a rolling baseline folder whose newest report
//! was taken just before it (`--baseline DIR --baseline-last 3`: per rule, the
//! median of the last three), so neither a slow drift of the machine's load nor
//! one disturbed baseline run is mistaken for a regression.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Behaviour, Target, code, output, perfgate, read_valid_report, scratch, streams};
use serde_json::Value;

const PLAN: &str = "\
name: regression
host: http://127.0.0.1:9
load:
  users: 5
  duration: 3s
requests:
  - name: get
    method: GET
    path: /
regression:
  - p95 +10%
";

/// Runs the plan against `target`, optionally judged against `baseline`;
/// returns the exit code and the JSON report.
fn run(
    plan: &Path,
    target: &Target,
    json: &Path,
    baseline: Option<&Path>,
    extra: &[&str],
) -> (i32, Value) {
    let mut cmd = perfgate();
    cmd.arg("run")
        .arg(plan)
        .args(["--host", &target.url, "--json"])
        .arg(json)
        .arg("--quiet")
        .args(extra);
    if let Some(base) = baseline {
        cmd.arg("--baseline").arg(base);
    }
    let out = output(&mut cmd);
    let status = code(&out);
    assert!(status == 0 || status == 1, "{}", streams(&out));
    (status, read_valid_report(json))
}

fn outcome(report: &Value) -> String {
    report["regression"]["results"][0]["outcome"]
        .as_str()
        .unwrap_or("missing")
        .to_string()
}

fn latency(ms: u64) -> Target {
    Target::start(Behaviour {
        latency: Duration::from_millis(ms),
        fail_every: 0,
    })
}

#[test]
fn identical_reruns_rarely_fail_and_a_slower_target_always_fails() {
    let dir = scratch("regression-rates");
    let plan = common::write_plan(&dir, PLAN);
    let same = latency(20);
    let slower = latency(30);
    let baselines = dir.join("baselines");
    let (mut false_alarms, mut detected) = (0, 0);
    for i in 0..12 {
        let file: PathBuf = baselines.join(format!("base-{i:02}.json"));
        let (status, report) = run(&plan, &same, &file, None, &[]);
        assert_eq!(status, 0, "the baseline run itself has no SLO to fail");
        assert!(report["overall"]["requests"].as_u64().unwrap() > 200);
        if i < 2 {
            continue;
        }
        let base = baselines.as_path();
        let three = ["--baseline-last", "3"];

        let (status, report) = run(&plan, &same, &dir.join("same.json"), Some(base), &three);
        let verdict = outcome(&report);
        if status != 0 {
            false_alarms += 1;
            eprintln!(
                "false alarm {i}: {}",
                report["regression"]["results"][0]["message"]
            );
        }
        assert_ne!(verdict, "missing");

        let (status, report) = run(&plan, &slower, &dir.join("slow.json"), Some(base), &three);
        if status == 1 && outcome(&report) == "fail" {
            detected += 1;
        } else {
            eprintln!(
                "missed {i}: {}",
                report["regression"]["results"][0]["message"]
            );
        }
    }
    println!(
        "identical reruns: {false_alarms}/10 false alarms; 20 ms -> 30 ms: {detected}/10 detected"
    );
    assert!(false_alarms <= 1, "{false_alarms}/10 false alarms");
    assert_eq!(detected, 10, "a +50% p95 must fail every time");
}

#[test]
fn tiny_runs_are_inconclusive_and_strict_fails_them() {
    let dir = scratch("regression-tiny");
    let plan = common::write_plan(
        &dir,
        &PLAN.replace("users: 5\n  duration: 3s", "users: 1\n  duration: 700ms"),
    );
    let target = latency(20);
    let base = dir.join("base.json");
    let (_, report) = run(&plan, &target, &base, None, &[]);
    let n = report["overall"]["requests"].as_u64().unwrap();
    assert!(n < 100, "a tiny run: {n} requests");
    let (status, report) = run(&plan, &target, &dir.join("new.json"), Some(&base), &[]);
    assert_eq!(outcome(&report), "inconclusive", "{report:#}");
    assert_eq!(status, 0, "inconclusive warns by default");
    let message = report["regression"]["results"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("too few samples"), "{message}");

    let out = output(
        perfgate()
            .arg("compare")
            .arg(&base)
            .arg(dir.join("new.json"))
            .arg("--strict")
            .arg("--junit")
            .arg(dir.join("junit.xml")),
    );
    assert_eq!(code(&out), 1, "{}", streams(&out));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("regression p95 +10%"), "{junit}");
    assert!(junit.contains("type=\"inconclusive\""), "{junit}");
}

#[test]
fn unlike_baselines_are_refused_unless_forced() {
    let dir = scratch("regression-mismatch");
    let plan = common::write_plan(&dir, PLAN);
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = common::write_plan(
        &other_dir,
        &PLAN
            .replace("  - name: get\n", "  - name: fetch\n")
            .replace("duration: 3s", "duration: 1s"),
    );
    let target = latency(1);
    let base = dir.join("base.json");
    run(&other, &target, &base, None, &[]);
    let new = dir.join("new.json");
    run(&plan.clone(), &target, &new, None, &["--duration", "1s"]);

    let out = output(perfgate().arg("compare").arg(&base).arg(&new));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to compare unlike runs"), "{err}");
    assert!(err.contains("plan hash differs"), "{err}");
    assert!(
        err.contains("request names differ: baseline [fetch] vs new [get]"),
        "{err}"
    );

    let json = dir.join("forced.json");
    let out = output(
        perfgate()
            .arg("compare")
            .arg(&base)
            .arg(&new)
            .arg("--force")
            .arg("--json")
            .arg(&json),
    );
    assert!(matches!(code(&out), 0 | 1), "{}", streams(&out));
    let report = read_valid_report(&json);
    let mismatches = report["regression"]["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 2, "{mismatches:?}");

    // `run --baseline` refuses the same way, before sending anything.
    let sent = target.received();
    let mut cmd = perfgate();
    cmd.arg("run")
        .arg(&plan)
        .args([
            "--host",
            &target.url,
            "--duration",
            "1s",
            "--quiet",
            "--baseline",
        ])
        .arg(&base);
    let out = output(&mut cmd);
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan hash differs"));
    assert_eq!(target.received(), sent, "nothing was sent");

    let out = output(
        perfgate()
            .arg("compare")
            .arg(dir.join("missing.json"))
            .arg(&new),
    );
    assert_eq!(code(&out), 2, "{}", streams(&out));
}

#[test]
fn bad_rules_are_located_with_a_suggestion() {
    let dir = scratch("regression-bad-rules");
    let typo = common::write_plan(
        &dir,
        &PLAN.replace("  - p95 +10%", "  - p95 +10%\n  - eror_rate +1pp"),
    );
    let out = output(perfgate().arg("validate").arg(&typo));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plan.yaml:12:5"), "{err}");
    assert!(err.contains("did you mean `error_rate`?"), "{err}");
    let scope = common::write_plan(&dir, &PLAN.replace("  - p95 +10%", "  - gett.p95 +10%"));
    let out = output(perfgate().arg("validate").arg(&scope));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("names request `gett`, which is not in the plan"),
        "{err}"
    );
    assert!(err.contains("did you mean `get`?"), "{err}");
}
