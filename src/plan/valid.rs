//! The validated plan: everything the engine needs, checked and resolved
//! (files read, URLs built, defaults applied, SLOs parsed). Nothing in here can
//! be wrong in a way that is only found once load is being sent.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::client::{ClientOptions, Trust};
use super::secrets::Secrets;
use crate::checks::Checks;
use crate::checks::capture::Captures;
use crate::core::values::{Method, StatusExpect, ThinkTime};
use crate::core::workload;
use crate::slo::evaluate::Objective;
use crate::template::request::RequestTemplate;
use crate::template::{BuildError, Templating, Who};

/// A plan that passed every check, ready to run.
#[derive(Debug, Clone)]
pub struct ValidPlan {
    /// The plan's name.
    pub name: String,
    /// The plan file as given on the command line.
    pub file: String,
    /// SHA-256 of the plan file's bytes, hex.
    pub hash: String,
    /// The target base URL, without a trailing slash, e.g. `http://127.0.0.1:5001`.
    pub host: String,
    /// The system under test to start for the run, if any.
    pub serve: Option<ServeDef>,
    /// The workload: closed (users) or open (arrivals on a clock).
    pub load: Workload,
    /// The requests users make, in plan order, then the steps of every flow
    /// (in flow order; a step's `weight` is 0, it is sent only in its flow).
    pub requests: Vec<RequestDef>,
    /// The flows, in plan order.
    pub flows: Vec<FlowDef>,
    /// The objectives, in plan order.
    pub objectives: Vec<Objective>,
    /// The shard of a sharded run (`--shard K/N`); the load is already this shard's share.
    pub shard: Option<crate::core::shard::Shard>,
    /// The regression rules, in plan order.
    pub regression: Vec<crate::regress::rule::Rule>,
    /// Where reports go (plan settings with command-line overrides applied).
    pub reports: ReportPaths,
    /// Values no output may show.
    pub secrets: Secrets,
    /// The compiled templates and the feeders.
    pub templating: Arc<Templating>,
    /// How connections are made and kept.
    pub client: ClientOptions,
    /// The effective workload, field → value (see [`crate::plan::workload`]).
    pub workload: workload::Fields,
}

/// The workload model, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// Users that wait for each response, then think (Locust, k6 VUs).
    Closed(ClosedLoad),
    /// Arrivals on a clock, whatever the responses do (k6 arrival-rate, wrk2).
    Open(OpenLoad),
}

impl Workload {
    /// The planned duration, warm-up included.
    pub fn duration(&self) -> Duration {
        match self {
            Workload::Closed(l) => l.duration,
            Workload::Open(l) => l.duration,
        }
    }

    /// The warm-up excluded from the statistics.
    pub fn warmup(&self) -> Duration {
        match self {
            Workload::Closed(l) => l.warmup,
            Workload::Open(l) => l.warmup,
        }
    }

    /// The seed of the run's randomness.
    pub fn seed(&self) -> u64 {
        match self {
            Workload::Closed(l) => l.seed,
            Workload::Open(l) => l.seed,
        }
    }

    /// The most requests in flight at once: the users, or `max_in_flight`.
    pub fn concurrency(&self) -> u32 {
        match self {
            Workload::Closed(l) => l.users,
            Workload::Open(l) => l.max_in_flight,
        }
    }

    /// What progress calls the concurrent things: `users` or `in flight`.
    pub fn concurrency_label(&self) -> &'static str {
        match self {
            Workload::Closed(_) => "users",
            Workload::Open(_) => "in flight",
        }
    }

    /// A short description for people: `100 users` or `200/s`.
    pub fn describe(&self) -> String {
        match self {
            Workload::Closed(l) => format!("{} users", l.users),
            Workload::Open(l) => match l.stages.as_slice() {
                [] => format!("{}/s", l.start_rate),
                stages => format!("{}/s ramping through {} stages", l.start_rate, stages.len()),
            },
        }
    }
}

/// The open workload model, resolved: a rate that starts at `start_rate` and
/// ramps linearly through `stages`, then holds the last rate.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenLoad {
    /// Arrivals per second at the start.
    pub start_rate: f64,
    /// Linear ramps, in order.
    pub stages: Vec<RateStage>,
    /// Total duration of the load, warm-up included.
    pub duration: Duration,
    /// The first part of the run excluded from SLO statistics.
    pub warmup: Duration,
    /// The seed for request choice.
    pub seed: u64,
    /// How long in-flight requests may take after the end before they are cancelled.
    pub grace: Duration,
    /// Most requests in flight at once; arrivals beyond it are dropped and counted.
    pub max_in_flight: u32,
    /// How far (a fraction) the achieved arrival rate may fall below the target
    /// before the run is invalid.
    pub tolerance: f64,
    /// The largest p99 dispatch lag for a valid run.
    pub max_lag: Duration,
}

/// One linear ramp of the arrival rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateStage {
    /// The rate reached at the end of the stage, per second.
    pub rate: f64,
    /// How long the ramp takes.
    pub over: Duration,
}

/// One linear ramp of the closed model's user count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserStage {
    /// Users at the end of the ramp.
    pub users: u32,
    /// How long the ramp takes.
    pub over: Duration,
}

/// The closed workload model, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedLoad {
    /// The most concurrent users (at least 1): `users`, or the most any
    /// stage reaches.
    pub users: u32,
    /// Ramps of the user count from `users` (0 when not given), each linear
    /// from the previous, the last held; empty for the plain `users` +
    /// `spawn_rate` start.
    pub stages: Vec<UserStage>,
    /// Users at the start of the stages (`users:`, or 0).
    pub start_users: u32,
    /// Users started per second (finite, > 0).
    pub spawn_rate: f64,
    /// Total duration of the load, warm-up included.
    pub duration: Duration,
    /// Each user's wait between requests.
    pub think_time: ThinkTime,
    /// The first part of the run excluded from SLO statistics (shorter than `duration`).
    pub warmup: Duration,
    /// The seed for request choice and think time.
    pub seed: u64,
    /// How long in-flight requests may take after the end before they are cancelled.
    pub grace: Duration,
}

/// One request, resolved.
#[derive(Debug, Clone)]
pub struct RequestDef {
    /// The name statistics and SLOs use.
    pub name: String,
    /// Relative frequency (≥ 0; at least one request in the plan has > 0).
    pub weight: u32,
    /// HTTP method.
    pub method: Method,
    /// The full URL: host + path, query parameters not yet added.
    pub url: String,
    /// Query parameters to add, in order.
    pub query: Vec<(String, String)>,
    /// Headers (defaults merged, request's own win), names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body, built once and shared by every send.
    pub body: Option<Body>,
    /// Total time allowed for the request, body read included.
    pub timeout: Duration,
    /// Accepted statuses.
    pub expect: StatusExpect,
    /// Checks on the body, headers and size of a response with an accepted
    /// status; `None` when there are none.
    pub checks: Option<Arc<Checks>>,
    /// The templated parts, rendered per request; `None` when nothing is
    /// templated (the request is then sent exactly as built here).
    pub template: Option<Arc<RequestTemplate>>,
    /// A flow step's captures, taken from a response with an accepted status
    /// that passed its checks; `None` when there are none.
    pub captures: Option<Arc<Captures>>,
}

impl RequestDef {
    /// The request to send: this one itself when it has no templates, else a
    /// copy with its templated parts rendered for `who`. Advances
    /// `who.iteration`.
    ///
    /// # Errors
    ///
    /// As [`Templating::render_request`].
    pub fn build(
        &self,
        templating: &Templating,
        who: &mut Who,
    ) -> Result<Cow<'_, RequestDef>, BuildError> {
        let Some(rendered) =
            templating.render_request(&self.name, self.template.as_deref(), who)?
        else {
            return Ok(Cow::Borrowed(self));
        };
        let mut built = self.clone();
        built.template = None;
        if let Some(url) = rendered.url {
            built.url = url;
        }
        if let Some(query) = rendered.query {
            built.query = query;
        }
        if let Some(headers) = rendered.headers {
            built.headers = headers;
        }
        if let (Some(bytes), Some(old)) = (rendered.body, &self.body) {
            built.body = Some(Body {
                bytes,
                content_type: old.content_type,
            });
        }
        Ok(Cow::Owned(built))
    }
}

/// A flow, resolved: steps sent one after the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowDef {
    /// The flow's name (its statistics are `flow.NAME`).
    pub name: String,
    /// Relative frequency among the plan's requests and flows.
    pub weight: u32,
    /// The steps: indices into [`ValidPlan::requests`], in order.
    pub steps: Vec<usize>,
}

impl ValidPlan {
    /// The weights users choose by: every request's, then every flow's.
    pub fn action_weights(&self) -> impl Iterator<Item = u32> + '_ {
        let requests = self.requests.iter().map(|r| r.weight);
        requests.chain(self.flows.iter().map(|f| f.weight))
    }
}

/// A request body built once at load time.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes sent.
    pub bytes: Arc<[u8]>,
    /// The `content-type` sent unless the request's headers set one.
    pub content_type: &'static str,
}

/// Where reports are written; `None` means that format is not written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportPaths {
    /// The JSON report.
    pub json: Option<PathBuf>,
    /// The JUnit XML report.
    pub junit: Option<PathBuf>,
    /// The self-contained HTML report.
    pub html: Option<PathBuf>,
}

/// A command that starts the system under test, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeDef {
    /// The program (`perfgate` already replaced by this executable's path).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// The method of the readiness probe.
    pub ready_method: Method,
    /// The full URL of the readiness probe.
    pub ready_url: String,
    /// How long to wait for readiness.
    pub timeout: Duration,
    /// How long the command may take to exit after SIGTERM before SIGKILL.
    pub stop_grace: Duration,
    /// How the probe checks an `https://` target's certificate: as the load does.
    pub trust: Trust,
}
