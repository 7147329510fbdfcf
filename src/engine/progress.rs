//! What a running load looks like, published about once a second for display.

use std::time::Duration;

/// A snapshot of a running load. The engine only publishes it; the CLI renders it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Progress {
    /// Time since the load started.
    pub elapsed: Duration,
    /// The planned duration, warm-up included.
    pub duration: Duration,
    /// Users active now.
    pub users: u32,
    /// Requests completed so far, warm-up included.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Requests completed per second over the last tick.
    pub rps: f64,
    /// 95th percentile latency of the last tick in ms; `None` when nothing was timed.
    pub p95_ms: Option<f64>,
}
