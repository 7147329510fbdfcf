//! Summaries built from latencies, for the tests and benchmarks: the one
//! place a [`Summary`] is made by hand. Compiled for the crate's own tests and
//! with the `fixture` feature (which the integration tests turn on).

use chrono::{TimeZone, Utc};

use super::histogram;
use super::summary::{
    ErrorCounts, ErrorExample, ErrorKind, LoadExecuted, PlanInfo, RequestStats, SeriesPoint,
    Summary, ToolInfo,
};

/// The length of a fixture run, in seconds.
pub const SECONDS: f64 = 10.0;

/// Statistics for `name` from latencies in µs, with these errors and
/// examples: the rate over [`SECONDS`], one series point for the whole run.
pub fn request(
    name: &str,
    latencies_us: &[u64],
    errors: ErrorCounts,
    error_examples: Vec<ErrorExample>,
) -> RequestStats {
    let mut hist = histogram::new_latency();
    for &us in latencies_us {
        histogram::record(&mut hist, us);
    }
    let requests = latencies_us.len() as u64;
    RequestStats {
        name: name.to_string(),
        requests,
        errors,
        error_examples,
        rps: requests as f64 / SECONDS,
        dropped: 0,
        service: None,
        service_histogram: None,
        latency: histogram::summarise(&hist),
        histogram: histogram::encode(&hist),
        series: vec![SeriesPoint {
            t: 0,
            requests,
            errors: errors.total,
            users: None,
            p50: None,
            p95: None,
            p99: None,
        }],
    }
}

/// Statistics for `name` from latencies in ms, with `errors` of them failed
/// with a status.
pub fn stats(name: &str, latencies_ms: &[f64], errors: u64) -> RequestStats {
    let latencies_us: Vec<u64> = latencies_ms
        .iter()
        .map(|ms| (ms * 1000.0).round() as u64)
        .collect();
    let mut counts = ErrorCounts::default();
    counts.add(ErrorKind::Status, errors);
    let examples = if errors > 0 {
        vec![ErrorExample {
            kind: ErrorKind::Status,
            message: "HTTP 500 Internal Server Error".to_string(),
            count: errors,
        }]
    } else {
        Vec::new()
    };
    request(name, &latencies_us, counts, examples)
}

/// The `all` entry merged from `requests`: histograms, errors and examples;
/// the rate over [`SECONDS`], no series.
pub fn overall(requests: &[RequestStats]) -> RequestStats {
    let mut hist = histogram::new_latency();
    let mut errors = ErrorCounts::default();
    let mut count = 0;
    for stats in requests {
        let decoded = histogram::decode(&stats.histogram).expect("a fixture histogram decodes");
        hist.add(decoded)
            .expect("fixture histograms have one range");
        errors.merge(&stats.errors);
        count += stats.requests;
    }
    RequestStats {
        name: "all".to_string(),
        requests: count,
        errors,
        error_examples: requests
            .iter()
            .flat_map(|stats| stats.error_examples.clone())
            .collect(),
        rps: count as f64 / SECONDS,
        dropped: 0,
        service: None,
        service_histogram: None,
        latency: histogram::summarise(&hist),
        histogram: histogram::encode(&hist),
        series: Vec::new(),
    }
}

/// A closed-model run of [`SECONDS`] with 10 users over `requests`, started
/// 2025-03-01 12:00 UTC, with `overall` merged from them and a two-field
/// workload.
pub fn summary(requests: Vec<RequestStats>) -> Summary {
    let overall = overall(&requests);
    let count = overall.requests;
    let start = Utc
        .with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("a valid date");
    Summary {
        tool: ToolInfo {
            name: "perfgate".to_string(),
            version: "0.1.0".to_string(),
        },
        plan: PlanInfo {
            regression: Vec::new(),
            name: "predict-api".to_string(),
            file: "plans/predict.yaml".to_string(),
            hash: "ab".repeat(32),
            host: "http://127.0.0.1:5001".to_string(),
            workload: [("load.model", "closed"), ("load.users", "10")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
        },
        started_at: start,
        ended_at: start + chrono::Duration::seconds(SECONDS as i64),
        partial: false,
        load: LoadExecuted {
            model: "closed".to_string(),
            users: 10,
            peak_users: 10,
            spawn_rate: 5.0,
            think_time: "0s".to_string(),
            duration_s: SECONDS,
            elapsed_s: SECONDS,
            warmup_s: 0.0,
            seed: 42,
            grace_s: 5.0,
            requests_started: count,
            warmup_requests: 0,
            cancelled: 0,
            cpu_s: None,
            peak_rss_bytes: None,
            open: None,
            aborted: None,
            data_end: None,
        },
        overall,
        requests,
        flows: Vec::new(),
        shard: None,
        serve: None,
        windows: Vec::new(),
    }
}

/// `n` latencies in ms spread evenly over 1..=`top_ms`.
pub fn spread(n: usize, top_ms: f64) -> Vec<f64> {
    (1..=n).map(|i| top_ms * i as f64 / n as f64).collect()
}
