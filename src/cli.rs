//! Command-line definitions (clap). Parsing only; the work is in [`crate::commands`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::core::shard::Shard;
use crate::core::values::{Dur, Rate};
use crate::demo::DemoOptions;

/// perfgate: a load tester built to be a CI gate. A YAML plan in; load, an SLO
/// verdict, reports and an exit code out.
///
/// Exit codes: 0 pass, 1 an SLO failed, 2 invalid plan or invocation (nothing was
/// sent), 3 could not run or the measurement cannot be trusted, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "perfgate", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a plan: put its load on the target, judge its SLOs, write reports.
    Run(RunArgs),
    /// Judge a report against a baseline with the plan's regression rules.
    Compare(CompareArgs),
    /// Merge the JSON reports of a sharded run into one and judge its SLOs.
    Merge(MergeArgs),
    /// Check plans without sending anything.
    Validate(ValidateArgs),
    /// Render reports (HTML, JUnit, Markdown, CSV) from a JSON report; sends nothing.
    Report(ReportArgs),
    /// Print a JSON schema (draft-07).
    Schema(SchemaArgs),
    /// Serve the built-in demo prediction API (a stand-in for an ML service).
    DemoApi(DemoOptions),
    /// Write a commented starter plan.
    Init(InitArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// Options of `perfgate init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write the plan.
    #[arg(default_value = "perfgate.yaml")]
    pub path: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Options of `perfgate completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Options of `perfgate run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The plan file.
    pub plan: PathBuf,
    /// Target base URL, overriding the plan's `host`.
    #[arg(long)]
    pub host: Option<String>,
    /// Concurrent users, overriding `load.users`.
    #[arg(short, long)]
    pub users: Option<u32>,
    /// Users started per second (`10/s`), overriding `load.spawn_rate`.
    #[arg(short = 'r', long, value_parser = Rate::parse)]
    pub spawn_rate: Option<Rate>,
    /// Duration of the load (`30s`), overriding `load.duration`.
    #[arg(short = 't', long, value_parser = Dur::parse)]
    pub duration: Option<Dur>,
    /// Write the JSON report here (overrides `reports.json`); `-` writes it to
    /// standard output and everything else perfgate prints to standard error.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the JUnit XML report here (overrides `reports.junit`).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the self-contained HTML report here (overrides `reports.html`).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write PREFIX_stats.csv, PREFIX_history.csv and PREFIX_failures.csv.
    #[arg(long, value_name = "PREFIX")]
    pub csv: Option<PathBuf>,
    /// No live progress (also off when `CI` is set or stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Print only the verdict (reports are still written).
    #[arg(short, long)]
    pub quiet: bool,
    /// After the run, judge the plan's `regression:` rules against this JSON
    /// report, or against the most recent reports in this folder.
    #[arg(long, value_name = "FILE|DIR")]
    pub baseline: Option<PathBuf>,
    /// How many of a baseline folder's most recent reports to use (per rule,
    /// the one with the median value).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub baseline_last: u32,
    #[command(flatten)]
    pub judge: JudgeArgs,
    /// Run shard K of N (`2/4`): this process puts 1/N of the plan's users or
    /// arrival rate on the target, with its own seed; `perfgate merge` joins
    /// the shards' JSON reports. `auto` takes K from `JOB_COMPLETION_INDEX`
    /// (a Kubernetes Indexed Job's 0-based index, plus 1) and N from `--shards`.
    #[arg(long, value_name = "K/N|auto", value_parser = shard)]
    pub shard: Option<ShardArg>,
    /// The number of shards for `--shard auto`; when not given, the
    /// `PERFGATE_SHARDS` environment variable.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,
    /// Start the load at this wall-clock instant (RFC 3339, e.g.
    /// `2026-01-01T02:00:00Z`), so that every shard starts together.
    #[arg(long, value_name = "TIME", value_parser = start_at)]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What `--shard` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// `K/N`: this shard, given in full.
    Given(Shard),
    /// `auto`: the shard from the environment of a Kubernetes Indexed Job.
    Auto,
}

/// Parses `--shard`: `auto` or `K/N`.
fn shard(text: &str) -> Result<ShardArg, String> {
    if text == "auto" {
        return Ok(ShardArg::Auto);
    }
    text.parse::<Shard>()
        .map(ShardArg::Given)
        .map_err(|e| format!("{e}, or `auto` in a Kubernetes Indexed Job"))
}

/// Parses an RFC 3339 instant.
fn start_at(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("`{text}` is not an RFC 3339 time ({e}); e.g. `2026-01-01T02:00:00Z`"))
}

/// How regression rules are judged (`run --baseline` and `compare`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct JudgeArgs {
    /// An inconclusive regression rule fails the gate instead of warning.
    #[arg(long)]
    pub strict: bool,
    /// Compare even when the plan hash, load model or request names differ
    /// (the differences are listed).
    #[arg(long)]
    pub force: bool,
    /// Confidence level of the intervals, in (0, 1).
    #[arg(long, default_value_t = crate::regress::DEFAULT_CONFIDENCE, value_parser = confidence)]
    pub confidence: f64,
}

/// Parses a confidence level in (0, 1).
fn confidence(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(c) if c > 0.0 && c < 1.0 => Ok(c),
        _ => Err(format!(
            "`{text}` is not a confidence level: give a number between 0 and 1, e.g. 0.95"
        )),
    }
}

/// Options of `perfgate merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' JSON reports (`perfgate run --shard K/N --json ...`), one per shard.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the merged JSON report here.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Judge the SLOs of this plan instead of those stored in the shard reports.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Merge even when a shard was interrupted or invalid, instead of failing with exit 3.
    #[arg(long)]
    pub allow_partial: bool,
    /// Write the JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the self-contained HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write the Markdown summary here.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

/// Options of `perfgate compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The baseline: a JSON report, or a folder of them (the most recent are used).
    pub base: PathBuf,
    /// The JSON report to judge.
    pub new: PathBuf,
    /// Take the regression rules from this plan instead of those stored in the new report.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// How many of a baseline folder's most recent reports to use.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub baseline_last: u32,
    #[command(flatten)]
    pub judge: JudgeArgs,
    /// Write the new report, with the comparison and the new verdict, as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the JUnit XML report here (one test case per SLO and per rule).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the comparison here as a pull-request comment (Markdown): a
    /// headline, both runs, one row per rule; always within GitHub's comment limit.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

/// Options of `perfgate report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A JSON report written by `perfgate run --json`.
    pub report: PathBuf,
    /// Write the self-contained HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write the JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the Markdown summary here.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Write PREFIX_stats.csv, PREFIX_history.csv and PREFIX_failures.csv.
    #[arg(long, value_name = "PREFIX")]
    pub csv: Option<PathBuf>,
}

/// Options of `perfgate validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Plan files to check.
    #[arg(required = true)]
    pub plans: Vec<PathBuf>,
}

/// Options of `perfgate schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which schema.
    pub which: SchemaKind,
}

/// The schemas perfgate can print.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// The plan file format.
    Plan,
    /// The JSON report format.
    Report,
}
