//! Regression rules: a run judged against a baseline report, telling a real
//! slowdown from noise with distribution-free confidence intervals.
//!
//! [`rule`] parses `p95 +10%`; [`interval`] computes the intervals from the HDR
//! histograms and counts; [`evaluate`] judges each rule; [`mismatch`] refuses to
//! compare unlike runs; [`baseline`] reads a report or a folder of them;
//! [`verdict`] folds the results into the gate; [`format`] and [`report`]
//! render them.

pub mod baseline;
pub mod compare;
pub mod evaluate;
pub mod format;
pub mod interval;
pub mod mismatch;
pub mod report;
pub mod rule;
pub mod verdict;

/// The default confidence level of the intervals.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
