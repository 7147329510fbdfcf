//! A run judged against its baseline reports: like-with-like checks, then
//! every rule evaluated.

use std::path::PathBuf;

use super::evaluate::{self, RegressError};
use super::mismatch::{self, mismatches};
use super::rule::Rule;
use crate::core::record::JsonReport;
use crate::core::regression::{Figure, RegressionOutcome, RegressionResult, RegressionSection};
use crate::core::scope::ALL;
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

/// Judges `rules` between `baselines` and `new`. With no baseline (the first
/// run of a nightly job) every rule is [`RegressionOutcome::NoBaseline`].
pub fn compare(
    rules: &[Rule],
    baselines: &[(PathBuf, JsonReport)],
    new: &Summary,
    settings: Settings,
) -> Result<RegressionSection, CompareError> {
    let mut found: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let add = |list: &mut Vec<String>, path: &PathBuf, text: String| {
        let text = if baselines.len() > 1 {
            format!("{}: {text}", path.display())
        } else {
            text
        };
        if !list.contains(&text) {
            list.push(text);
        }
    };
    for (path, base) in baselines {
        for m in mismatches(&base.summary, new) {
            add(&mut found, path, m);
        }
        for n in mismatch::notes(&base.summary, new) {
            add(&mut notes, path, n);
        }
    }
    if !found.is_empty() && !settings.force {
        return Err(CompareError::Mismatch(found));
    }
    let results = if baselines.is_empty() {
        rules
            .iter()
            .map(|rule| no_baseline(rule, settings))
            .collect()
    } else {
        let bases: Vec<&Summary> = baselines.iter().map(|(_, r)| &r.summary).collect();
        evaluate::evaluate(rules, &bases, new, settings.confidence).map_err(|e| match e {
            RegressError::UnknownScope { .. } => CompareError::Scope(e),
            RegressError::Histogram { .. } => CompareError::Invalid(e),
        })?
    };
    Ok(RegressionSection {
        baselines: baselines
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect(),
        confidence: settings.confidence,
        strict: settings.strict,
        mismatches: found,
        notes,
        results,
    })
}

/// A rule with nothing to compare with yet.
fn no_baseline(rule: &Rule, settings: Settings) -> RegressionResult {
    let none = Figure {
        value: 0.0,
        low: None,
        high: None,
        samples: 0,
    };
    let then = if settings.strict {
        "it fails under `--strict`"
    } else {
        "it passes until a baseline exists"
    };
    RegressionResult {
        rule: rule.source.clone(),
        scope: rule.scope.clone().unwrap_or_else(|| ALL.to_string()),
        metric: rule.metric.to_string(),
        unit: rule.metric.unit().to_string(),
        base: none,
        new: none,
        change: 0.0,
        threshold: rule.allowance.amount(),
        confidence: settings.confidence,
        outcome: RegressionOutcome::NoBaseline,
        message: format!(
            "{} NO BASELINE: no baseline yet to compare with; {then}",
            rule.source
        ),
    }
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
