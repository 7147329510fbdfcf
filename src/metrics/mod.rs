//! Measurement: per-worker recorders, HDR histograms and the run Summary.

pub mod histogram;
pub mod recorder;
pub mod summary;
