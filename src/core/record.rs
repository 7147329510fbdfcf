//! The run record: the JSON report as `compare`, `merge`, `report` and
//! `--baseline` read it back. The Summary (histograms included, so that
//! comparisons and merges are exact), every SLO result, the verdict and the
//! comparison with a baseline, in one file described by
//! `schemas/report.schema.json`. The file is untrusted input: its size is
//! bounded and every histogram in it must decode.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bounded::{self, BoundedReadError};
use super::histogram;
use super::regression::RegressionSection;
use super::slo_result::SloResult;
use super::summary::Summary;
use super::verdict::Verdict;

/// A JSON report as read back from a file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "perfgate report")]
pub struct JsonReport {
    /// What was measured.
    #[serde(flatten)]
    pub summary: Summary,
    /// Every objective, evaluated.
    pub slos: Vec<SloResult>,
    /// The gate's decision.
    pub verdict: Verdict,
    /// The comparison with a baseline, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression: Option<RegressionSection>,
}

/// Why a run record could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be read, or is larger than [`MAX_REPORT_BYTES`].
    #[error("could not read report `{}`: {source}", path.display())]
    Read {
        /// The report path.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a report this version understands.
    #[error("`{}` is not a valid perfgate JSON report: {reason}", path.display())]
    Invalid {
        /// The report path.
        path: PathBuf,
        /// Where and why parsing failed.
        reason: String,
    },
}

/// The largest JSON report read back. Real reports are far smaller (a few
/// hundred kilobytes per request name); the limit stops a hostile or broken
/// file from exhausting memory.
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a JSON report back, histograms included. The file is untrusted:
/// its size is bounded and every histogram in it is checked.
///
/// # Errors
///
/// When the file cannot be read, is too large, or is not a valid report.
pub fn read(path: &Path) -> Result<JsonReport, RecordError> {
    let bytes = bounded::read(path, MAX_REPORT_BYTES).map_err(|e| RecordError::Read {
        path: path.to_path_buf(),
        source: match e {
            BoundedReadError::Io(e) => e,
            BoundedReadError::TooLarge { limit } => std::io::Error::other(format!(
                "it is larger than the limit of {limit} bytes for a report"
            )),
        },
    })?;
    parse(&bytes).map_err(|reason| RecordError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

/// Parses a JSON report and checks every histogram in it decodes.
///
/// # Errors
///
/// A description of the first problem, with its line and column for JSON
/// errors.
pub fn parse(bytes: &[u8]) -> Result<JsonReport, String> {
    let report: JsonReport = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    for stats in report
        .summary
        .requests
        .iter()
        .chain([&report.summary.overall])
    {
        for text in [Some(&stats.histogram), stats.service_histogram.as_ref()]
            .into_iter()
            .flatten()
        {
            histogram::decode(text)
                .map_err(|e| format!("the histogram of `{}`: {e}", stats.name))?;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("perfgate-json-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("not-a-report.json");
        std::fs::write(&path, "{\"plan\": 1}").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("not-a-report.json"), "{err}");
        assert!(err.contains("not a valid perfgate JSON report"), "{err}");
        let err = read(&dir.join("missing.json")).unwrap_err().to_string();
        assert!(err.contains("missing.json"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
