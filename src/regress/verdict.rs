//! Folding regression results into the gate's verdict.

use super::evaluate::{RegressionOutcome, RegressionResult};
use crate::gate::{Outcome, Verdict};

/// Whether a result fails the gate: a credible regression, or with `strict`
/// an inconclusive comparison too.
pub fn fails(result: &RegressionResult, strict: bool) -> bool {
    match result.outcome {
        RegressionOutcome::Fail => true,
        RegressionOutcome::Inconclusive => strict,
        RegressionOutcome::Pass => false,
    }
}

/// The verdict with the regression results folded in: a passing verdict fails
/// (exit 1) when a rule fails, with one reason per failing rule; a failing one
/// gains those reasons; an invalid or partial one keeps its outcome.
pub fn apply(mut verdict: Verdict, results: &[RegressionResult], strict: bool) -> Verdict {
    let reasons: Vec<String> = results
        .iter()
        .filter(|r| fails(r, strict))
        .map(|r| format!("regression: {}", r.message))
        .collect();
    if reasons.is_empty() {
        return verdict;
    }
    if verdict.outcome == Outcome::Pass {
        verdict.outcome = Outcome::Fail;
        verdict.exit_code = Outcome::Fail.exit_code().code();
    }
    verdict.reasons.extend(reasons);
    verdict
}

/// Warnings for inconclusive rules that do not fail the gate.
pub fn warnings(results: &[RegressionResult], strict: bool) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.outcome == RegressionOutcome::Inconclusive && !strict)
        .map(|r| format!("warning: regression {}", r.message))
        .collect()
}
