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

use common::{
    Behaviour, Target, code, output, perfgate, read_valid_report, run_plan_with, scratch, streams,
};
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

/// Runs `plan` from `dir` against `target`, its JSON report in `json`,
/// optionally judged against `baseline`; returns the exit code and the report.
fn run(
    dir: &Path,
    plan: &str,
    target: &Target,
    json: &Path,
    baseline: Option<&Path>,
    extra: &[&str],
) -> (i32, Value) {
    let json = json.to_str().unwrap();
    let mut args = vec!["--host", &target.url, "--json", json, "--quiet"];
    args.extend(extra);
    let ran = run_plan_with(dir, plan, &args, |cmd| {
        if let Some(base) = baseline {
            cmd.arg("--baseline").arg(base);
        }
    });
    assert!(ran.code == 0 || ran.code == 1, "{}", ran.log);
    (ran.code, ran.report().clone())
}

fn outcome(report: &Value) -> String {
    outcome_of(report, 0)
}

/// The outcome of the `i`-th regression rule of a report.
fn outcome_of(report: &Value, i: usize) -> String {
    report["regression"]["results"][i]["outcome"]
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

/// Per rule, how the reruns came out.
#[derive(Default)]
struct Tally {
    pass: u32,
    fail: u32,
}

impl Tally {
    fn add(&mut self, outcome: &str) {
        match outcome {
            "pass" => self.pass += 1,
            "fail" => self.fail += 1,
            "inconclusive" => {}
            other => panic!("unexpected outcome {other}"),
        }
    }
}

#[test]
fn identical_reruns_rarely_fail_and_a_slower_target_always_fails() {
    let dir = scratch("regression-rates");
    // The target's latency rising from 20 to 30 ms is +50% on p95 and, with
    // a fixed number of users waiting for their replies, -33% throughput.
    let plan = PLAN.replace("  - p95 +10%\n", "  - p95 +10%\n  - rps -5%\n");
    let rules = ["p95 +10%", "rps -5%"];
    let same = latency(20);
    let slower = latency(30);
    let baselines = dir.join("baselines");
    let (same_json, slow_json) = (dir.join("same.json"), dir.join("slow.json"));
    let mut false_alarms = 0;
    let (mut same_rules, mut slow_rules): ([Tally; 2], [Tally; 2]) = Default::default();
    for i in 0..12 {
        let file: PathBuf = baselines.join(format!("base-{i:02}.json"));
        let (status, report) = run(&dir, &plan, &same, &file, None, &[]);
        assert_eq!(status, 0, "the baseline run itself has no SLO to fail");
        assert!(report["overall"]["requests"].as_u64().unwrap() > 200);
        if i < 2 {
            continue;
        }
        let base = baselines.as_path();
        let three = ["--baseline-last", "3"];

        let (status, report) = run(&dir, &plan, &same, &same_json, Some(base), &three);
        for (r, tally) in same_rules.iter_mut().enumerate() {
            assert_eq!(report["regression"]["results"][r]["rule"], rules[r]);
            tally.add(&outcome_of(&report, r));
        }
        if status != 0 {
            false_alarms += 1;
            eprintln!("false alarm {i}: {}", report["regression"]["results"]);
        }

        let (status, report) = run(&dir, &plan, &slower, &slow_json, Some(base), &three);
        assert_eq!(status, 1, "{}", report["regression"]["results"]);
        for (r, tally) in slow_rules.iter_mut().enumerate() {
            tally.add(&outcome_of(&report, r));
            if outcome_of(&report, r) != "fail" {
                eprintln!("missed {i}: {}", report["regression"]["results"][r]);
            }
        }
        // The message gives the change's own interval, which decided.
        let message = report["regression"]["results"][0]["message"]
            .as_str()
            .unwrap();
        assert!(message.contains("% ["), "{message}");
    }
    for (r, rule) in rules.iter().enumerate() {
        println!(
            "{rule}: identical reruns {} pass, {} fail; 20 ms -> 30 ms {} fail (of 10)",
            same_rules[r].pass, same_rules[r].fail, slow_rules[r].fail
        );
    }
    assert!(false_alarms <= 1, "{false_alarms}/10 false alarms");
    assert_eq!(slow_rules[0].fail, 10, "a +50% p95 must fail every time");
    assert_eq!(
        slow_rules[1].fail, 10,
        "a -33% throughput must fail every time"
    );
}

#[test]
fn tiny_runs_are_inconclusive_and_strict_fails_them() {
    let dir = scratch("regression-tiny");
    let plan = PLAN.replace("users: 5\n  duration: 3s", "users: 1\n  duration: 700ms");
    let target = latency(20);
    let base = dir.join("base.json");
    let (_, report) = run(&dir, &plan, &target, &base, None, &[]);
    let n = report["overall"]["requests"].as_u64().unwrap();
    assert!(n < 100, "a tiny run: {n} requests");
    let new = dir.join("new.json");
    let (status, report) = run(&dir, &plan, &target, &new, Some(&base), &[]);
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
            .arg(&new)
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
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = PLAN
        .replace("  - name: get\n", "  - name: fetch\n")
        .replace("duration: 3s", "duration: 1s");
    let target = latency(1);
    let base = dir.join("base.json");
    run(&other_dir, &other, &target, &base, None, &[]);
    let new = dir.join("new.json");
    run(&dir, PLAN, &target, &new, None, &["--duration", "1s"]);

    let out = output(perfgate().arg("compare").arg(&base).arg(&new));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to compare unlike runs"), "{err}");
    assert!(
        err.contains("workload: requests (`fetch` → `get`)"),
        "{err}"
    );
    assert!(
        !err.contains("duration"),
        "the duration is not workload: {err}"
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
    assert!(
        mismatches
            .iter()
            .any(|m| m == "workload: requests (`fetch` → `get`)"),
        "{mismatches:?}"
    );
    // Same host, same duration (1 s each): nothing to note.
    assert!(report["regression"]["notes"].is_null(), "{report:#}");

    // `run --baseline` refuses the same way, before sending anything.
    let sent = target.received();
    let args = ["--host", &target.url, "--duration", "1s", "--quiet"];
    let ran = run_plan_with(&dir, PLAN, &args, |cmd| {
        cmd.arg("--baseline").arg(&base);
    });
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert!(
        ran.stderr()
            .contains("workload: requests (`fetch` → `get`)")
    );
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
