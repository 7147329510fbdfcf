//! Validating what a run is judged by: the SLOs (`slo:`), their windows
//! (`over`, `abort`, `after`), and the regression rules (`regression:`),
//! each scope checked against the plan's requests and flows.

use std::time::Duration;

use serde_saphyr::{Location, Spanned};

use super::Validator;
use crate::core::scope::{flow_scope, is_flow_scope};
use crate::core::suggest::nearest;
use crate::plan::slo_entry::SloEntry;
use crate::plan::types::Plan;
use crate::plan::valid::{FlowDef, RequestDef};
use crate::regress::rule::Rule;
use crate::slo::evaluate::{Objective, WindowRule};
use crate::slo::expr::Metric;

impl Validator<'_> {
    /// The plan's SLOs, each scope and window rule checked.
    pub(super) fn objectives(
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
    pub(super) fn regression(
        &mut self,
        plan: &Plan,
        requests: &[RequestDef],
        flows: &[FlowDef],
    ) -> Vec<Rule> {
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
