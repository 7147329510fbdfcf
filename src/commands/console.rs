//! Where `perfgate run` prints what a person reads (the summary table, the
//! `--quiet` verdict, CI annotations): standard output, or standard error
//! when a report goes to standard output (`--json -`), so that standard
//! output holds exactly that report (`kubectl logs` of a shard is its record).

use crate::plan::valid::ReportPaths;
use crate::report::is_stdout;

/// The stream for text meant for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// Standard output: no report goes there.
    Stdout,
    /// Standard error: a report is written to standard output.
    Stderr,
}

/// More than one report names standard output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "only one report can go to standard output (`-`), but the {} reports all name it",
    .0.join(" and ")
)]
pub struct SharedStdout(pub Vec<&'static str>);

impl Console {
    /// The console for a run writing `reports`: [`Console::Stderr`] when one
    /// of them is standard output; an error when several are.
    pub fn for_reports(reports: &ReportPaths) -> Result<Console, SharedStdout> {
        let on_stdout: Vec<&'static str> = [
            ("JSON", &reports.json),
            ("JUnit", &reports.junit),
            ("HTML", &reports.html),
        ]
        .into_iter()
        .filter(|(_, path)| path.as_deref().is_some_and(is_stdout))
        .map(|(format, _)| format)
        .collect();
        match on_stdout.len() {
            0 => Ok(Console::Stdout),
            1 => Ok(Console::Stderr),
            _ => Err(SharedStdout(on_stdout)),
        }
    }

    /// Prints `text` as it is (no newline added).
    pub fn print(self, text: &str) {
        match self {
            Console::Stdout => print!("{text}"),
            Console::Stderr => eprint!("{text}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn paths(json: Option<&str>, junit: Option<&str>) -> ReportPaths {
        ReportPaths {
            json: json.map(PathBuf::from),
            junit: junit.map(PathBuf::from),
            html: None,
        }
    }

    #[test]
    fn stdout_unless_a_report_takes_it() {
        let plain = paths(Some("r.json"), Some("-/junit.xml"));
        assert_eq!(Console::for_reports(&plain), Ok(Console::Stdout));
        let piped = paths(Some("-"), Some("junit.xml"));
        assert_eq!(Console::for_reports(&piped), Ok(Console::Stderr));
        let err = Console::for_reports(&paths(Some("-"), Some("-"))).unwrap_err();
        assert_eq!(err, SharedStdout(vec!["JSON", "JUnit"]));
        assert!(err.to_string().contains("JSON and JUnit"), "{err}");
    }
}
