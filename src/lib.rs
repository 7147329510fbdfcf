//! perfgate: a load tester built to be a CI gate.
//!
//! A plan file is loaded and compiled, the engine puts its load on the
//! target while the recorders measure, one judging step turns the Summary
//! into SLO results, regression results and a verdict, and the exporters
//! write it; the verdict picks the exit code. The top-level modules, in flow
//! order, each using only modules listed before it (`tests/architecture.rs`
//! holds the exact table and checks it):
//!
//! - [`core`]: the shared types: the run record, verdict and exit codes, scopes, plan values, formatting
//! - [`metrics`]: per-worker recorders that build the run's Summary
//! - [`data`]: feeders: CSV, JSONL and JSON rows, read and drawn in order
//! - [`template`]: request templates (minijinja), compiled once and rendered per request
//! - [`checks`]: response checks (`expect:`) and captures, with their JSON path language
//! - [`slo`]: the SLO expression grammar, its evaluation, and the per-window judgement
//! - [`regress`]: regression rules judged against baseline records with confidence intervals
//! - [`plan`]: a plan file loaded, validated and compiled into what the engine runs
//! - [`engine`]: the load: schedules, users and arrivals, transports
//! - [`judge`]: the one judging step: Summary, objectives and baseline to results and verdict
//! - [`report`]: the exporters: JSON, JUnit, HTML, Markdown, CSV and the terminal
//! - [`serve`]: starting, probing and stopping the system under test (`serve:`)
//! - [`shard`]: a plan scaled down to one shard's share of the load
//! - [`merge`]: shard records joined into one exact Summary
//! - [`schema`]: the JSON schemas of the plan and the run record
//! - [`demo`]: the built-in demo prediction API
//! - [`cli`]: the command-line definitions (clap)
//! - [`commands`]: one function per subcommand: parse, call, pick the exit code

pub mod checks;
pub mod cli;
pub mod commands;
pub mod core;
pub mod data;
pub mod demo;
pub mod engine;
pub mod judge;
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
