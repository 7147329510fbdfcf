//! Validation: a typed [`Plan`] plus command-line overrides become a
//! [`ValidPlan`], or every problem found is reported with its location.
//!
//! Everything that can be checked before traffic is sent is checked here.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use serde_saphyr::{Location, Spanned};
use url::Url;

use super::client::Trust;
use super::diagnostic::Diagnostic;
use super::load::{PlanError, PlanSource};
use super::serve_spec::ServeSpec;
use super::slo_entry::SloEntry;
use super::types::{Load, Plan, RequestSpec};
use super::valid::{
    Body, ClosedLoad, FlowDef, OpenLoad, RateStage, ReportPaths, RequestDef, ServeDef, UserStage,
    ValidPlan, Workload,
};
use crate::checks::Checks;
use crate::core::bounded;
use crate::core::scope::{ALL, flow_scope, is_flow_scope, is_request_name};
use crate::core::suggest::nearest;
use crate::core::values::{Dur, Rate, Scalar};
use crate::regress::rule::Rule;
use crate::slo::evaluate::{Objective, WindowRule};
use crate::slo::expr::Metric;

/// The default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default grace period for in-flight requests at the end of the load.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// How long `serve` waits for readiness unless the plan says otherwise.
pub const DEFAULT_SERVE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a served command may take to exit after SIGTERM unless the plan says otherwise.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(5);
mod client;
mod flows;
mod templating;

/// The largest `json_file` accepted.
pub const MAX_JSON_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The open model's cap on requests in flight unless the plan says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 1000;
/// How far the achieved arrival rate may fall below the target unless the plan says otherwise.
pub const DEFAULT_TOLERANCE: f64 = 0.02;
/// The largest p99 dispatch lag of a valid open-model run unless the plan says otherwise.
pub const DEFAULT_MAX_LAG: Duration = Duration::from_millis(100);
/// A first word of `serve.command` that means this perfgate executable.
pub const SELF_PROGRAM: &str = "perfgate";

/// Settings given on the command line; each wins over the plan.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--host`.
    pub host: Option<String>,
    /// `--users`.
    pub users: Option<u32>,
    /// `--spawn-rate`.
    pub spawn_rate: Option<Rate>,
    /// `--duration`.
    pub duration: Option<Dur>,
    /// `--json`.
    pub json: Option<PathBuf>,
    /// `--junit`.
    pub junit: Option<PathBuf>,
    /// `--html`.
    pub html: Option<PathBuf>,
}

/// Checks a plan and resolves it into what the engine runs.
///
/// # Errors
///
/// Every problem found, each located in the plan (or naming the command-line
/// flag it came from).
pub fn validate(
    plan: Plan,
    source: &PlanSource,
    overrides: &Overrides,
) -> Result<ValidPlan, PlanError> {
    let mut secrets = source.secrets.clone();
    secrets.add_plan(&plan);
    let mut v = Validator {
        source,
        problems: Vec::new(),
    };
    let host = v.host(&plan.host, overrides.host.as_deref());
    let load = v.load(&plan, overrides);
    let client = v.client(&plan, &load);
    let serve = match (&plan.serve, &overrides.host) {
        (Some(spec), None) => v.serve(spec, &host, &client.trust),
        _ => None,
    };
    let default_timeout = v.timeout(plan.defaults.timeout, None);
    let (mut requests, flows) = v.requests(&plan, &host, default_timeout);
    let templating = v.templating(&plan, &load, &host, &mut requests);
    for feeder in &templating.feeders.all {
        let secret = plan
            .data
            .get(&feeder.name)
            .map_or(&[][..], |d| &d.secret[..]);
        for column in secret {
            feeder
                .values_of(column)
                .for_each(|value| secrets.add(&value));
        }
    }
    let objectives = v.objectives(&plan, &requests, &flows);
    let regression = v.regression(&plan, &requests, &flows);
    if !v.problems.is_empty() {
        v.problems.sort_by_key(|d| (d.line, d.column));
        return Err(PlanError {
            diagnostics: v.problems,
        }
        .redacted(&secrets));
    }
    Ok(ValidPlan {
        name: plan.name,
        file: source.file.clone(),
        hash: source.hash.clone(),
        host,
        serve,
        load,
        requests,
        flows,
        objectives,
        regression,
        shard: None,
        reports: ReportPaths {
            json: overrides.json.clone().or(plan.reports.json),
            junit: overrides.junit.clone().or(plan.reports.junit),
            html: overrides.html.clone().or(plan.reports.html),
        },
        secrets,
        templating: Arc::new(templating),
        client,
    })
}

struct Validator<'a> {
    source: &'a PlanSource,
    problems: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn at(&self, loc: Location, message: impl Into<String>) -> Diagnostic {
        self.source.diagnostic(loc.line(), loc.column(), message)
    }

    /// The line of a top-level key such as `requests:`, for problems with a
    /// whole section.
    fn key_location(&self, key: &str) -> (u64, u64) {
        self.source
            .text
            .lines()
            .position(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
            .map_or((0, 0), |i| (i as u64 + 1, 1))
    }

    fn problem(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }

    fn host(&mut self, planned: &Spanned<String>, flag: Option<&str>) -> String {
        let (text, loc) = match flag {
            Some(h) => (h, None),
            None => (planned.value.as_str(), Some(planned.referenced)),
        };
        match check_host(text) {
            Ok(host) => host,
            Err(why) => {
                let message = format!("invalid host `{}`: {why}", without_password(text));
                let d = match loc {
                    Some(l) => self.at(l, message),
                    None => Diagnostic::new("--host", "", 0, 0, message),
                };
                self.problem(d.with_help("write a base URL such as `http://127.0.0.1:5001`"));
                String::new()
            }
        }
    }

    fn serve(&mut self, spec: &ServeSpec, host: &str, trust: &Trust) -> Option<ServeDef> {
        let Some((first, args)) = spec.command.value.split_first() else {
            let d = self.at(spec.command.referenced, "`serve.command` is empty");
            self.problem(
                d.with_help("give the program and its arguments, e.g. `[perfgate, demo-api]`"),
            );
            return None;
        };
        let program = if first == SELF_PROGRAM {
            match std::env::current_exe() {
                Ok(exe) => exe,
                Err(e) => {
                    let d = self.at(
                        spec.command.referenced,
                        format!(
                            "cannot find this perfgate executable to run `{SELF_PROGRAM}`: {e}"
                        ),
                    );
                    self.problem(d);
                    return None;
                }
            }
        } else {
            PathBuf::from(first)
        };
        Some(ServeDef {
            program,
            args: args.to_vec(),
            env: spec
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect(),
            ready_method: spec.ready.method,
            ready_url: format!("{host}{}", spec.ready.path),
            timeout: spec.timeout.map_or(DEFAULT_SERVE_TIMEOUT, |d| d.0),
            stop_grace: spec.stop_grace.map_or(DEFAULT_STOP_GRACE, |d| d.0),
            trust: trust.clone(),
        })
    }

    fn load(&mut self, plan: &Plan, o: &Overrides) -> Workload {
        let load = &plan.load;
        self.check_stages(load);
        let open = load.rate.is_some() || load.stages.iter().any(|s| s.value.rate.is_some());
        let (line, column) = self.key_location("load");
        if open && load.users.is_some() {
            let d = self.source.diagnostic(
                line,
                column,
                "conflicting load settings: `users` is the closed model, `rate` and `stages` the open model",
            );
            self.problem(d.with_help("give either `users` or `rate`/`stages`, not both"));
        } else if !open && load.users.is_none() && o.users.is_none() && load.stages.is_empty() {
            let d = self.source.diagnostic(
                line,
                column,
                "`load` needs `users` (closed model) or `rate`/`stages` (open model)",
            );
            self.problem(
                d.with_help("e.g. `users: 50` with `think_time: 1s..2s`, or `rate: 200/s`"),
            );
        }
        let duration = self.duration(load, o);
        let warmup = self.warmup(load, duration);
        let seed = load.seed.unwrap_or_else(|| fastrand::u64(..));
        let grace = load.grace.map_or(DEFAULT_GRACE, |g| g.0);
        if open {
            Workload::Open(self.open_load(load, o, (duration, warmup, seed, grace)))
        } else {
            Workload::Closed(self.closed_load(load, o, (duration, warmup, seed, grace)))
        }
    }

    /// Each stage ramps either a rate or users, and all stages the same.
    fn check_stages(&mut self, load: &Load) {
        let mut kinds = Vec::new();
        for stage in &load.stages {
            let kind = match (stage.value.rate.is_some(), stage.value.users.is_some()) {
                (true, false) => "rate",
                (false, true) => "users",
                _ => {
                    let d = self.at(stage.referenced, "a stage needs exactly one of `rate` (open model) or `users` (closed model), and `over`");
                    self.problem(d.with_help(
                        "e.g. `{ rate: 200/s, over: 30s }` or `{ users: 50, over: 30s }`",
                    ));
                    continue;
                }
            };
            if kinds.first().is_some_and(|k| *k != kind) {
                let d = self.at(
                    stage.referenced,
                    "stages mix `rate` and `users`; a run has one model",
                );
                self.problem(d);
            }
            kinds.push(kind);
        }
    }

    fn duration(&mut self, load: &Load, o: &Overrides) -> Duration {
        let from_stages: Duration = load.stages.iter().map(|s| s.value.over.0).sum();
        let duration = match (o.duration, &load.duration) {
            (Some(d), _) => d.0,
            (None, Some(d)) => d.value.0,
            (None, None) if !from_stages.is_zero() => from_stages,
            (None, None) => {
                let (line, column) = self.key_location("load");
                let d = self.source.diagnostic(
                    line,
                    column,
                    "`load` needs a `duration`, e.g. `duration: 60s`",
                );
                self.problem(d);
                return Duration::ZERO;
            }
        };
        if duration.is_zero() {
            let message = "`duration` must be longer than 0s";
            let d = match (o.duration, &load.duration) {
                (None, Some(d)) => self.at(d.referenced, message),
                _ => Diagnostic::new("--duration", "", 0, 0, message.into()),
            };
            self.problem(d);
        }
        duration
    }

    fn warmup(&mut self, load: &Load, duration: Duration) -> Duration {
        let warmup = load.warmup.as_ref().map_or(Duration::ZERO, |w| w.value.0);
        if let Some(w) = &load.warmup
            && !duration.is_zero()
            && warmup >= duration
        {
            let d = self.at(
                w.referenced,
                format!(
                    "`warmup` ({}) must be shorter than `duration` ({})",
                    Dur(warmup),
                    Dur(duration)
                ),
            );
            self.problem(d.with_help(
                "the warm-up is excluded from the statistics, so nothing would be measured",
            ));
        }
        warmup
    }

    fn closed_load(
        &mut self,
        load: &Load,
        o: &Overrides,
        (duration, warmup, seed, grace): (Duration, Duration, u64, Duration),
    ) -> ClosedLoad {
        for (given, key) in [
            (
                load.max_in_flight.as_ref().map(|s| s.referenced),
                "max_in_flight",
            ),
            (load.tolerance.as_ref().map(|s| s.referenced), "tolerance"),
            (load.max_lag.as_ref().map(|s| s.referenced), "max_lag"),
        ] {
            if let Some(at) = given {
                let d = self.at(
                    at,
                    format!("`{key}` belongs to the open model (`rate`/`stages`), not to `users`"),
                );
                self.problem(d);
            }
        }
        let stages: Vec<UserStage> = load
            .stages
            .iter()
            .filter_map(|s| {
                Some(UserStage {
                    users: s.value.users?,
                    over: s.value.over.0,
                })
            })
            .collect();
        let start_users = o.users.or(load.users.as_ref().map(|u| u.value));
        let peak = stages.iter().map(|s| s.users).max();
        let users = match (start_users, peak) {
            (Some(u), Some(p)) => u.max(p),
            (Some(u), None) => u,
            (None, Some(p)) => p,
            (None, None) => 1,
        };
        if users == 0 {
            let message = "`users` must be at least 1";
            let d = match (o.users, &load.users) {
                (None, Some(u)) => self.at(u.referenced, message),
                _ => Diagnostic::new("--users", "", 0, 0, message.into()),
            };
            self.problem(d);
        }
        let spawn_rate = o
            .spawn_rate
            .or(load.spawn_rate)
            .map_or(f64::from(users.max(1)), |r| r.per_second);
        ClosedLoad {
            users,
            start_users: start_users.unwrap_or(0),
            stages,
            spawn_rate,
            duration,
            think_time: load
                .think_time
                .as_ref()
                .map(|t| t.value)
                .unwrap_or_default(),
            warmup,
            seed,
            grace,
        }
    }

    fn open_load(
        &mut self,
        load: &Load,
        o: &Overrides,
        (duration, warmup, seed, grace): (Duration, Duration, u64, Duration),
    ) -> OpenLoad {
        if let Some(t) = &load.think_time {
            let d = self.at(t.referenced, "`think_time` belongs to the closed model (`users`); the open model's arrivals do not wait for responses");
            self.problem(d);
        }
        if load.spawn_rate.is_some() || o.spawn_rate.is_some() || o.users.is_some() {
            let (line, column) = self.key_location("load");
            let d = self.source.diagnostic(line, column, "`spawn_rate`, `--users` and `--spawn-rate` belong to the closed model, but this plan's load is open (`rate`/`stages`)");
            self.problem(d);
        }
        let max_in_flight = load
            .max_in_flight
            .as_ref()
            .map_or(DEFAULT_MAX_IN_FLIGHT, |m| m.value);
        if let (0, Some(m)) = (max_in_flight, &load.max_in_flight) {
            let d = self.at(m.referenced, "`max_in_flight` must be at least 1");
            self.problem(d);
        }
        OpenLoad {
            start_rate: load.rate.as_ref().map_or(0.0, |r| r.value.per_second),
            stages: load
                .stages
                .iter()
                .filter_map(|s| {
                    Some(RateStage {
                        rate: s.value.rate?.per_second,
                        over: s.value.over.0,
                    })
                })
                .collect(),
            duration,
            warmup,
            seed,
            grace,
            max_in_flight,
            tolerance: load
                .tolerance
                .as_ref()
                .map_or(DEFAULT_TOLERANCE, |t| t.value.0),
            max_lag: load.max_lag.as_ref().map_or(DEFAULT_MAX_LAG, |m| m.value.0),
        }
    }

    fn timeout(&mut self, timeout: Option<Dur>, fallback: Option<Duration>) -> Duration {
        match timeout {
            Some(Dur(d)) if d.is_zero() => {
                let (line, column) = self.key_location("defaults");
                let d = self
                    .source
                    .diagnostic(line, column, "a `timeout` must be longer than 0s");
                self.problem(d);
                DEFAULT_TIMEOUT
            }
            Some(Dur(d)) => d,
            None => fallback.unwrap_or(DEFAULT_TIMEOUT),
        }
    }

    fn requests(
        &mut self,
        plan: &Plan,
        host: &str,
        timeout: Duration,
    ) -> (Vec<RequestDef>, Vec<FlowDef>) {
        if plan.requests.is_empty() && plan.flows.is_empty() {
            let (line, column) = self.key_location("requests");
            let d = self.source.diagnostic(
                line,
                column,
                "the plan has no `requests` and no `flows`: it must name at least one request",
            );
            self.problem(d.with_help("e.g. `requests: [{ name: health, path: /health }]`"));
            return (Vec::new(), Vec::new());
        }
        let mut seen: HashMap<&str, u64> = HashMap::new();
        let mut out = Vec::with_capacity(plan.requests.len());
        for spec in &plan.requests {
            self.unique_name(&mut seen, &spec.value.name);
            if let Some((name, c)) = spec.value.capture.iter().next() {
                let d = self.at(
                    c.referenced,
                    format!(
                        "request `{}` captures `{name}`, but only flow steps capture: later steps of the flow read the value",
                        spec.value.name.value
                    ),
                );
                self.problem(d.with_help("move the request into a flow's `steps`"));
            }
            out.push(self.request(&spec.value, &plan.defaults.headers, host, timeout));
        }
        let flows = self.flows(plan, (host, timeout), &mut seen, &mut out);
        if plan.requests.iter().all(|r| r.value.weight.value == 0)
            && plan.flows.iter().all(|f| f.value.weight.value == 0)
        {
            let (line, column) = self.key_location("requests");
            let d = self.source.diagnostic(
                line,
                column,
                "every request and flow has weight 0, so none would ever be sent",
            );
            self.problem(d.with_help("give at least one request or flow a weight above 0"));
        }
        (out, flows)
    }

    /// Reports a request or step name used before.
    fn unique_name<'p>(&mut self, seen: &mut HashMap<&'p str, u64>, name: &'p Spanned<String>) {
        if let Some(first) = seen.insert(name.value.as_str(), name.referenced.line()) {
            let d = self.at(
                name.referenced,
                format!("duplicate request name `{}`", name.value),
            );
            self.problem(d.with_help(format!(
                "request and step names must be unique (first used on line {first})"
            )));
        }
    }

    fn request(
        &mut self,
        spec: &RequestSpec,
        default_headers: &BTreeMap<String, Scalar>,
        host: &str,
        default_timeout: Duration,
    ) -> RequestDef {
        let name = &spec.name;
        if !is_request_name(&name.value) {
            let d = self.at(
                name.referenced,
                format!(
                    "invalid request name `{}`: use letters, digits, `_` and `-` only",
                    name.value.escape_debug()
                ),
            );
            self.problem(d);
        } else if name.value == ALL {
            let d = self.at(
                name.referenced,
                format!("`{ALL}` is reserved for all requests together"),
            );
            self.problem(d.with_help("choose another name"));
        }
        let path = &spec.path;
        if !path.value.starts_with('/') {
            let d = self.at(
                path.referenced,
                format!("`path` must start with `/`, got `{}`", path.value),
            );
            self.problem(d.with_help(format!("write `/{}`", path.value.trim_start_matches('/'))));
        }
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in default_headers.iter().chain(&spec.headers) {
            headers.insert(k.to_ascii_lowercase(), v.0.clone());
        }
        for (k, v) in &headers {
            let bad = if HeaderName::from_bytes(k.as_bytes()).is_err() {
                Some(format!("invalid header name `{k}`"))
            } else if HeaderValue::from_str(v).is_err() {
                Some(format!(
                    "the value of header `{k}` contains characters HTTP does not allow"
                ))
            } else {
                None
            };
            if let Some(message) = bad {
                let d = self.at(
                    name.referenced,
                    format!("request `{}`: {message}", name.value),
                );
                self.problem(d);
            }
        }
        let body = self.body(spec);
        let checks = match Checks::compile(&spec.expect) {
            Ok(c) if c.is_empty() => None,
            Ok(c) => Some(Arc::new(c)),
            Err(problems) => {
                for p in problems {
                    let d = self.at(name.referenced, format!("request `{}`: {p}", name.value));
                    self.problem(d);
                }
                None
            }
        };
        let timeout = match spec.timeout {
            Some(Dur(d)) if d.is_zero() => {
                let d = self.at(
                    name.referenced,
                    format!("request `{}`: `timeout` must be longer than 0s", name.value),
                );
                self.problem(d);
                default_timeout
            }
            Some(Dur(d)) => d,
            None => default_timeout,
        };
        RequestDef {
            name: name.value.clone(),
            weight: spec.weight.value,
            method: spec.method,
            url: format!("{host}{}", path.value),
            query: spec
                .query
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect(),
            headers: headers.into_iter().collect(),
            body,
            timeout,
            expect: spec.expect.status.clone(),
            checks,
            template: None,
            captures: None,
        }
    }

    fn body(&mut self, spec: &RequestSpec) -> Option<Body> {
        let given = [
            spec.json.is_some(),
            spec.json_file.is_some(),
            spec.body.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            let d = self.at(
                spec.name.referenced,
                format!("request `{}` has more than one body: give only one of `json`, `json_file` or `body`", spec.name.value),
            );
            self.problem(d);
            return None;
        }
        let json = |bytes: Vec<u8>| Body {
            bytes: Arc::from(bytes),
            content_type: "application/json",
        };
        if let Some(value) = &spec.json {
            return serde_json::to_vec(value).ok().map(json);
        }
        if let Some(text) = &spec.body {
            return Some(Body {
                bytes: Arc::from(text.as_bytes()),
                content_type: "text/plain; charset=utf-8",
            });
        }
        let file = spec.json_file.as_ref()?;
        let path = self.source.dir.join(&file.value);
        let problem = match bounded::read(&path, MAX_JSON_FILE_BYTES) {
            Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(value) => return serde_json::to_vec(&value).ok().map(json),
                Err(e) => format!(
                    "`{}` is not valid JSON: {} at line {}, column {}",
                    path.display(),
                    strip_json_location(&e.to_string()),
                    e.line(),
                    e.column()
                ),
            },
            Err(e) => format!("cannot read json_file `{}`: {e}", path.display()),
        };
        let d = self.at(file.referenced, problem);
        self.problem(d.with_help("a relative `json_file` is resolved against the plan's folder"));
        None
    }

    fn objectives(
        &mut self,
        plan: &Plan,
        requests: &[RequestDef],
        flows: &[FlowDef],
    ) -> Vec<Objective> {
        let flow_scopes: Vec<String> = flows.iter().map(|f| flow_scope(&f.name)).collect();
        let names = scope_names(requests, &flow_scopes);
        let mut out = Vec::with_capacity(plan.slo.len());
        for entry in &plan.slo {
            let expr = &entry.value.expr;
            if let Some(scope) = &expr.scope {
                let what = format!("SLO `{}`", expr.source);
                self.check_scope(entry.referenced, &what, scope, &names);
                if is_flow_scope(scope) {
                    self.flow_objective(entry);
                }
            }
            let line = entry.referenced.line();
            let window = self.window_rule(entry);
            out.push(Objective {
                expr: expr.clone(),
                warn: entry.value.warn,
                line: (line > 0).then_some(line),
                window,
            });
        }
        out
    }
}

impl Validator<'_> {
    /// Reports what a flow's objective cannot be: judged per window, or on
    /// a metric flows do not have.
    fn flow_objective(&mut self, entry: &Spanned<SloEntry>) {
        let e = &entry.value;
        let problem = if matches!(e.expr.metric, Metric::CheckRate | Metric::Dropped) {
            format!(
                "SLO `{}`: flows have no `{}`; they have latency metrics (p95, mean, max…), requests, errors, error_rate and rps",
                e.expr.source, e.expr.metric
            )
        } else if e.over.is_some() {
            format!(
                "SLO `{}`: a flow's objectives are judged over the whole run, not per window",
                e.expr.source
            )
        } else {
            return;
        };
        let d = self.at(entry.referenced, problem);
        self.problem(d);
    }

    /// Reports `what` (an SLO or a rule) when its scope names no request.
    fn check_scope(&mut self, at: Location, what: &str, scope: &str, names: &[&str]) {
        if names.contains(&scope) {
            return;
        }
        let help = match nearest(scope, names.iter().copied()) {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!("requests in this plan: {}", names.join(", ")),
        };
        let d = self.at(
            at,
            format!("{what} names request `{scope}`, which is not in the plan"),
        );
        self.problem(d.with_help(help));
    }

    /// The regression rules, each scope checked against the plan's requests.
    fn regression(&mut self, plan: &Plan, requests: &[RequestDef], flows: &[FlowDef]) -> Vec<Rule> {
        let flow_scopes: Vec<String> = flows.iter().map(|f| flow_scope(&f.name)).collect();
        let names = scope_names(requests, &flow_scopes);
        for entry in &plan.regression {
            let rule = &entry.value;
            if let Some(scope) = &rule.scope {
                let what = format!("regression rule `{}`", rule.source);
                self.check_scope(entry.referenced, &what, scope, &names);
            }
        }
        plan.regression.iter().map(|e| e.value.clone()).collect()
    }

    /// The window rule of an objective with `over:`, checked.
    fn window_rule(&mut self, entry: &Spanned<SloEntry>) -> Option<WindowRule> {
        let e = &entry.value;
        let Some(over) = e.over else {
            if e.abort || e.after.is_some() {
                let d = self.at(
                    entry.referenced,
                    format!(
                        "SLO `{}`: `abort` and `after` need `over`, the window to judge",
                        e.expr.source
                    ),
                );
                self.problem(
                    d.with_help("e.g. `{ expect: \"p99 < 1s\", over: 10s, abort: true }`"),
                );
            }
            return None;
        };
        if matches!(e.expr.metric, Metric::CheckRate | Metric::Dropped) {
            let d = self.at(
                entry.referenced,
                format!(
                    "SLO `{}`: `{}` is counted over the whole run and cannot be judged per window",
                    e.expr.source, e.expr.metric
                ),
            );
            self.problem(d.with_help("remove `over` (and `abort`, `after`)"));
            return None;
        }
        if over.0 < Duration::from_secs(1) || over.0.subsec_nanos() != 0 {
            let d = self.at(
                entry.referenced,
                format!(
                    "SLO `{}`: `over` must be a whole number of seconds, at least 1s (got {over})",
                    e.expr.source
                ),
            );
            self.problem(d);
        }
        Some(WindowRule {
            over: over.0,
            abort: e.abort,
            after: e.after.map_or(Duration::ZERO, |a| a.0),
        })
    }
}

/// What objectives and rules may be scoped to: the requests' names and
/// `flows` (already `flow.NAME`).
fn scope_names<'a>(requests: &'a [RequestDef], flows: &'a [String]) -> Vec<&'a str> {
    let requests = requests.iter().map(|r| r.name.as_str());
    requests.chain(flows.iter().map(String::as_str)).collect()
}

/// Checks a base URL: http or https, a host, no path, query or fragment.
/// Returns it without a trailing slash.
fn check_host(text: &str) -> Result<String, String> {
    let url = check_base_url(
        text,
        "a host must not have a path, query or fragment; put the path in each request",
    )?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "a host must not carry credentials: they would be written into every report; send them in a header (`defaults.headers`) from an environment variable".into(),
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Checks the URL of a server (a host, a proxy): http or https, a host
/// name, and no path, query or fragment (else the error `no_path`).
fn check_base_url(text: &str, no_path: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            "it has no scheme; expected `http://` or `https://`".to_string()
        }
        other => other.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "scheme `{}` is not supported; expected `http` or `https`",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host name".into());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(no_path.to_owned());
    }
    Ok(url)
}

/// `text` with the password of a URL masked, so an error never echoes it.
fn without_password(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) if url.password().is_some() => {
            // Setting a password fails only on URLs that cannot have one, and
            // this one has one.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_string(),
    }
}

fn strip_json_location(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            check_host("http://127.0.0.1:5001/").unwrap(),
            "http://127.0.0.1:5001"
        );
        assert_eq!(
            check_host("https://localhost").unwrap(),
            "https://localhost"
        );
        assert!(check_host("127.0.0.1:5001").is_err());
        assert!(check_host("localhost").unwrap_err().contains("no scheme"));
        assert!(check_host("ftp://x").unwrap_err().contains("ftp"));
        assert!(check_host("http://x/api").unwrap_err().contains("path"));
        assert!(check_host("http://x/?a=1").unwrap_err().contains("query"));
        assert!(
            check_host("http://u:p@x")
                .unwrap_err()
                .contains("credentials")
        );
        assert_eq!(without_password("http://u:hunter2@x"), "http://u:***@x/");
    }
}
