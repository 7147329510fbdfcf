//! The HTTP side of the demo API: routes, injected latency and failures, traffic logging.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use anyhow::Context as _;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::time::MissedTickBehavior;

use super::options::DemoOptions;
use super::{login, model, validate};

/// Largest `/predict` body accepted; larger ones get 413.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Builds the demo API's routes (`POST /predict`, `POST /login`, `GET /health`), for in-process use.
///
/// Latency and error injection apply to `/predict` only, so that `/health` stays a
/// reliable readiness probe. No traffic is logged; [`serve`] does that.
pub fn router(opts: &DemoOptions) -> Router {
    app(opts).0
}

/// Serves the demo API on `listener` until `shutdown` completes, then stops gracefully
/// (in-flight requests are answered).
///
/// Prints `demo-api listening on http://ADDR` to stderr at start, then at most one line
/// per second with the traffic of that second, when there was any.
///
/// # Errors
///
/// When the listener's address cannot be read or the server fails.
pub async fn serve(
    listener: TcpListener,
    opts: DemoOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (router, traffic) = app(&opts);
    eprintln!("demo-api listening on http://{}", listener.local_addr()?);
    let logger = tokio::spawn(log_traffic(traffic));
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    logger.abort();
    result
}

/// Runs the demo API on a runtime of `opts.workers` threads, listening on `opts.addr`,
/// until SIGINT or SIGTERM.
///
/// # Errors
///
/// When `opts.workers` is 0, the runtime cannot start, the address cannot be bound or
/// the server fails.
pub fn run(opts: DemoOptions) -> anyhow::Result<()> {
    anyhow::ensure!(opts.workers >= 1, "workers must be at least 1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.workers)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(opts.addr)
            .await
            .with_context(|| format!("cannot listen on {}", opts.addr))?;
        let shutdown = shutdown_signal().context("cannot listen for shutdown signals")?;
        serve(listener, opts, shutdown)
            .await
            .context("the demo API failed")
    })
}

/// Completes on SIGINT or SIGTERM.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// The router, and the traffic counters its responses are counted in.
fn app(opts: &DemoOptions) -> (Router, Arc<Traffic>) {
    let traffic = Arc::new(Traffic::default());
    let injection = Arc::new(Injection {
        latency: opts.latency,
        jitter: opts.jitter,
        error_rate: opts.error_rate,
        seed: opts.seed.unwrap_or_else(|| fastrand::u64(..)),
        requests: AtomicU64::new(0),
    });
    let router = Router::new()
        .route("/predict", post(predict))
        .route("/login", post(login::login))
        .route("/health", get(health))
        .fallback(not_found)
        .with_state(injection)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(&traffic), count));
    (router, traffic)
}

/// `POST /predict`: one prediction per passenger record, after the injected latency,
/// unless a failure is injected.
async fn predict(
    State(injection): State<Arc<Injection>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !login::authorized(&headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown bearer token");
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = MAX_BODY_BYTES / (1024 * 1024);
            return error(rejection.status(), format!("the body exceeds {limit} MiB"));
        }
        Err(rejection) => return error(rejection.status(), rejection.body_text()),
    };
    let mut rng = injection.rng();
    let delay = injection.delay(&mut rng);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if rng.f64() < injection.error_rate {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "injected failure");
    }
    match validate::parse_body(&body) {
        Ok(passengers) => {
            let preds: Vec<&str> = passengers.iter().map(model::predict).collect();
            Json(json!({ "preds": preds })).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// `GET /health`: always `{"status":"ok"}`.
async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Any other path: 404 with a JSON error.
async fn not_found(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no route for {}", uri.path()),
    )
}

/// A JSON error answer: `{"error": message}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// What `/predict` injects, and the request count that seeds each request's RNG.
struct Injection {
    latency: Duration,
    jitter: Duration,
    error_rate: f64,
    seed: u64,
    requests: AtomicU64,
}

impl Injection {
    /// An RNG of its own for the next request: seeded from the base seed and the
    /// request's number, so runs with the same seed inject the same failures, and no
    /// lock is shared between requests.
    fn rng(&self) -> fastrand::Rng {
        let n = self.requests.fetch_add(1, Relaxed);
        fastrand::Rng::with_seed(
            self.seed
                .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
    }

    /// How long this request sleeps: latency + uniform(0, jitter).
    fn delay(&self, rng: &mut fastrand::Rng) -> Duration {
        if self.jitter.is_zero() {
            return self.latency;
        }
        let jitter = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        self.latency
            .saturating_add(Duration::from_nanos(rng.u64(0..=jitter)))
    }
}

/// Responses counted since the last log line.
#[derive(Default)]
struct Traffic {
    requests: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
}

/// Middleware counting every response by its status class.
async fn count(State(traffic): State<Arc<Traffic>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status().is_client_error() {
        traffic.client_errors.fetch_add(1, Relaxed);
    } else if response.status().is_server_error() {
        traffic.server_errors.fetch_add(1, Relaxed);
    }
    traffic.requests.fetch_add(1, Relaxed);
    response
}

/// Every second with traffic, prints one line with that second's counts.
async fn log_traffic(traffic: Arc<Traffic>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await; // the first tick completes at once
    loop {
        ticks.tick().await;
        let requests = traffic.requests.swap(0, Relaxed);
        if requests == 0 {
            continue;
        }
        let client = traffic.client_errors.swap(0, Relaxed);
        let server = traffic.server_errors.swap(0, Relaxed);
        eprintln!(
            "demo-api: {requests} req/s, {} errors (4xx {client}, 5xx {server})",
            client + server
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injector(seed: u64, latency: Duration, jitter: Duration) -> Injection {
        Injection {
            latency,
            jitter,
            error_rate: 0.2,
            seed,
            requests: AtomicU64::new(0),
        }
    }

    #[test]
    fn per_request_rngs_inject_the_configured_rate_for_any_seed() {
        for seed in [0, 1, 42, u64::MAX] {
            let injection = injector(seed, Duration::ZERO, Duration::ZERO);
            let failures = (0..10_000)
                .filter(|_| injection.rng().f64() < injection.error_rate)
                .count();
            // Binomial(10 000, 0.2): mean 2000, standard deviation 40.
            assert!((1800..=2200).contains(&failures), "seed {seed}: {failures}");
        }
    }

    #[test]
    fn the_same_seed_injects_the_same_failures() {
        let draws = |seed| {
            let injection = injector(seed, Duration::ZERO, Duration::ZERO);
            (0..100).map(|_| injection.rng().f64()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
    }

    #[test]
    fn delay_is_latency_plus_at_most_the_jitter() {
        let latency = Duration::from_millis(20);
        let jitter = Duration::from_millis(10);
        let injection = injector(3, latency, jitter);
        let delays: Vec<Duration> = (0..1000)
            .map(|_| injection.delay(&mut injection.rng()))
            .collect();
        assert!(
            delays
                .iter()
                .all(|d| (latency..=latency + jitter).contains(d))
        );
        assert!(delays.iter().any(|d| *d > latency + jitter / 2));
        assert!(delays.iter().any(|d| *d < latency + jitter / 2));
        let fixed = injector(3, latency, Duration::ZERO);
        assert_eq!(fixed.delay(&mut fixed.rng()), latency);
    }
}
