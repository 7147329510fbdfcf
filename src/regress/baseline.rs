//! Reading the baseline: one JSON report, or the most recent reports of a
//! folder (a rolling window for nightly jobs).

use std::path::{Path, PathBuf};

use crate::core::record::{self, JsonReport, RecordError};
use crate::core::verdict::Outcome;

/// Why a baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// A report could not be read.
    #[error(transparent)]
    Report(#[from] RecordError),
    /// The folder could not be listed.
    #[error("cannot list the baseline folder `{}`: {source}", path.display())]
    List {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

/// The baseline reports at `path`: the file itself, or the `last` most recent
/// complete reports (by start time) among the `.json` files of a folder.
/// Partial or invalid reports in a folder are skipped. A folder with no
/// complete report, or a folder path that does not exist yet (no `.json`
/// ending), gives none: the first run of a nightly job has no baseline yet.
pub fn read(path: &Path, last: usize) -> Result<Vec<(PathBuf, JsonReport)>, BaselineError> {
    let is_file_name = path.extension().is_some_and(|e| e == "json");
    if !path.exists() && !is_file_name {
        return Ok(Vec::new());
    }
    if !path.is_dir() {
        return Ok(vec![(path.to_path_buf(), record::read(path)?)]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| BaselineError::List {
        path: path.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    files.sort();
    let mut reports = Vec::with_capacity(files.len());
    for file in files {
        let report = record::read(&file)?;
        if !report.summary.partial && report.verdict.outcome != Outcome::Invalid {
            reports.push((file, report));
        }
    }
    reports.sort_by_key(|(_, r)| std::cmp::Reverse(r.summary.started_at));
    reports.truncate(last.max(1));
    Ok(reports)
}
