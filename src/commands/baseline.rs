//! Judging a run against its baseline, shared by `run --baseline` and `compare`.

use std::path::{Path, PathBuf};

use crate::cli::JudgeArgs;
use crate::gate::ExitCode;
use crate::metrics::summary::Summary;
use crate::regress::baseline::{self, BaselineError};
use crate::regress::compare::{self, CompareError, Settings};
use crate::regress::mismatch::plan_mismatches;
use crate::regress::report::RegressionSection;
use crate::regress::rule::Rule;
use crate::report::ReportError;
use crate::report::json::JsonReport;

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
        for m in plan_mismatches(&report.summary, &plan.hash, model, &names) {
            found.push(format!("{}: {m}", file.display()));
        }
    }
    if found.is_empty() || force {
        return Ok(());
    }
    eprintln!("error: {}", CompareError::Mismatch(found));
    Err(ExitCode::Invalid)
}

/// Reads the baseline at `path` and judges `rules` between it and `new`.
/// On error, prints why and returns the exit code: 2 for a missing baseline,
/// unlike runs or a rule naming an unknown request, 3 for a report that is
/// not a readable perfgate report.
pub fn judge(
    path: &Path,
    last: u32,
    rules: &[Rule],
    new: &Summary,
    judge: JudgeArgs,
) -> Result<RegressionSection, ExitCode> {
    let baselines = read_baselines(path, last)?;
    let settings = Settings {
        confidence: judge.confidence,
        strict: judge.strict,
        force: judge.force,
    };
    let section = compare::compare(rules, &baselines, new, settings).map_err(|e| {
        eprintln!("error: {e}");
        match e {
            CompareError::Invalid(_) => ExitCode::CouldNotRun,
            CompareError::Mismatch(_) | CompareError::Scope(_) => ExitCode::Invalid,
        }
    })?;
    for m in &section.mismatches {
        eprintln!("warning: compared despite a mismatch (--force): {m}");
    }
    for w in crate::regress::verdict::warnings(&section.results, judge.strict) {
        eprintln!("{w}");
    }
    Ok(section)
}

/// Reads the baseline reports at `path`; on error, prints why and returns
/// the exit code: 3 for a file that is not a readable perfgate report, 2
/// otherwise.
fn read_baselines(path: &Path, last: u32) -> Result<Vec<(PathBuf, JsonReport)>, ExitCode> {
    baseline::read(path, last as usize).map_err(|e| {
        eprintln!("error: {e}");
        match e {
            BaselineError::Report(ReportError::Invalid { .. }) => ExitCode::CouldNotRun,
            _ => ExitCode::Invalid,
        }
    })
}
