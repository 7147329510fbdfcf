//! The open model end to end: arrivals on a clock, latency from the intended
//! send time, rate accuracy, dropped accounting, and an invalid run when the
//! generator cannot keep up. Real sockets on 127.0.0.1 only.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use common::{Ran, code, output, perfgate, run_plan, scratch, serve_app, streams, write_plan};
use serde_json::Value;

/// A target on 127.0.0.1 that counts requests and delays each one by
/// `delay(time since the target started)`.
struct Slow {
    url: String,
    received: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

fn slow_target(delay: fn(Duration) -> Duration) -> Slow {
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let started = Instant::now();
    let app = Router::new().route(
        "/",
        get(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay(started.elapsed())).await;
                "ok"
            }
        }),
    );
    let (url, runtime) = serve_app(app);
    Slow {
        url,
        received,
        _runtime: runtime,
    }
}

/// Every 5 s the target stalls for 1 s (from 4 s to 5 s of each 5 s); a
/// request arriving in a stall is answered when it ends.
fn stall(t: Duration) -> Duration {
    let phase = t.as_secs_f64() % 5.0;
    if phase >= 4.0 {
        Duration::from_secs_f64(5.0 - phase)
    } else {
        Duration::ZERO
    }
}

/// Runs a plan of one `GET /` against `url` with `load` (YAML lines under
/// `load:`) from a fresh folder named `test`, its JSON report in `s.json`.
fn run(test: &str, url: &str, load: &str) -> Ran {
    let plan = format!(
        "name: {test}\nhost: {url}\nload:\n{load}\n  seed: 11\n  grace: 3s\nrequests:\n  - name: get\n    path: /\n    timeout: 10s\nslo:\n  - requests > 0\n"
    );
    run_plan(&scratch(test), &plan, &["--json", "s.json"])
}

fn ms(report: &Value, path: &[&str]) -> f64 {
    let mut v = report;
    for key in path {
        v = &v[*key];
    }
    v.as_f64()
        .unwrap_or_else(|| panic!("{path:?} in {report:#}"))
}

#[test]
fn the_stall_test_latency_counts_from_the_intended_send_time() {
    // 200/s for 20 s: 20% of requests wait uniformly over (0, 1 s], so the true
    // p90 is 0.5 s and p99 0.95 s.
    let target = slow_target(stall);
    let ran = run("stall-open", &target.url, "  rate: 200/s\n  duration: 20s");
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = ran.report();
    let p90 = ms(report, &["overall", "latency", "p90"]);
    let p99 = ms(report, &["overall", "latency", "p99"]);
    let service_p99 = ms(report, &["overall", "service", "p99"]);
    let service_p50 = ms(report, &["overall", "service", "p50"]);
    let p50 = ms(report, &["overall", "latency", "p50"]);

    // The closed model against the same target, to document how far off it is.
    let closed_target = slow_target(stall);
    let closed_ran = run(
        "stall-closed",
        &closed_target.url,
        "  users: 10\n  duration: 10s",
    );
    assert_eq!(closed_ran.code, 0, "{}", closed_ran.log);
    let closed = closed_ran.report();
    let closed_p90 = ms(closed, &["overall", "latency", "p90"]);
    let closed_p99 = ms(closed, &["overall", "latency", "p99"]);
    let closed_max = ms(closed, &["overall", "latency", "max"]);
    println!(
        "open 200/s: p90 {p90:.0} ms, p99 {p99:.0} ms (true 500 / 950); service p50 {service_p50:.1} ms, p99 {service_p99:.0} ms; \
         closed 10 users: p90 {closed_p90:.1} ms, p99 {closed_p99:.1} ms, max {closed_max:.0} ms"
    );
    assert!(
        (450.0..=550.0).contains(&p90),
        "open p90 {p90} ms is within 10% of 500 ms"
    );
    assert!(
        (855.0..=1045.0).contains(&p99),
        "open p99 {p99} ms is within 10% of 950 ms"
    );
    assert!(
        service_p50 <= p50 && service_p99 <= p99 * 1.01,
        "service time never exceeds latency"
    );
    assert!(
        closed_p90 < p90 / 10.0,
        "the closed model hides the stall: p90 {closed_p90} ms"
    );
}

#[test]
fn a_constant_rate_delivers_its_arrivals_exactly() {
    let target = slow_target(|_| Duration::ZERO);
    let ran = run("rate-500", &target.url, "  rate: 500/s\n  duration: 10s");
    assert_eq!(ran.code, 0, "{}", ran.log);
    let received = target.received.load(Ordering::SeqCst);
    assert!(
        (4950..=5050).contains(&received),
        "5,000 ± 1% arrivals, target counted {received}"
    );
    let report = ran.report();
    assert_eq!(report["load"]["model"], "open");
    assert_eq!(
        report["load"]["open"]["scheduled"], 5000,
        "{:#}",
        report["load"]
    );
    assert_eq!(report["load"]["open"]["dropped"], 0);
}

#[test]
fn a_ramp_from_zero_delivers_its_integral() {
    let target = slow_target(|_| Duration::ZERO);
    let ran = run(
        "ramp",
        &target.url,
        "  stages:\n    - { rate: 400/s, over: 10s }",
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let received = target.received.load(Ordering::SeqCst);
    assert!(
        (1960..=2040).contains(&received),
        "~2,000 ± 2% arrivals, target counted {received}"
    );
}

#[test]
fn arrivals_beyond_max_in_flight_are_dropped_and_counted_exactly() {
    let target = slow_target(|_| Duration::from_secs(2));
    let ran = run(
        "dropped",
        &target.url,
        "  rate: 100/s\n  duration: 3s\n  max_in_flight: 50",
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = ran.report();
    let open = &report["load"]["open"];
    let (scheduled, sent, dropped) = (
        open["scheduled"].as_u64().unwrap(),
        open["sent"].as_u64().unwrap(),
        open["dropped"].as_u64().unwrap(),
    );
    assert_eq!(scheduled, 300, "{open:#}");
    assert_eq!(dropped + sent, scheduled, "{open:#}");
    assert!(dropped >= 150, "most arrivals find 50 in flight: {open:#}");
    assert_eq!(
        sent,
        target.received.load(Ordering::SeqCst),
        "every sent arrival reached the target"
    );
    assert_eq!(report["overall"]["dropped"].as_u64().unwrap(), dropped);
}

#[test]
fn a_generator_that_cannot_keep_up_makes_the_run_invalid() {
    let target = slow_target(|_| Duration::ZERO);
    let ran = run(
        "absurd",
        &target.url,
        "  rate: 100000000/s\n  duration: 2s\n  max_in_flight: 1",
    );
    assert_eq!(ran.code, 3, "{}", ran.log);
    assert!(ran.stdout().contains("could not keep up"), "{}", ran.log);
    assert_eq!(ran.report()["verdict"]["outcome"], "invalid");
}

#[test]
fn conflicting_load_settings_are_a_plan_error() {
    let dir = scratch("conflict");
    let path = write_plan(
        &dir,
        "name: x\nhost: http://127.0.0.1:9\nload:\n  users: 5\n  rate: 10/s\n  duration: 1s\nrequests:\n  - name: a\n    path: /\n",
    );
    let out = output(perfgate().arg("validate").arg(&path));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("conflicting load settings"),
        "{}",
        streams(&out)
    );
}
