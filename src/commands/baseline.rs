//! Judging a run against its baseline, shared by `run --baseline` and `compare`.

use std::path::Path;

use crate::cli::JudgeArgs;
use crate::gate::ExitCode;
use crate::metrics::summary::Summary;
use crate::regress::baseline::{self, BaselineError};
use crate::regress::compare::{self, CompareError, Settings};
use crate::regress::report::RegressionSection;
use crate::regress::rule::Rule;
use crate::report::ReportError;

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
    let baselines = baseline::read(path, last as usize).map_err(|e| {
        eprintln!("error: {e}");
        match e {
            BaselineError::Report(ReportError::Parse { .. }) => ExitCode::CouldNotRun,
            _ => ExitCode::Invalid,
        }
    })?;
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
