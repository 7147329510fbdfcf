//! The Summary: the single source of truth every exporter renders and every
//! SLO is evaluated against. It is also what `compare` and `merge` read back
//! from a JSON report, so it carries the serialised histograms.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::workload::Fields;

/// Everything measured in one run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Which tool produced this.
    pub tool: ToolInfo,
    /// Which plan ran.
    pub plan: PlanInfo,
    /// When the load started (UTC).
    pub started_at: DateTime<Utc>,
    /// When the load ended (UTC).
    pub ended_at: DateTime<Utc>,
    /// Whether the run was interrupted before its planned end.
    pub partial: bool,
    /// The load as executed.
    pub load: LoadExecuted,
    /// All requests together (post-warm-up).
    pub overall: RequestStats,
    /// One entry per request name, in plan order (flow steps after the
    /// plan's requests).
    pub requests: Vec<RequestStats>,
    /// One entry per flow, in plan order: `requests` counts its iterations
    /// that ended (completed or failed at a step), the latency is the whole
    /// flow's, from its first step's send to its last step's response, over
    /// completed iterations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<RequestStats>,
    /// The system under test perfgate started for the run (`serve:`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve: Option<ServeInfo>,
    /// The shard of a sharded run (`--shard K/N`); absent for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::core::shard::Shard>,
    /// Objectives with `over:`, judged window by window during the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowVerdict>,
}

impl Summary {
    /// The statistics of `scope`: a request's name, or `flow.NAME` for a flow.
    pub fn scoped(&self, scope: &str) -> Option<&RequestStats> {
        match scope.strip_prefix(crate::core::scope::FLOW_PREFIX) {
            Some(flow) => self.flows.iter().find(|f| f.name == flow),
            None => self.requests.iter().find(|r| r.name == scope),
        }
    }

    /// Every scope this summary has statistics for, `, `-separated.
    pub fn scopes(&self) -> String {
        let requests = self.requests.iter().map(|r| r.name.clone());
        let flows = self
            .flows
            .iter()
            .map(|f| crate::core::scope::flow_scope(&f.name));
        requests.chain(flows).collect::<Vec<_>>().join(", ")
    }
}

/// How a windowed objective (`over:`) fared, window by window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WindowVerdict {
    /// The expression as written.
    pub expression: String,
    /// The window length in seconds; windows start at the end of the warm-up.
    pub over_s: f64,
    /// Complete windows judged (a final partial window is not judged).
    pub windows: u64,
    /// Windows that had data and breached.
    pub breaches: u64,
    /// Windows with no data for the metric.
    pub no_data: u64,
    /// The first breaching window, if any.
    pub first_breach: Option<WindowSpan>,
    /// The worst value over all windows, in the metric's canonical unit.
    pub worst: Option<f64>,
    /// Samples over all judged windows.
    pub samples: u64,
}

/// One window of a run and the value observed in it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WindowSpan {
    /// Start, seconds since the load started.
    pub start_s: f64,
    /// End, seconds since the load started.
    pub end_s: f64,
    /// The value observed, in the metric's canonical unit.
    pub value: f64,
}

/// What became of the command `serve:` started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServeInfo {
    /// The command line, program first.
    pub command: Vec<String>,
    /// How it ended, e.g. `stopped by SIGTERM` or `exited with status 1 during the run`.
    pub exit: String,
    /// The last lines it printed (stdout and stderr), control characters removed.
    pub output_tail: Vec<String>,
}

/// The tool that produced a report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    /// Always `perfgate`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

/// The plan a report was produced from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanInfo {
    /// The plan's `name`.
    pub name: String,
    /// The plan file as given.
    pub file: String,
    /// SHA-256 of the plan file's bytes, hex: information only; runs are
    /// compared by their `workload`.
    pub hash: String,
    /// The target host the load went to.
    pub host: String,
    /// The plan's regression rules as written, so `compare` can judge this
    /// report against a baseline without the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regression: Vec<String>,
    /// The effective workload, field → value: what a baseline must share
    /// to be compared like with like. Absent in reports written before it
    /// existed.
    #[serde(default, skip_serializing_if = "Fields::is_empty")]
    pub workload: Fields,
}

/// The load as it was executed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LoadExecuted {
    /// The workload model: `closed`.
    pub model: String,
    /// Users the plan asked for.
    pub users: u32,
    /// The most users active at once.
    pub peak_users: u32,
    /// Users started per second.
    pub spawn_rate: f64,
    /// Think time as written (`3s..5s`), `0s` for none.
    pub think_time: String,
    /// Planned duration in seconds, warm-up included.
    pub duration_s: f64,
    /// Actual duration of the load in seconds.
    pub elapsed_s: f64,
    /// Warm-up in seconds (excluded from the statistics).
    pub warmup_s: f64,
    /// The seed used for request choice and think time.
    pub seed: u64,
    /// Grace period for in-flight requests at the end, in seconds.
    pub grace_s: f64,
    /// Requests started, warm-up included.
    pub requests_started: u64,
    /// Requests completed during the warm-up (not in the statistics).
    pub warmup_requests: u64,
    /// Requests still in flight after the grace period, cancelled and not in the statistics.
    pub cancelled: u64,
    /// CPU time perfgate itself used during the load (user + system), in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
    /// The most memory perfgate held at once (peak resident set size), in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// The open model's generator health; absent for the closed model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<OpenExecuted>,
    /// Why the run stopped early because an objective with `abort: true` breached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    /// Why the run ended before its planned duration because a feeder with
    /// `on_end: stop` ran out of rows (a complete run, not an interruption).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_end: Option<String>,
}

/// How well the open model's generator kept to its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OpenExecuted {
    /// The planned average arrival rate over the elapsed time, per second.
    pub target_rate: f64,
    /// Arrivals actually dispatched (sent or dropped) per second.
    pub achieved_rate: f64,
    /// Arrivals the schedule intended before the end.
    pub scheduled: u64,
    /// Arrivals dispatched: sent plus dropped.
    pub dispatched: u64,
    /// Arrivals sent as requests.
    pub sent: u64,
    /// Arrivals dropped because `max_in_flight` requests were in flight (warm-up included).
    pub dropped: u64,
    /// Arrivals dispatched more than 10 ms after their intended time.
    pub late: u64,
    /// The largest dispatch lag, in ms.
    pub lag_max_ms: f64,
    /// The 99th percentile dispatch lag, in ms.
    pub lag_p99_ms: f64,
    /// The cap on requests in flight.
    pub max_in_flight: u32,
    /// How far below the target the achieved rate may fall (a fraction) for a valid run.
    pub tolerance: f64,
    /// The largest p99 dispatch lag for a valid run, in ms.
    pub max_lag_ms: f64,
}

/// Statistics for one request name, or for all together.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RequestStats {
    /// The request name; `all` for the overall entry.
    pub name: String,
    /// Completed requests in the measured window (successes and errors).
    pub requests: u64,
    /// Failed requests by kind.
    pub errors: ErrorCounts,
    /// A few distinct error messages per kind.
    pub error_examples: Vec<ErrorExample>,
    /// Requests per second over the measured window.
    pub rps: f64,
    /// Arrivals dropped because `max_in_flight` was reached (open model, measured window).
    #[serde(default)]
    pub dropped: u64,
    /// Latency summary in milliseconds; absent when nothing was timed.
    pub latency: Option<LatencySummary>,
    /// The latency histogram: HdrHistogram V2 + deflate, base64; microseconds, 3 significant figures.
    pub histogram: String,
    /// Per-second series from the start of the load (warm-up included).
    pub series: Vec<SeriesPoint>,
    /// Open model: service time (actual send to end of body), in ms; latency
    /// above is measured from the intended send time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<LatencySummary>,
    /// Open model: the service-time histogram, encoded like `histogram`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_histogram: Option<String>,
}

/// Failed requests by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorCounts {
    /// All failures.
    pub total: u64,
    /// Could not connect.
    pub connect: u64,
    /// No complete response within the timeout.
    pub timeout: u64,
    /// A status the request does not accept.
    pub status: u64,
    /// The connection failed: reset, closed early, or a body read broke off.
    pub io: u64,
    /// The target did not speak valid HTTP: garbage instead of a status
    /// line, a malformed header, an invalid `Content-Length`.
    #[serde(default)]
    pub protocol: u64,
    /// A template failed at run time, so the request could not be built and
    /// was not sent.
    #[serde(default)]
    pub template: u64,
    /// The status was accepted but a check (`expect.json`, `body_contains`,
    /// `header`, …) failed.
    #[serde(default)]
    pub expectation: u64,
}

/// The kinds of failure.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Could not connect.
    Connect,
    /// No complete response within the timeout.
    Timeout,
    /// A status the request does not accept.
    Status,
    /// The connection failed: reset, closed early, or a body read broke off.
    Io,
    /// The target did not speak valid HTTP.
    Protocol,
    /// A template failed at run time; nothing was sent.
    Template,
    /// A check on the response failed.
    Expectation,
}

impl ErrorKind {
    /// The kind's name as used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Status => "status",
            ErrorKind::Io => "io",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Template => "template",
            ErrorKind::Expectation => "expectation",
        }
    }
}

impl ErrorCounts {
    /// Counts one failure of `kind`.
    pub fn add(&mut self, kind: ErrorKind, n: u64) {
        self.total += n;
        match kind {
            ErrorKind::Connect => self.connect += n,
            ErrorKind::Timeout => self.timeout += n,
            ErrorKind::Status => self.status += n,
            ErrorKind::Io => self.io += n,
            ErrorKind::Protocol => self.protocol += n,
            ErrorKind::Template => self.template += n,
            ErrorKind::Expectation => self.expectation += n,
        }
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &ErrorCounts) {
        self.total += other.total;
        self.connect += other.connect;
        self.timeout += other.timeout;
        self.status += other.status;
        self.io += other.io;
        self.protocol += other.protocol;
        self.template += other.template;
        self.expectation += other.expectation;
    }
}

/// One distinct error message and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorExample {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// The message (secrets redacted).
    pub message: String,
    /// How many failures had this message.
    pub count: u64,
}

/// Latency summary in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencySummary {
    /// Fastest.
    pub min: f64,
    /// Mean.
    pub mean: f64,
    /// Slowest.
    pub max: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p99_9: f64,
}

/// One second of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesPoint {
    /// Seconds since the load started (this point covers `[t, t+1)`).
    pub t: u64,
    /// Requests completed in this second.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Active users at the end of this second (overall series only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<u32>,
    /// Median latency in ms, absent when nothing was timed.
    pub p50: Option<f64>,
    /// 95th percentile latency in ms.
    pub p95: Option<f64>,
    /// 99th percentile latency in ms.
    pub p99: Option<f64>,
}

impl SeriesPoint {
    /// Second `t` with nothing in it.
    pub fn empty(t: u64) -> SeriesPoint {
        SeriesPoint {
            t,
            requests: 0,
            errors: 0,
            users: None,
            p50: None,
            p95: None,
            p99: None,
        }
    }
}
