//! The fault matrix: targets on 127.0.0.1 that misbehave in one way each.
//! For every fault perfgate neither panics nor hangs, finishes within its
//! duration plus grace, classifies the failures, accounts for every request
//! it started (started = completed + cancelled, completed = ok + failed) and
//! writes its report.

mod common;

use std::path::Path;
use std::thread;
use std::time::Duration;

use common::faults::{Fault, FaultTarget};
use common::{Ran, free_port, run_plan, scratch};
use serde_json::Value;

/// The load of every case: 2 s, then at most 1 s of grace.
const DURATION_S: f64 = 2.0;
const GRACE_S: f64 = 1.0;
/// Start-up, report writing and a loaded machine.
const SLACK_S: f64 = 4.0;

/// A plan of `users` users against `host` with a `timeout_ms` request
/// timeout, expecting `200`, gated on `error_rate < 1%`.
fn plan(host: &str, users: u32, timeout_ms: u64) -> String {
    format!(
        "name: fault\nhost: {host}\nload: {{users: {users}, duration: {DURATION_S}s, grace: {GRACE_S}s}}\n\
         defaults: {{timeout: {timeout_ms}ms}}\nrequests:\n  - name: probe\n    path: /\n    expect: {{status: 200}}\n\
         slo:\n  - error_rate < 1%\nreports: {{json: report.json}}\n"
    )
}

/// Runs `plan_text` from a fresh folder named `case`.
fn run(case: &str, plan_text: &str) -> Ran {
    run_plan(&scratch(&format!("fault-{case}")), plan_text, &[])
}

fn count(report: &Value, pointer: &str) -> u64 {
    report
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} missing in {report:#}"))
}

/// Checks the invariants every case shares and returns the error counts.
fn check_accounting(case: &str, ran: &Ran) -> Value {
    let r = ran.report();
    let started = count(r, "/load/requests_started");
    let completed = count(r, "/overall/requests") + count(r, "/load/warmup_requests");
    let cancelled = count(r, "/load/cancelled");
    assert_eq!(
        started,
        completed + cancelled,
        "{case}: started != completed + cancelled\n{}",
        ran.log
    );
    let errors = r["overall"]["errors"].clone();
    let kinds: u64 = [
        "connect",
        "timeout",
        "status",
        "io",
        "protocol",
        "template",
        "expectation",
    ]
    .iter()
    .map(|k| count(&errors, &format!("/{k}")))
    .sum();
    assert_eq!(kinds, count(&errors, "/total"), "{case}: {errors}");
    let per_request: u64 = r["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| count(q, "/requests"))
        .sum();
    assert_eq!(per_request, count(r, "/overall/requests"), "{case}");
    assert!(
        ran.wall.as_secs_f64() <= DURATION_S + GRACE_S + SLACK_S,
        "{case}: took {:?}\n{}",
        ran.wall,
        ran.log
    );
    assert!(
        !ran.log.contains("panicked"),
        "{case}: perfgate panicked\n{}",
        ran.log
    );
    errors
}

/// A single-fault case: every completed request failed with `kind`.
struct Case {
    name: &'static str,
    fault: Fault,
    users: u32,
    timeout_ms: u64,
    kind: &'static str,
}

#[test]
fn every_fault_is_survived_classified_and_counted() {
    let cases = [
        Case {
            name: "reset_after_headers",
            fault: Fault::ResetAfterHeaders,
            users: 4,
            timeout_ms: 1000,
            kind: "io",
        },
        Case {
            name: "reset_mid_body",
            fault: Fault::ResetMidBody,
            users: 4,
            timeout_ms: 1000,
            kind: "io",
        },
        Case {
            name: "slower_than_timeout",
            fault: Fault::Silent(Duration::from_secs(5)),
            users: 4,
            timeout_ms: 300,
            kind: "timeout",
        },
        Case {
            name: "slow_loris_body",
            fault: Fault::SlowLoris,
            users: 4,
            timeout_ms: 500,
            kind: "timeout",
        },
        Case {
            name: "garbage_instead_of_http",
            fault: Fault::Garbage,
            users: 4,
            timeout_ms: 1000,
            kind: "protocol",
        },
        Case {
            name: "invalid_content_length",
            fault: Fault::BadContentLength,
            users: 4,
            timeout_ms: 1000,
            kind: "protocol",
        },
        Case {
            name: "redirect_loop",
            fault: Fault::RedirectLoop,
            users: 4,
            timeout_ms: 1000,
            kind: "status",
        },
        Case {
            name: "429_retry_after",
            fault: Fault::RetryAfter(429),
            users: 4,
            timeout_ms: 1000,
            kind: "status",
        },
        Case {
            name: "503_retry_after",
            fault: Fault::RetryAfter(503),
            users: 4,
            timeout_ms: 1000,
            kind: "status",
        },
    ];
    let results: Vec<(&Case, Ran, u64)> = thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|case| {
                s.spawn(move || {
                    let target = FaultTarget::start(case.fault);
                    let ran = run(case.name, &plan(&target.url, case.users, case.timeout_ms));
                    (case, ran, target.received())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut table = vec![format!(
        "{:<26} {:>7} {:>9} {:>9} {:<9}",
        "fault", "sent", "failed", "cancelled", "kind"
    )];
    for (case, ran, received) in &results {
        let errors = check_accounting(case.name, ran);
        let completed = count(ran.report(), "/overall/requests");
        let cancelled = count(ran.report(), "/load/cancelled");
        assert!(
            completed > 0,
            "{}: nothing completed\n{}",
            case.name,
            ran.log
        );
        assert_eq!(
            count(&errors, &format!("/{}", case.kind)),
            completed,
            "{}: every request should fail as `{}`: {errors}\n{}",
            case.name,
            case.kind,
            ran.log
        );
        assert!(
            *received >= completed,
            "{}: target saw {received}",
            case.name
        );
        assert_eq!(ran.code, 1, "{}: the gate fails\n{}", case.name, ran.log);
        table.push(format!(
            "{:<26} {:>7} {:>9} {:>9} {:<9}",
            case.name,
            count(ran.report(), "/load/requests_started"),
            count(&errors, "/total"),
            cancelled,
            case.kind
        ));
    }
    println!("{}", table.join("\n"));
}

#[test]
fn nothing_listening_for_the_whole_run_is_connect_errors() {
    let ran = run(
        "nothing_listening",
        &plan(&format!("http://127.0.0.1:{}", free_port()), 2, 1000),
    );
    let errors = check_accounting("nothing_listening", &ran);
    let completed = count(ran.report(), "/overall/requests");
    assert!(completed > 0);
    assert_eq!(count(&errors, "/connect"), completed, "{errors}");
    assert_eq!(ran.code, 1, "{}", ran.log);
}

#[test]
fn nothing_listening_for_half_the_run_then_a_target_appears() {
    let port = free_port();
    let late = thread::spawn(move || {
        thread::sleep(Duration::from_millis(1000));
        FaultTarget::start_on(port, Fault::Healthy)
    });
    let text = plan(&format!("http://127.0.0.1:{port}"), 2, 1000)
        .replace("think_time", "")
        .replace("grace: 1s}", "grace: 1s, think_time: 20ms}");
    let ran = run("half_listening", &text);
    let target = late.join().unwrap();
    let errors = check_accounting("half_listening", &ran);
    let completed = count(ran.report(), "/overall/requests");
    let failed = count(&errors, "/total");
    assert!(count(&errors, "/connect") > 0, "{errors}\n{}", ran.log);
    assert_eq!(count(&errors, "/connect"), failed, "{errors}");
    assert!(completed > failed, "some requests succeed: {errors}");
    assert_eq!(
        target.received(),
        completed - failed,
        "every success was received"
    );
}

#[test]
fn a_100_mb_body_is_read_without_being_held() {
    let size = 100 * 1024 * 1024;
    let target = FaultTarget::start(Fault::HugeBody(size));
    let ran = run("huge_body", &plan(&target.url, 1, 10_000));
    let errors = check_accounting("huge_body", &ran);
    assert_eq!(count(&errors, "/total"), 0, "{errors}\n{}", ran.log);
    assert!(count(ran.report(), "/overall/requests") >= 1);
    let peak = count(ran.report(), "/load/peak_rss_bytes");
    println!(
        "peak RSS reading 100 MB bodies: {:.1} MB",
        peak as f64 / 1e6
    );
    assert!(
        peak < 64 * 1024 * 1024,
        "perfgate held {peak} bytes while reading 100 MB bodies"
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
}

#[test]
fn reports_are_written_even_when_one_cannot_be() {
    // The HTML report's folder is replaced by a file during the run: JSON and
    // JUnit are still written, the failure is named, and the exit code is 3.
    let target = FaultTarget::start(Fault::Healthy);
    let dir = scratch("fault-report-write");
    let doomed = dir.join("doomed");
    std::fs::create_dir_all(&doomed).unwrap();
    let text = plan(&target.url, 1, 1000).replace(
        "reports: {json: report.json}",
        "reports: {json: report.json, junit: junit.xml, html: doomed/report.html}",
    );
    let remover = {
        let doomed = doomed.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(800));
            std::fs::remove_dir_all(&doomed).unwrap();
            std::fs::write(&doomed, "not a folder").unwrap();
        })
    };
    let ran = run_plan(&dir, &text, &[]);
    remover.join().unwrap();
    assert_eq!(ran.code, 3, "{}", ran.log);
    assert!(
        ran.stderr().contains("report.html"),
        "the failed report is named: {}",
        ran.log
    );
    ran.report();
    assert!(common::junit_check(Path::new(&dir.join("junit.xml"))).is_object());
    assert!(doomed.is_file());
}
