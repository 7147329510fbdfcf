//! Regression rules: a run judged against a baseline report, telling a real
//! slowdown from noise with one confidence interval for the change.
//!
//! [`rule`] parses `p95 +10%`; [`interval`] computes each run's intervals from
//! the HDR histograms, counts and per-second series; [`change`] combines two
//! runs' into one interval for the ratio or difference; [`evaluate`] judges each
//! rule by where that interval lies against the allowance; [`mismatch`] refuses
//! to compare unlike runs; [`baseline`] reads a report or a folder of them;
//! [`compare`] puts these together. The results are
//! [`crate::core::regression`] types; the judge folds them into the verdict.

pub mod baseline;
pub mod change;
pub mod compare;
pub mod evaluate;
pub mod interval;
pub mod mismatch;
pub mod rule;

/// The default confidence level of the intervals.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
