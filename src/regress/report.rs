//! The comparison with a baseline as it goes into every report: the section of
//! the JSON report, and the JUnit test cases (one per rule).

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::evaluate::{RegressionOutcome, RegressionResult};
use super::format;
use crate::report::plain_text;

/// The class name of regression test cases; scoped rules add `.<request name>`.
pub const REGRESSION_CLASS: &str = "perfgate.regression";

/// A run compared with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegressionSection {
    /// The baseline report files; with several, each rule used the one with the median value.
    pub baselines: Vec<String>,
    /// The confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
    /// Whether an inconclusive rule fails the gate (`--strict`).
    pub strict: bool,
    /// Differences between the runs that `--force` let through (plan hash, load model, request names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<String>,
    /// Every rule, judged.
    pub results: Vec<RegressionResult>,
}

/// One JUnit test case per rule. A credible regression, or an inconclusive
/// rule under `--strict`, is a `<failure>` whose message and body carry the
/// figures, the change, the allowance and the intervals.
pub fn junit_cases(section: &RegressionSection) -> Vec<TestCase> {
    section
        .results
        .iter()
        .map(|r| {
            let message = plain_text(&r.message);
            let failed = super::verdict::fails(r, section.strict);
            let status = if failed {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let kind = match r.outcome {
                    RegressionOutcome::Fail => "regression",
                    _ => "inconclusive",
                };
                status
                    .set_message(message.clone())
                    .set_type(kind)
                    .set_description(body(r, &message));
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(format!("regression {}", r.rule), status);
            let class = if r.scope == "all" {
                REGRESSION_CLASS.to_string()
            } else {
                format!("{REGRESSION_CLASS}.{}", r.scope)
            };
            case.set_classname(class);
            case.set_system_out(format!("{}: {message}", r.outcome.label()));
            case
        })
        .collect()
}

/// The failure body: the message, then each figure on its own line.
fn body(r: &RegressionResult, message: &str) -> String {
    format!(
        "{message}\nrule: {}\nscope: {}\nbase: {}\nnew: {}\nchange: {}\nthreshold: {}\nconfidence: {:.0}%\nsamples: {} base, {} new",
        r.rule,
        r.scope,
        format::figure(&r.unit, &r.base),
        format::figure(&r.unit, &r.new),
        format::change(r),
        r.threshold,
        r.confidence * 100.0,
        r.base.samples,
        r.new.samples
    )
}
