//! A run compared with its baseline, as the run record keeps it: every
//! regression rule judged, with its figures, and how they read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A run compared with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegressionSection {
    /// The baseline report files; with several, each rule used the one with the median value.
    pub baselines: Vec<String>,
    /// The confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
    /// Whether an inconclusive rule fails the gate (`--strict`).
    pub strict: bool,
    /// Differences between the runs that `--force` let through (workload
    /// fields, or for older reports the load model and request names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<String>,
    /// Differences that do not make the runs unlike (host, duration), and
    /// what could not be checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Every rule, judged.
    pub results: Vec<RegressionResult>,
}

/// How a rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegressionOutcome {
    /// Credibly within the allowance.
    Pass,
    /// Credibly worse than the allowance.
    Fail,
    /// The samples cannot tell: a warning, or a failure with `--strict`.
    Inconclusive,
    /// There was no baseline to compare with yet (the first run of a nightly
    /// job): passes, or fails with `--strict`.
    NoBaseline,
}

impl RegressionOutcome {
    /// The outcome in capitals: `PASS`, `FAIL`, `INCONCLUSIVE`.
    pub fn label(self) -> &'static str {
        match self {
            RegressionOutcome::Pass => "PASS",
            RegressionOutcome::Fail => "FAIL",
            RegressionOutcome::Inconclusive => "INCONCLUSIVE",
            RegressionOutcome::NoBaseline => "NO BASELINE",
        }
    }
}

/// One side of a comparison: the value and its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Figure {
    /// The value observed, in the rule's unit.
    pub value: f64,
    /// Lower end of the confidence interval; absent when the sample is too small.
    pub low: Option<f64>,
    /// Upper end of the confidence interval; absent when the sample is too small.
    pub high: Option<f64>,
    /// Samples (requests) behind the value.
    pub samples: u64,
}

/// A regression rule, judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegressionResult {
    /// The rule as written, e.g. `p95 +10%`.
    pub rule: String,
    /// The request name, or `all`.
    pub scope: String,
    /// The metric, e.g. `p95`.
    pub metric: String,
    /// The unit of the figures: `ms`, `ratio` (a fraction) or `/s`.
    pub unit: String,
    /// The baseline.
    pub base: Figure,
    /// The new run.
    pub new: Figure,
    /// The change: relative (0.1 is +10%) for `%` rules, the difference for `pp` rules.
    pub change: f64,
    /// The allowance as written in the rule's terms: 0.1 for `+10%`, 0.005 for `+0.5pp`.
    pub threshold: f64,
    /// The confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
    /// The verdict.
    pub outcome: RegressionOutcome,
    /// One sentence: figures, change, allowance, intervals and why.
    pub message: String,
}

impl RegressionResult {
    /// Whether this result fails the gate: a credible regression, or with
    /// `strict` an inconclusive comparison too.
    pub fn fails(&self, strict: bool) -> bool {
        match self.outcome {
            RegressionOutcome::Fail => true,
            RegressionOutcome::Inconclusive | RegressionOutcome::NoBaseline => strict,
            RegressionOutcome::Pass => false,
        }
    }
}

/// A figure in its unit: `20.31 ms`, `0.50%`, `98.2/s`.
pub fn value(unit: &str, v: f64) -> String {
    match unit {
        "ms" => format!("{v:.2} ms"),
        "ratio" => format!("{:.2}%", v * 100.0),
        _ => format!("{v:.1}/s"),
    }
}

/// A figure with its interval: `20.31 ms [20.12, 20.48]`, or `(no CI)`.
pub fn figure(unit: &str, f: &Figure) -> String {
    match (f.low, f.high) {
        (Some(lo), Some(hi)) => format!(
            "{} [{}, {}]",
            value(unit, f.value),
            bare(unit, lo),
            bare(unit, hi)
        ),
        _ => format!("{} (no CI)", value(unit, f.value)),
    }
}

fn bare(unit: &str, v: f64) -> String {
    match unit {
        "ms" => format!("{v:.2}"),
        "ratio" => format!("{:.2}%", v * 100.0),
        _ => format!("{v:.1}"),
    }
}

/// The change as the rule states it: `+12.3%` or `+0.40pp`.
pub fn change(result: &RegressionResult) -> String {
    if result.rule.ends_with("pp") {
        format!("{:+.2}pp", result.change * 100.0)
    } else {
        format!("{:+.1}%", result.change * 100.0)
    }
}
