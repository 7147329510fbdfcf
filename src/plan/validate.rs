//! Validation: a typed [`Plan`] plus command-line overrides become a
//! [`ValidPlan`], or every problem found is reported with its location.
//!
//! Everything that can be checked before traffic is sent is checked here.
//! The checks live in one submodule per concern; this file runs them in
//! order and gathers their problems.

use std::path::PathBuf;
use std::sync::Arc;

use serde_saphyr::Location;

use super::diagnostic::Diagnostic;
use super::load::{PlanError, PlanSource};
use super::types::Plan;
use super::valid::{ReportPaths, ValidPlan};
use super::workload;
use crate::core::values::{Dur, Rate};

mod client;
mod flows;
mod host;
mod load;
mod objectives;
mod requests;
mod templating;

pub use host::{DEFAULT_SERVE_TIMEOUT, DEFAULT_STOP_GRACE, SELF_PROGRAM};
pub use load::{DEFAULT_GRACE, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_LAG, DEFAULT_TOLERANCE};
pub use requests::{DEFAULT_TIMEOUT, MAX_JSON_FILE_BYTES};

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
    let mut valid = ValidPlan {
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
        workload: Default::default(),
    };
    valid.workload = workload::describe(&source.text, &valid);
    Ok(valid)
}

/// The plan's source and the problems found so far; each concern's checks
/// are methods on it.
struct Validator<'a> {
    source: &'a PlanSource,
    problems: Vec<Diagnostic>,
}

impl Validator<'_> {
    /// A diagnostic at `loc` in the plan.
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

    /// Records a problem; every one is reported, sorted by location.
    fn problem(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }
}
