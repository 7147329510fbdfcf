//! The engine against in-process targets over real sockets on 127.0.0.1.
//! Every run is bounded in time and stops by itself.

mod common;

use std::future::{Future, pending};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use common::plan::{closed, from_yaml};
use perfgate::core::summary::{RequestStats, Summary};
use perfgate::engine::{self, LeanTransport, Progress, ReqwestTransport};
use perfgate::plan::ValidPlan;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Bound on every run, so that none hangs.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// What the target saw.
#[derive(Default)]
struct Counters {
    /// Requests received on every route but `/flaky`.
    hits: AtomicU64,
    /// Requests received on `/flaky`.
    flaky: AtomicU64,
    /// 500s sent by `/flaky`.
    failures: AtomicU64,
}

/// An axum target on 127.0.0.1, stopped when dropped.
struct Target {
    base: String,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn ok(State(c): State<Arc<Counters>>) -> &'static str {
    c.hits.fetch_add(1, Relaxed);
    "ok"
}

async fn sleep(State(c): State<Arc<Counters>>, Path(ms): Path<u64>) -> &'static str {
    c.hits.fetch_add(1, Relaxed);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "slept"
}

/// Every 10th request gets a 500.
async fn flaky(State(c): State<Arc<Counters>>) -> (StatusCode, &'static str) {
    if c.flaky.fetch_add(1, Relaxed) % 10 == 9 {
        c.failures.fetch_add(1, Relaxed);
        (StatusCode::INTERNAL_SERVER_ERROR, "boom\n")
    } else {
        (StatusCode::OK, "ok")
    }
}

async fn missing(State(c): State<Arc<Counters>>) -> (StatusCode, &'static str) {
    c.hits.fetch_add(1, Relaxed);
    (StatusCode::NOT_FOUND, "no such thing")
}

async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    (listener, base)
}

async fn target() -> Target {
    let counters = Arc::new(Counters::default());
    let app = Router::new()
        .route("/ok", get(ok))
        .route("/other", get(ok))
        .route("/sleep/{ms}", get(sleep))
        .route("/flaky", get(flaky))
        .route("/missing", get(missing))
        .with_state(Arc::clone(&counters));
    let (listener, base) = listen().await;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Target {
        base,
        counters,
        task,
    }
}

/// A raw HTTP/1.1 target that sends its headers at once and the 4-byte body
/// `delay` later.
async fn slow_body_target(delay: Duration) -> (String, JoinHandle<()>) {
    let (listener, base) = listen().await;
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\n";
                if socket.write_all(head).await.is_err() || socket.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(delay).await;
                let _ = socket.write_all(b"done").await;
            });
        }
    });
    (base, task)
}

async fn run_with(
    plan: &ValidPlan,
    interrupt: impl Future<Output = ()> + Send,
    progress: Option<watch::Sender<Progress>>,
) -> Summary {
    // The transport `perfgate run` would pick; PERFGATE_TRANSPORT=reqwest for the other.
    let reqwest = std::env::var("PERFGATE_TRANSPORT").as_deref() == Ok("reqwest");
    let run = async {
        if reqwest {
            let transport = ReqwestTransport::new(plan).expect("client");
            engine::run(plan, transport, interrupt, progress).await
        } else {
            let transport = LeanTransport::new(plan).expect("transport");
            engine::run(plan, transport, interrupt, progress).await
        }
    };
    tokio::time::timeout(RUN_TIMEOUT, run)
        .await
        .expect("the run ends by itself")
}

async fn run(plan: &ValidPlan) -> Summary {
    run_with(plan, pending(), None).await
}

fn stats<'a>(summary: &'a Summary, name: &str) -> &'a RequestStats {
    summary
        .requests
        .iter()
        .find(|r| r.name == name)
        .expect("request stats")
}

/// Every number in the Summary is finite, so the JSON exporter accepts it.
fn assert_finite(summary: &Summary) {
    let json = serde_json::to_string(summary).expect("serialisable");
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    for r in summary.requests.iter().chain([&summary.overall]) {
        assert!(r.rps.is_finite(), "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounting_matches_what_the_target_received() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 4, duration: 1200ms, warmup: 300ms",
        "
        - { name: ok, path: /ok, weight: 3 }
        - { name: other, path: /other }
        ",
    );
    let s = run(&p).await;
    let l = &s.load;
    let received = t.counters.hits.load(Relaxed);

    assert_eq!(
        l.requests_started,
        s.overall.requests + l.warmup_requests + l.cancelled
    );
    // Nothing outlives a 5 s grace against an instant handler, so every
    // started request was received and answered.
    assert_eq!(l.cancelled, 0);
    assert_eq!(received, s.overall.requests + l.warmup_requests);
    assert!(l.warmup_requests > 0 && s.overall.requests > 0, "{l:?}");
    let per_request: u64 = s.requests.iter().map(|r| r.requests).sum();
    assert_eq!(per_request, s.overall.requests);
    assert_eq!(s.overall.errors.total, 0);
    assert!(!s.partial);
    assert_eq!(l.model, "closed");
    assert_eq!(l.peak_users, 4);
    assert_eq!(l.think_time, "0s");
    assert!((l.elapsed_s - 1.2).abs() < 1e-9, "{l:?}");
    let expected_rps = s.overall.requests as f64 / (1.2 - 0.3);
    assert!((s.overall.rps - expected_rps).abs() < 1e-6 * expected_rps);
    assert_eq!(s.requests.len(), 2);
    assert_eq!(
        (s.requests[0].name.as_str(), s.overall.name.as_str()),
        ("ok", "all")
    );
    assert_finite(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_nine_to_one() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 4, duration: 10s",
        "
        - { name: nine, path: /ok, weight: 9 }
        - { name: never, path: /flaky, weight: 0 }
        - { name: one, path: /other, weight: 1 }
        ",
    );
    // Stop as soon as the target has seen enough requests.
    let counters = Arc::clone(&t.counters);
    let enough = async move {
        while counters.hits.load(Relaxed) < 3_000 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let s = run_with(&p, enough, None).await;
    let (nine, one) = (stats(&s, "nine").requests, stats(&s, "one").requests);
    let total = nine + one;
    assert!(total >= 2_000, "{total}");
    assert_eq!(stats(&s, "never").requests, 0);
    assert_eq!(t.counters.flaky.load(Relaxed), 0);
    let share = nine as f64 / total as f64;
    assert!((share - 0.9).abs() <= 0.03, "nine {nine}, one {one}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_errors_are_the_500s_the_target_sent() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 3, duration: 800ms",
        "- { name: flaky, path: /flaky }",
    );
    let s = run(&p).await;
    let sent_500 = t.counters.failures.load(Relaxed);
    assert!(sent_500 > 0);
    assert_eq!(s.load.cancelled, 0);
    assert_eq!(s.overall.requests, t.counters.flaky.load(Relaxed));
    assert_eq!(s.overall.errors.status, sent_500);
    assert_eq!(s.overall.errors.total, sent_500);
    let example = &s.overall.error_examples[0];
    assert_eq!(example.message, "HTTP 500 Internal Server Error: boom");
    assert_eq!(example.count, sent_500);
    // Responses with an unaccepted status were still timed.
    assert_eq!(
        stats(&s, "flaky").latency.is_some(),
        s.overall.latency.is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_errors_when_nothing_listens() {
    let (listener, base) = listen().await;
    drop(listener);
    let p = closed(
        &base,
        "users: 2, duration: 500ms, think_time: 20ms",
        "- { name: nobody, path: / }",
    );
    let s = run(&p).await;
    let e = s.overall.errors;
    assert!(e.connect > 0, "{e:?}");
    assert_eq!((e.total, s.overall.requests), (e.connect, e.connect));
    assert!(
        s.overall.latency.is_none(),
        "failed connections are not timed"
    );
    let message = &s.overall.error_examples[0].message;
    assert!(!message.contains(&base), "no URL in messages: {message}");
    assert!(!message.is_empty());
    assert_finite(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_when_the_handler_is_too_slow() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 2, duration: 700ms",
        "- { name: slow, path: /sleep/3000, timeout: 200ms }",
    );
    let s = run(&p).await;
    let e = s.overall.errors;
    assert!(e.timeout > 0, "{e:?}");
    assert_eq!((e.total, s.overall.requests), (e.timeout, e.timeout));
    assert_eq!(s.load.cancelled, 0, "the timeout fires within the grace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_404_is_a_success() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 2, duration: 500ms, think_time: 5ms",
        "
        - { name: accepted, path: /missing, expect: { status: [200, 404] } }
        - { name: refused, path: /missing }
        ",
    );
    let s = run(&p).await;
    let (a, r) = (stats(&s, "accepted"), stats(&s, "refused"));
    assert!(a.requests > 0 && r.requests > 0);
    assert_eq!(a.errors.total, 0);
    assert_eq!(r.errors.status, r.requests);
    assert_eq!(
        r.error_examples[0].message,
        "HTTP 404 Not Found: no such thing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_includes_the_handler_delay() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 2, duration: 600ms",
        "- { name: sleepy, path: /sleep/50 }",
    );
    let s = run(&p).await;
    let latency = s.overall.latency.expect("timed");
    assert!(latency.p50 >= 50.0, "{latency:?}");
    assert!(latency.min >= 50.0, "{latency:?}");
    assert!(!s.overall.histogram.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_includes_the_body_read() {
    let (base, server) = slow_body_target(Duration::from_millis(150)).await;
    let p = closed(
        &base,
        "users: 1, duration: 400ms",
        "- { name: slow-body, path: / }",
    );
    let s = run(&p).await;
    server.abort();
    assert_eq!(s.overall.errors.total, 0, "{:?}", s.overall.error_examples);
    let latency = s.overall.latency.expect("timed");
    assert!(latency.min >= 150.0, "{latency:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_then_cancel_requests_still_in_flight() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 3, duration: 500ms, grace: 200ms",
        "- { name: stuck, path: /sleep/10000 }",
    );
    let began = Instant::now();
    let s = run(&p).await;
    let took = began.elapsed();
    assert!(took < Duration::from_millis(3_500), "{took:?}");
    assert_eq!(s.load.cancelled, 3);
    assert_eq!(s.load.requests_started, 3);
    assert_eq!(s.overall.requests, 0);
    assert!(s.overall.latency.is_none());
    assert!(!s.partial);
    assert_finite(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_completing_within_grace_count() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 2, duration: 500ms, grace: 3s",
        "- { name: slow, path: /sleep/400 }",
    );
    let s = run(&p).await;
    assert_eq!(s.load.cancelled, 0);
    assert_eq!(s.overall.requests, t.counters.hits.load(Relaxed));
    assert_eq!(s.overall.requests, s.load.requests_started);
    assert!(s.overall.requests >= 2, "{:?}", s.load);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_stops_early_and_marks_partial() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 2, duration: 10s, think_time: 50ms",
        "- { name: ok, path: /ok }",
    );
    let began = Instant::now();
    let s = run_with(&p, tokio::time::sleep(Duration::from_millis(500)), None).await;
    let took = began.elapsed();
    assert!(s.partial);
    assert!(took < Duration::from_secs(5), "{took:?}");
    let elapsed = s.load.elapsed_s;
    assert!((0.45..2.0).contains(&elapsed), "{elapsed}");
    assert!(s.overall.requests > 0);
    assert_eq!(s.load.cancelled, 0);
    assert!(s.ended_at >= s.started_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warmup_stays_out_of_the_statistics_but_in_the_series() {
    let t = target().await;
    let p = closed(
        &t.base,
        "users: 2, duration: 2500ms, warmup: 1s, think_time: 20ms",
        "
        - { name: ok, path: /ok }
        - { name: other, path: /other }
        ",
    );
    let (tx, rx) = watch::channel(Progress::default());
    let s = run_with(&p, pending(), Some(tx)).await;
    let l = &s.load;
    assert!(l.warmup_requests > 0, "{l:?}");
    assert!(s.overall.requests > 0);
    assert_eq!(l.cancelled, 0);
    let completed = s.overall.requests + l.warmup_requests;
    assert_eq!(completed, t.counters.hits.load(Relaxed));

    // Series: from the first (warm-up) second, t increasing, all completions.
    let series = &s.overall.series;
    assert!(series.len() >= 2, "{series:?}");
    assert_eq!(series[0].t, 0);
    assert!(series[0].requests > 0, "warm-up seconds are in the series");
    assert!(series.windows(2).all(|w| w[0].t < w[1].t), "{series:?}");
    assert!(series.iter().all(|p| p.users.is_some()));
    assert_eq!(series.iter().map(|p| p.requests).sum::<u64>(), completed);
    for r in &s.requests {
        assert_eq!(r.series.len(), series.len());
        assert!(r.series.iter().all(|p| p.users.is_none()));
    }
    let per_request: u64 = s
        .requests
        .iter()
        .flat_map(|r| &r.series)
        .map(|p| p.requests)
        .sum();
    assert_eq!(per_request, completed);

    // The last progress published covers every completion.
    let last = *rx.borrow();
    assert_eq!(last.requests, completed);
    assert_eq!(last.errors, 0);
    assert_eq!(last.duration, Duration::from_millis(2_500));
    assert!(last.elapsed >= Duration::from_secs(2), "{last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_start_at_the_spawn_rate() {
    let t = target().await;
    let p = from_yaml(&format!(
        "
        name: test
        host: {}
        load: {{ users: 10, spawn_rate: 4/s, duration: 1s, think_time: 50ms, seed: 7 }}
        requests: [{{ name: ok, path: /ok }}]
        ",
        t.base
    ));
    let s = run(&p).await;
    // Users 0..3 start at 0, 250, 500 and 750 ms; user 4 would start at the end.
    assert!((2..=4).contains(&s.load.peak_users), "{:?}", s.load);
    assert_eq!(s.load.users, 10);
    assert_eq!(s.load.spawn_rate, 4.0);
}
