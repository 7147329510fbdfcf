//! Measurement: per-worker recorders that build the run's
//! [`Summary`](crate::core::summary::Summary).

pub mod recorder;
