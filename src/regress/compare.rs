//! A run judged against its baseline reports: like-with-like checks, then
//! every rule evaluated.

use std::path::PathBuf;

use super::evaluate::{self, RegressError};
use super::mismatch::mismatches;
use super::rule::Rule;
use crate::core::record::JsonReport;
use crate::core::regression::RegressionSection;
use crate::core::summary::Summary;

/// How to compare.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The confidence level of the intervals, in (0, 1).
    pub confidence: f64,
    /// An inconclusive rule fails the gate.
    pub strict: bool,
    /// Compare even when the runs differ (the differences are listed).
    pub force: bool,
}

/// Why a comparison cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The runs are not alike and `--force` was not given.
    #[error(
        "refusing to compare unlike runs (`--force` compares them anyway):\n  - {}",
        .0.join("\n  - ")
    )]
    Mismatch(Vec<String>),
    /// A rule names a request a report lacks.
    #[error(transparent)]
    Scope(RegressError),
    /// A report's histogram is unreadable.
    #[error(transparent)]
    Invalid(RegressError),
}

/// Judges `rules` between `baselines` and `new`.
pub fn compare(
    rules: &[Rule],
    baselines: &[(PathBuf, JsonReport)],
    new: &Summary,
    settings: Settings,
) -> Result<RegressionSection, CompareError> {
    let mut found: Vec<String> = Vec::new();
    for (path, base) in baselines {
        for m in mismatches(&base.summary, new) {
            let m = if baselines.len() > 1 {
                format!("{}: {m}", path.display())
            } else {
                m
            };
            if !found.contains(&m) {
                found.push(m);
            }
        }
    }
    if !found.is_empty() && !settings.force {
        return Err(CompareError::Mismatch(found));
    }
    let bases: Vec<&Summary> = baselines.iter().map(|(_, r)| &r.summary).collect();
    let results =
        evaluate::evaluate(rules, &bases, new, settings.confidence).map_err(|e| match e {
            RegressError::UnknownScope { .. } => CompareError::Scope(e),
            RegressError::Histogram { .. } => CompareError::Invalid(e),
        })?;
    Ok(RegressionSection {
        baselines: baselines
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect(),
        confidence: settings.confidence,
        strict: settings.strict,
        mismatches: found,
        results,
    })
}

/// Parses the rules stored in a report (`plan.regression`).
pub fn stored_rules(summary: &Summary) -> Result<Vec<Rule>, super::rule::RuleParseError> {
    summary
        .plan
        .regression
        .iter()
        .map(|text| super::rule::parse(text))
        .collect()
}
