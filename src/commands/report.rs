//! `perfgate report REPORT.json`: renders reports (HTML, JUnit, Markdown,
//! CSV) from a JSON report, never from a live run, so a report can be
//! re-rendered later or from merged shards. With no output asked for, it
//! prints the terminal summary.
//!
//! Exit codes: 0 written, 2 the JSON report cannot be read or is not a
//! perfgate report, 3 a report could not be written.

use std::path::PathBuf;

use crate::cli::ReportArgs;
use crate::core::record;
use crate::core::verdict::ExitCode;
use crate::report::html::HtmlExporter;
use crate::report::junit::JunitExporter;
use crate::report::markdown::MarkdownExporter;
use crate::report::{self, Exporter, RunReport, terminal};

/// Renders the reports `args` asks for and returns the exit code.
pub fn report(args: &ReportArgs) -> ExitCode {
    let read = match record::read(&args.report) {
        Ok(read) => read,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Invalid;
        }
    };
    let run = RunReport {
        summary: &read.summary,
        slos: &read.slos,
        verdict: &read.verdict,
        regression: read.regression.as_ref(),
    };
    let targets: [(&Option<PathBuf>, &dyn Exporter); 3] = [
        (&args.html, &HtmlExporter),
        (&args.junit, &JunitExporter),
        (&args.markdown, &MarkdownExporter),
    ];
    if targets.iter().all(|(path, _)| path.is_none()) && args.csv.is_none() {
        print!("{}", terminal::render(&run));
        return ExitCode::Pass;
    }
    let mut failed = false;
    for (path, exporter) in targets {
        let Some(path) = path else { continue };
        failed |= !done(report::export(exporter, &run, path).map(|()| path.display().to_string()));
    }
    if let Some(prefix) = &args.csv {
        failed |=
            !done(report::csv::export(&run, prefix).map(|_| format!("{}_*.csv", prefix.display())));
    }
    if failed {
        ExitCode::CouldNotRun
    } else {
        ExitCode::Pass
    }
}

/// Says what was written, or why not; whether it was.
fn done(outcome: Result<String, report::ReportError>) -> bool {
    match outcome {
        Ok(what) => {
            eprintln!("perfgate: wrote {what}");
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
