//! The outcome of evaluating one SLO against a Summary.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How one objective came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SloOutcome {
    /// The objective held.
    Pass,
    /// The objective was breached (fails the gate).
    Fail,
    /// The metric had no samples (fails the gate unless warn-only).
    NoData,
    /// Breached or no data, but the objective is warn-only.
    Warn,
}

/// One objective, evaluated.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SloResult {
    /// The expression as written, e.g. `predict.p95 < 300ms`.
    pub expression: String,
    /// The request name it applies to, or `all`.
    pub scope: String,
    /// The metric, e.g. `p95`, `error_rate`.
    pub metric: String,
    /// The operator, e.g. `<`.
    pub op: String,
    /// The threshold in canonical units: ms for latency, a fraction for rates, per second for rps.
    pub threshold: f64,
    /// The observed value in the same units; absent when there was no data.
    pub observed: Option<f64>,
    /// The number of samples the observation rests on.
    pub samples: u64,
    /// Whether a breach only warns.
    pub warn_only: bool,
    /// The outcome.
    pub outcome: SloOutcome,
    /// A sentence a person can act on, e.g. `p95 312.4 ms breaches < 300 ms (predict, 18,331 requests)`.
    pub message: String,
    /// The line of the plan where the objective is written, when known.
    pub line: Option<u64>,
}
