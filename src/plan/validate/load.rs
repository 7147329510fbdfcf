//! Validating the load models: the closed model (`users`, `spawn_rate`,
//! `think_time`), the open model (`rate`, `max_in_flight`, `tolerance`,
//! `max_lag`), their `stages`, and the run's duration and warm-up.

use std::time::Duration;

use super::{Overrides, Validator};
use crate::core::values::Dur;
use crate::plan::diagnostic::Diagnostic;
use crate::plan::types::{Load, Plan};
use crate::plan::valid::{ClosedLoad, OpenLoad, RateStage, UserStage, Workload};

/// The default grace period for in-flight requests at the end of the load.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);
/// The open model's cap on requests in flight unless the plan says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 1000;
/// How far the achieved arrival rate may fall below the target unless the plan says otherwise.
pub const DEFAULT_TOLERANCE: f64 = 0.02;
/// The largest p99 dispatch lag of a valid open-model run unless the plan says otherwise.
pub const DEFAULT_MAX_LAG: Duration = Duration::from_millis(100);

impl Validator<'_> {
    /// The run's workload, closed (`users`) or open (`rate`/`stages`), with
    /// the command-line overrides applied.
    pub(super) fn load(&mut self, plan: &Plan, o: &Overrides) -> Workload {
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
}
