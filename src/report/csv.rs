//! CSV export like Locust's `--csv PREFIX`: `PREFIX_stats.csv` (one row per
//! request and one for all), `PREFIX_history.csv` (one row per second and
//! request) and `PREFIX_failures.csv` (the error messages kept, with counts).
//! The columns are documented in the README.
//!
//! Latencies are in milliseconds; a cell is empty where nothing was timed.
//! A message from the target that a spreadsheet would take for a formula
//! (starting with `=`, `+`, `-`, `@`) is prefixed with `'`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use chrono::SecondsFormat;

use super::{ReportError, RunReport, plain_text, write_atomically};
use crate::core::histogram;
use crate::core::summary::{RequestStats, Summary};

/// The header of `PREFIX_stats.csv`.
pub const STATS_HEADER: [&str; 26] = [
    "Name",
    "Request Count",
    "Failure Count",
    "Connect Failures",
    "Timeout Failures",
    "Status Failures",
    "IO Failures",
    "Protocol Failures",
    "Template Failures",
    "Expectation Failures",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Requests/s",
    "Failures/s",
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
];

/// The percentiles of `PREFIX_stats.csv`, after its fixed columns.
const PERCENTILES: [f64; 11] = [
    50.0, 66.0, 75.0, 80.0, 90.0, 95.0, 98.0, 99.0, 99.9, 99.99, 100.0,
];

/// The header of `PREFIX_history.csv`.
pub const HISTORY_HEADER: [&str; 10] = [
    "Timestamp",
    "Elapsed",
    "Name",
    "User Count",
    "Requests",
    "Failures",
    "50%",
    "95%",
    "99%",
    "Warm-up",
];

/// The header of `PREFIX_failures.csv`.
pub const FAILURES_HEADER: [&str; 4] = ["Name", "Kind", "Error", "Occurrences"];

/// The three files for a prefix: `PREFIX_stats.csv`, `PREFIX_history.csv`,
/// `PREFIX_failures.csv`.
pub fn paths(prefix: &Path) -> [PathBuf; 3] {
    ["stats", "history", "failures"].map(|kind| {
        let mut name = OsString::from(prefix.as_os_str());
        name.push(format!("_{kind}.csv"));
        PathBuf::from(name)
    })
}

/// Renders the three files, in the order of [`paths`].
///
/// # Errors
///
/// A histogram in the Summary that cannot be decoded.
pub fn render(report: &RunReport<'_>) -> Result<[Vec<u8>; 3], ReportError> {
    let s = report.summary;
    Ok([stats(s)?, history(s)?, failures(s)?])
}

/// Writes the three files next to `prefix`, each atomically; returns their paths.
///
/// # Errors
///
/// A file that cannot be rendered or written.
pub fn export(report: &RunReport<'_>, prefix: &Path) -> Result<[PathBuf; 3], ReportError> {
    let paths = paths(prefix);
    for (path, bytes) in paths.iter().zip(render(report)?) {
        write_atomically(path, &bytes).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(paths)
}

type Writer = ::csv::Writer<Vec<u8>>;

fn writer(header: &[&str]) -> Result<Writer, ReportError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(failed)?;
    Ok(w)
}

fn finish(w: Writer) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Render {
        format: "CSV",
        reason: e.to_string(),
    })
}

fn failed(e: ::csv::Error) -> ReportError {
    ReportError::Render {
        format: "CSV",
        reason: e.to_string(),
    }
}

fn stats(s: &Summary) -> Result<Vec<u8>, ReportError> {
    let mut w = writer(&STATS_HEADER)?;
    for r in s.requests.iter().chain([&s.overall]) {
        w.write_record(stats_row(r)?).map_err(failed)?;
    }
    finish(w)
}

fn stats_row(r: &RequestStats) -> Result<Vec<String>, ReportError> {
    let hist = histogram::decode(&r.histogram).map_err(|e| ReportError::Render {
        format: "CSV",
        reason: format!("the histogram of `{}`: {e}", r.name),
    })?;
    let failures_per_s = if r.requests == 0 {
        0.0
    } else {
        r.rps * r.errors.total as f64 / r.requests as f64
    };
    let latency = |f: fn(&crate::core::summary::LatencySummary) -> f64| {
        r.latency
            .as_ref()
            .map(|l| f(l).to_string())
            .unwrap_or_default()
    };
    let mut row = vec![
        plain_text(&r.name),
        r.requests.to_string(),
        r.errors.total.to_string(),
        r.errors.connect.to_string(),
        r.errors.timeout.to_string(),
        r.errors.status.to_string(),
        r.errors.io.to_string(),
        r.errors.protocol.to_string(),
        r.errors.template.to_string(),
        r.errors.expectation.to_string(),
        latency(|l| l.mean),
        latency(|l| l.min),
        latency(|l| l.max),
        r.rps.to_string(),
        failures_per_s.to_string(),
    ];
    row.extend(PERCENTILES.iter().map(|&p| {
        histogram::percentile_ms(&hist, p)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }));
    Ok(row)
}

fn history(s: &Summary) -> Result<Vec<u8>, ReportError> {
    let mut w = writer(&HISTORY_HEADER)?;
    let ms = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (i, point) in s.overall.series.iter().enumerate() {
        let when = i64::try_from(point.t)
            .ok()
            .and_then(chrono::Duration::try_seconds)
            .and_then(|d| s.started_at.checked_add_signed(d))
            .unwrap_or(s.started_at);
        let timestamp = when.to_rfc3339_opts(SecondsFormat::Millis, true);
        let warmup = ((point.t as f64) < s.load.warmup_s).to_string();
        let rows = std::iter::once((s.overall.name.as_str(), point)).chain(
            s.requests
                .iter()
                .filter_map(|r| r.series.get(i).map(|p| (r.name.as_str(), p))),
        );
        for (name, p) in rows {
            w.write_record([
                timestamp.clone(),
                p.t.to_string(),
                plain_text(name),
                p.users.map(|u| u.to_string()).unwrap_or_default(),
                p.requests.to_string(),
                p.errors.to_string(),
                ms(p.p50),
                ms(p.p95),
                ms(p.p99),
                warmup.clone(),
            ])
            .map_err(failed)?;
        }
    }
    finish(w)
}

fn failures(s: &Summary) -> Result<Vec<u8>, ReportError> {
    let mut w = writer(&FAILURES_HEADER)?;
    for r in &s.requests {
        for example in &r.error_examples {
            w.write_record([
                plain_text(&r.name),
                example.kind.as_str().to_string(),
                spreadsheet_safe(&plain_text(&example.message)),
                example.count.to_string(),
            ])
            .map_err(failed)?;
        }
    }
    finish(w)
}

/// Text a spreadsheet will not run as a formula.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_prefix() {
        let [stats, history, failures] = paths(Path::new("reports/run"));
        assert_eq!(stats, Path::new("reports/run_stats.csv"));
        assert_eq!(history, Path::new("reports/run_history.csv"));
        assert_eq!(failures, Path::new("reports/run_failures.csv"));
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("HTTP 500: =1+1"), "HTTP 500: =1+1");
    }

    #[test]
    fn headers_match_the_percentiles() {
        assert_eq!(STATS_HEADER.len(), 15 + PERCENTILES.len());
        assert_eq!(STATS_HEADER[15], "50%");
        assert_eq!(STATS_HEADER[25], "100%");
    }
}
