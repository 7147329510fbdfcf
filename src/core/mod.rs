//! The types every layer shares, and nothing else: the run record and what it
//! is made of (Summary, SLO and regression results, verdict), the exit codes,
//! scope names, the plan's value types, number formatting and "did you mean".
//! Nothing here imports another module of the crate.

pub mod bounded;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod format;
pub mod histogram;
pub mod record;
pub mod regression;
pub mod scope;
pub mod shard;
pub mod slo_result;
pub mod suggest;
pub mod summary;
pub mod values;
pub mod verdict;
pub mod workload;
