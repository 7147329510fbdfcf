//! Judging a run, with its baseline when there is one: shared by `run` and `compare`.

use std::path::{Path, PathBuf};

use crate::cli::JudgeArgs;
use crate::core::record::{JsonReport, RecordError};
use crate::core::summary::Summary;
use crate::core::verdict::ExitCode;
use crate::judge::{self, Baseline, Judged, Objectives};
use crate::regress::baseline::{self, BaselineError};
use crate::regress::compare::{CompareError, Settings};
use crate::regress::mismatch::plan_mismatches;
use crate::regress::rule::Rule;

/// Checks, before any load is sent, that the baseline at `path` can be read
/// and was produced by the same plan, load model and request names as `plan`
/// (unless `--force`). On error, prints why and returns exit code 2 (3 for a
/// file that is not a perfgate report).
pub fn check_before_load(
    path: &Path,
    last: u32,
    plan: &crate::plan::ValidPlan,
    force: bool,
) -> Result<(), ExitCode> {
    let baselines = read_baselines(path, last)?;
    let model = match plan.load {
        crate::plan::valid::Workload::Closed(_) => "closed",
        crate::plan::valid::Workload::Open(_) => "open",
    };
    let names: Vec<&str> = plan.requests.iter().map(|r| r.name.as_str()).collect();
    let mut found = Vec::new();
    for (file, report) in &baselines {
        for m in plan_mismatches(&report.summary, &plan.workload, model, &names) {
            found.push(format!("{}: {m}", file.display()));
        }
    }
    if found.is_empty() || force {
        return Ok(());
    }
    eprintln!("error: {}", CompareError::Mismatch(found));
    Err(ExitCode::Invalid)
}

/// Where the baseline is, as the command line gives it, and the rules to
/// judge against it.
#[derive(Debug, Clone, Copy)]
pub struct BaselineArgs<'a> {
    /// A report file, or a folder of them.
    pub path: &'a Path,
    /// How many of a folder's most recent reports to use.
    pub last: u32,
    /// The regression rules.
    pub rules: &'a [Rule],
    /// How to judge them.
    pub judge: JudgeArgs,
}

/// Judges a run through [`judge::judge`]: its objectives, then the
/// regression rules against the baseline, if any. Prints the warnings (a
/// mismatch let through by `--force`, inconclusive rules) and, when the
/// comparison could not be made, why, with the exit code that goes with it:
/// 2 for a missing baseline, unlike runs or a rule naming an unknown request,
/// 3 for a report that is not a readable perfgate report.
pub fn judge_run(
    summary: &Summary,
    objectives: Objectives<'_>,
    baseline: Option<BaselineArgs<'_>>,
    invalid: Option<String>,
) -> (Judged, Option<ExitCode>) {
    let Some(args) = baseline else {
        return (judge::judge(summary, objectives, None, invalid), None);
    };
    let reports = match read_baselines(args.path, args.last) {
        Ok(reports) => reports,
        Err(code) => return (judge::judge(summary, objectives, None, invalid), Some(code)),
    };
    let settings = Settings {
        confidence: args.judge.confidence,
        strict: args.judge.strict,
        force: args.judge.force,
    };
    let base = Baseline {
        rules: args.rules,
        reports: &reports,
        settings,
    };
    let judged = judge::judge(summary, objectives, Some(base), invalid);
    if let Some(e) = &judged.refused {
        eprintln!("error: {e}");
        let code = match e {
            CompareError::Invalid(_) => ExitCode::CouldNotRun,
            CompareError::Mismatch(_) | CompareError::Scope(_) => ExitCode::Invalid,
        };
        return (judged, Some(code));
    }
    if let Some(section) = &judged.regression {
        for m in &section.mismatches {
            eprintln!("warning: compared despite a mismatch (--force): {m}");
        }
        for w in judge::warnings(&section.results, section.strict) {
            eprintln!("{w}");
        }
    }
    (judged, None)
}

/// Reads the baseline reports at `path`; on error, prints why and returns
/// the exit code: 3 for a file that is not a readable perfgate report, 2
/// otherwise.
fn read_baselines(path: &Path, last: u32) -> Result<Vec<(PathBuf, JsonReport)>, ExitCode> {
    baseline::read(path, last as usize).map_err(|e| {
        eprintln!("error: {e}");
        match e {
            BaselineError::Report(RecordError::Invalid { .. }) => ExitCode::CouldNotRun,
            _ => ExitCode::Invalid,
        }
    })
}
