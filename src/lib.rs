//! perfgate: a load tester built to be a CI gate.
//!
//! Data flow: plan file → [`plan`] → [`engine`] → [`metrics`] → [`slo`] → [`gate`] → [`report`].

pub mod bounded;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod data;
pub mod demo;
pub mod engine;
pub mod gate;
pub mod merge;
pub mod metrics;
pub mod plan;
pub mod regress;
pub mod report;
pub mod schema;
pub mod serve;
pub mod shard;
pub mod slo;
pub mod template;
