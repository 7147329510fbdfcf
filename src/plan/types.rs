//! The plan as written: typed straight from YAML, with source locations kept
//! where later checks need to point at a line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::client::{Connections, TlsSpec};
use super::serve_spec::ServeSpec;
use super::slo_entry::SloEntry;
use crate::checks::spec::ExpectSpec;
use crate::core::values::{Dur, Fraction, Method, Rate, Scalar, ThinkTime};
use crate::data::{Batch, OnEnd, Order};

/// A load-test plan.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "perfgate plan")]
pub struct Plan {
    /// The plan's name, used in reports.
    pub name: String,
    /// The base URL of the system under test, e.g. `http://127.0.0.1:5001`.
    #[schemars(with = "String")]
    pub host: Spanned<String>,
    /// A command that starts the system under test for the run (skipped when
    /// `--host` is given).
    pub serve: Option<ServeSpec>,
    /// The workload.
    pub load: Load,
    /// Settings shared by every request.
    #[serde(default)]
    pub defaults: Defaults,
    /// The requests users make, chosen by weight (together with `flows`).
    #[serde(default)]
    #[schemars(with = "Vec<RequestSpec>")]
    pub requests: Vec<Spanned<RequestSpec>>,
    /// Sequences of requests (a login, then a prediction with its token),
    /// chosen by weight together with `requests`.
    #[serde(default)]
    #[schemars(with = "Vec<FlowSpec>")]
    pub flows: Vec<Spanned<FlowSpec>>,
    /// Service-level objectives; every one must hold for the gate to pass.
    #[serde(default)]
    #[schemars(with = "Vec<SloEntry>")]
    pub slo: Vec<Spanned<SloEntry>>,
    /// Regression rules, judged against a baseline report (`--baseline`, `perfgate compare`).
    #[serde(default)]
    #[schemars(with = "Vec<crate::regress::rule::Rule>")]
    pub regression: Vec<Spanned<crate::regress::rule::Rule>>,
    /// Where to write reports; command-line flags override these.
    #[serde(default)]
    pub reports: Reports,
    /// Values templates read as `vars.NAME`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// Environment variables templates may read as `env.NAME`; no other is visible to them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub env: Vec<Spanned<String>>,
    /// Environment variables whose values are secret: redacted in every output,
    /// like those whose names contain TOKEN, SECRET, PASSWORD or KEY.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Data feeders: rows from files, one per request, read in templates by the feeder's name.
    #[serde(default)]
    pub data: BTreeMap<String, DataSpec>,
    /// `per_user` (the closed model's default): each user keeps its own
    /// keep-alive connection, as Locust and k6 users do; `shared`: one pool
    /// for all users. The open model has no users and always shares one pool.
    #[schemars(with = "Option<Connections>")]
    pub connections: Option<Spanned<Connections>>,
    /// Speak HTTP/2 instead of HTTP/1.1: prior knowledge over `http://`, ALPN
    /// `h2` over `https://`. Default false.
    #[serde(default)]
    pub http2: bool,
    /// How an `https://` target's certificate is checked. Default: against the
    /// system's root certificates.
    #[serde(default)]
    pub tls: TlsSpec,
    /// Send `Accept-Encoding: gzip` and decode gzip responses (checks then see
    /// the decoded body, sizes count decoded bytes). Default false: requests
    /// are sent as the plan writes them and bodies measured as they arrive.
    #[serde(default)]
    pub gzip: bool,
    /// Send every request through this proxy, e.g. `http://127.0.0.1:3128`.
    /// Without it no proxy is used, whatever `HTTP_PROXY`, `HTTPS_PROXY` or
    /// `ALL_PROXY` say.
    #[schemars(with = "Option<String>")]
    pub proxy: Option<Spanned<String>>,
}

/// A data feeder.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// A `.csv` (with a header row), `.jsonl` or `.json` file, relative to the plan's folder.
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// `sequential` (default), `shuffle`, `random` or `per_user`.
    #[serde(default)]
    pub order: Order,
    /// At the end of the rows: `wrap` (default) or `stop` (end the run cleanly).
    #[serde(default)]
    pub on_end: OnEnd,
    /// CSV columns kept as text (no number or boolean inference), e.g. codes such as tickets.
    #[serde(default)]
    pub text: Vec<String>,
    /// Columns whose values are secret: redacted in every output.
    #[serde(default)]
    pub secret: Vec<String>,
    /// Rows per request: `4`, or a range `1..8` drawn at random. With it, the
    /// feeder's variable is a list of rows (a JSON array in a one-expression leaf).
    #[schemars(with = "Option<String>")]
    pub batch: Option<Spanned<Batch>>,
}

/// The workload: the closed model (`users`, as in Locust) or the open model
/// (`rate` or `stages`: arrivals on a clock). Give one or the other.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Load {
    /// Closed model: how many concurrent users.
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub users: Option<Spanned<u32>>,
    /// Closed model: how fast users start, e.g. `5/s`. Default: all users within the first second.
    pub spawn_rate: Option<Rate>,
    /// Closed model: each user's wait between requests: `3s..5s`, `2s`, or `0s` (the default).
    #[schemars(with = "Option<ThinkTime>")]
    pub think_time: Option<Spanned<ThinkTime>>,
    /// Open model: a constant arrival rate such as `200/s`; with `stages`, the rate they start from (default 0).
    #[schemars(with = "Option<Rate>")]
    pub rate: Option<Spanned<Rate>>,
    /// Ramps, each linear from the previous value, the last value then held:
    /// `{ rate, over }` for the open model (from `rate`, default 0), or
    /// `{ users, over }` for the closed model (from `users`, default 0).
    #[serde(default)]
    #[schemars(with = "Vec<StageSpec>")]
    pub stages: Vec<Spanned<StageSpec>>,
    /// Open model: the most requests in flight at once; arrivals beyond it are dropped and counted. Default 1000.
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub max_in_flight: Option<Spanned<u32>>,
    /// Open model: how far the achieved arrival rate may fall below the target before the run is invalid. Default `2%`.
    #[schemars(with = "Option<Fraction>")]
    pub tolerance: Option<Spanned<Fraction>>,
    /// Open model: the largest p99 dispatch lag of a valid run. Default `100ms`.
    #[schemars(with = "Option<Dur>")]
    pub max_lag: Option<Spanned<Dur>>,
    /// How long the load runs, warm-up included. With `stages` it defaults to their total.
    #[schemars(with = "Option<Dur>")]
    pub duration: Option<Spanned<Dur>>,
    /// The first part of the run, excluded from SLO statistics but kept in the time series.
    #[serde(default)]
    #[schemars(with = "Option<Dur>")]
    pub warmup: Option<Spanned<Dur>>,
    /// Seed for request choice and think time. Default: a random seed, recorded in the report.
    pub seed: Option<u64>,
    /// How long requests still in flight at the end may take before they are cancelled. Default `5s`.
    pub grace: Option<Dur>,
}

/// One linear ramp: of the arrival rate (open model) or of the users (closed model).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Open model: the rate reached at the end of the ramp, e.g. `200/s`.
    pub rate: Option<Rate>,
    /// Closed model: the users reached at the end of the ramp.
    pub users: Option<u32>,
    /// How long the ramp takes, e.g. `30s`.
    pub over: Dur,
}

/// Settings shared by every request.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Headers sent with every request; a request's own headers override them.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers: BTreeMap<String, Scalar>,
    /// Request timeout. Default `5s`.
    pub timeout: Option<Dur>,
}

/// One kind of request users make.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// The name statistics and SLOs use: `[A-Za-z0-9_-]+`, unique in the plan.
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub name: Spanned<String>,
    /// Relative frequency: an integer ≥ 0. Default 1.
    #[serde(default = "default_weight")]
    #[schemars(with = "u32")]
    pub weight: Spanned<u32>,
    /// HTTP method. Default GET.
    #[serde(default)]
    pub method: Method,
    /// Path (and optional query string) appended to the host, starting with `/`.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Query parameters added to the URL.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub query: BTreeMap<String, Scalar>,
    /// Headers, merged over `defaults.headers`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers: BTreeMap<String, Scalar>,
    /// A JSON body, written as YAML.
    pub json: Option<serde_json::Value>,
    /// A JSON body read from a file (relative to the plan's folder).
    #[schemars(with = "Option<String>")]
    pub json_file: Option<Spanned<PathBuf>>,
    /// A raw text body.
    pub body: Option<String>,
    /// Timeout for this request; overrides `defaults.timeout`.
    pub timeout: Option<Dur>,
    /// What the response must satisfy to count as a success.
    #[serde(default)]
    pub expect: ExpectSpec,
    /// Flow steps only: values taken from the response for later steps'
    /// templates, by name: a JSON path such as `"$.access_token"`, or
    /// `{ header: location }`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, CaptureSpec>")]
    pub capture: BTreeMap<String, Spanned<CaptureSpec>>,
}

/// Where a flow step's captured value comes from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CaptureSpec {
    /// A JSON path into the response body, e.g. `$.access_token`.
    Json(String),
    /// A response header, e.g. `{ header: location }`.
    Header {
        /// The header's name (any case).
        header: String,
    },
}

/// A flow: steps sent one after the other by one user, each waiting for the
/// previous one's response. A failed step ends that iteration of the flow.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// The flow's name: `[A-Za-z0-9_-]+`, unique among flows; its duration is
    /// the metric `flow.NAME.p95` (and the other latency metrics).
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub name: Spanned<String>,
    /// Relative frequency among the plan's requests and flows: an integer ≥ 0. Default 1.
    #[serde(default = "default_weight")]
    #[schemars(with = "u32")]
    pub weight: Spanned<u32>,
    /// The steps, in order: requests (with a name unique in the plan) that may `capture` values.
    #[schemars(with = "Vec<RequestSpec>", length(min = 1))]
    pub steps: Vec<Spanned<RequestSpec>>,
}

fn default_weight() -> Spanned<u32> {
    Spanned::new(1, Location::UNKNOWN, Location::UNKNOWN)
}

/// Report paths (relative to the working directory).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reports {
    /// The JSON report.
    pub json: Option<PathBuf>,
    /// The JUnit XML report.
    pub junit: Option<PathBuf>,
    /// The self-contained HTML report.
    pub html: Option<PathBuf>,
}
