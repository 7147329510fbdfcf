//! GitHub Actions workflow commands: an `::error` annotation for every failing
//! SLO and a `::warning` for every warn-only breach, pointing at the plan file
//! and the SLO's line.

use std::fmt::Write as _;

use super::RunReport;
use crate::core::slo_result::SloOutcome;

/// The annotation lines for a run, one per failing or warning SLO.
pub fn annotations(report: &RunReport<'_>) -> String {
    let file = &report.summary.plan.file;
    let mut out = String::new();
    for slo in report.slos {
        let (level, title) = match slo.outcome {
            SloOutcome::Pass => continue,
            SloOutcome::Fail => ("error", "SLO breached"),
            SloOutcome::NoData => ("error", "SLO has no data"),
            SloOutcome::Warn => ("warning", "SLO warning"),
        };
        let mut props = format!("file={}", property(file));
        if let Some(line) = slo.line {
            let _ = write!(props, ",line={line}");
        }
        let _ = writeln!(
            out,
            "::{level} {props},title={}::{}",
            property(title),
            data(&slo.message)
        );
    }
    out
}

/// Escapes a command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_expects() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
