//! Windowed SLOs (`over:`) and early abort, end to end against a target that
//! is slow only between seconds 10 and 15.

mod common;

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use common::{code, output, perfgate, run_plan, scratch, serve_app, streams, write_plan};

/// A target on 127.0.0.1 that answers in 400 ms between its seconds 10 and 15, at once otherwise.
fn slow_between_10_and_15() -> (String, tokio::runtime::Runtime) {
    let started = Instant::now();
    let app = Router::new().route(
        "/",
        get(move || async move {
            let t = started.elapsed().as_secs_f64();
            if (10.0..15.0).contains(&t) {
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            "ok"
        }),
    );
    serve_app(app)
}

fn plan(url: &str, duration: &str, windowed: &str) -> String {
    format!(
        "name: windows\nhost: {url}\nload:\n  users: 10\n  think_time: 5ms\n  duration: {duration}\n  seed: 5\n\
         requests:\n  - name: get\n    path: /\nslo:\n  - p99 < 100ms\n  - {windowed}\n"
    )
}

#[test]
fn a_slow_window_fails_over_5s_while_the_whole_run_p99_passes() {
    let (url, _rt) = slow_between_10_and_15();
    let dir = scratch("windows");
    let text = plan(&url, "20s", "{ expect: p99 < 100ms, over: 5s }");
    let ran = run_plan(&dir, &text, &["--json", "s.json"]);
    assert_eq!(ran.code, 1, "{}", ran.log);
    let report = ran.report();
    let slos = report["slos"].as_array().unwrap();
    assert_eq!(slos[0]["outcome"], "pass", "whole-run p99: {:#}", slos[0]);
    assert_eq!(slos[1]["outcome"], "fail", "{:#}", slos[1]);
    assert_eq!(slos[1]["expression"], "p99 < 100ms over 5s");
    let window = &report["windows"][0];
    assert_eq!(window["windows"], 4, "{window:#}");
    let first = window["first_breach"]["start_s"].as_f64().unwrap();
    assert!(
        (5.0..=10.0).contains(&first),
        "the first breaching window starts at {first} s"
    );
    assert!(
        window["first_breach"]["value"].as_f64().unwrap() >= 400.0,
        "{window:#}"
    );
    assert!(
        slos[1]["message"].as_str().unwrap().contains("first in"),
        "{:#}",
        slos[1]
    );
}

#[test]
fn abort_stops_the_run_soon_after_the_breach_and_still_writes_reports() {
    let (url, _rt) = slow_between_10_and_15();
    let dir = scratch("abort");
    let text = plan(
        &url,
        "60s",
        "{ expect: p99 < 100ms, over: 5s, abort: true }",
    );
    let ran = run_plan(&dir, &text, &["--json", "s.json"]);
    let took = ran.wall;
    assert_eq!(ran.code, 1, "{}", ran.log);
    assert!(
        took < Duration::from_secs(25),
        "stopped at the breach, not after 60 s: {took:?}"
    );
    let report = ran.report();
    assert_eq!(report["partial"], false);
    let elapsed = report["load"]["elapsed_s"].as_f64().unwrap();
    assert!(
        (10.0..=17.0).contains(&elapsed),
        "the load stopped within a second or two of the window's end: {elapsed}"
    );
    assert!(
        report["load"]["aborted"]
            .as_str()
            .unwrap()
            .contains("abort: true"),
        "{:#}",
        report["load"]
    );
    assert_eq!(report["verdict"]["outcome"], "fail");
    assert!(ran.stdout().contains("[ABORTED]"), "{}", ran.log);
}

#[test]
fn abort_without_over_is_a_plan_error() {
    let dir = scratch("abort-no-over");
    let path = write_plan(
        &dir,
        &plan(
            "http://127.0.0.1:9",
            "1s",
            "{ expect: p99 < 100ms, abort: true }",
        ),
    );
    let out = output(perfgate().arg("validate").arg(&path));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("need `over`"),
        "{}",
        streams(&out)
    );
}
