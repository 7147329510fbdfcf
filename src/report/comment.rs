//! The comparison as a pull-request comment (`perfgate compare --markdown`,
//! the Action's comment): a one-line headline, the two runs, one row per rule
//! with the change, and why each rule that did not pass did not. It always
//! fits a GitHub comment: past the limit, rows are left out with a note.

use std::fmt::Write as _;

use super::markdown::cell;
use super::regression::cells;
use super::{Exporter, ReportError, RunReport};
use crate::core::regression::{RegressionOutcome, RegressionResult, RegressionSection};

/// The most characters GitHub accepts in one comment.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for the note that says rows were left out.
const NOTE_ROOM: usize = 400;

/// Renders the comparison comment of a run with a regression section.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommentExporter;

impl Exporter for CommentExporter {
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let Some(section) = report.regression else {
            return Err(ReportError::Render {
                format: "comment",
                reason: "the run was not compared with a baseline".to_string(),
            });
        };
        let new = format!(
            "`{}` ({}, started {})",
            cell(&report.summary.plan.name),
            cell(&report.summary.plan.file),
            report.summary.started_at.format("%Y-%m-%d %H:%M UTC")
        );
        Ok(comment(section, &new, COMMENT_LIMIT).into_bytes())
    }
}

/// The comment for `section`, the new run named `new`, in at most `limit`
/// characters.
pub fn comment(section: &RegressionSection, new: &str, limit: usize) -> String {
    let mut out = format!("### {}\n\n", headline(section));
    let base = if section.baselines.is_empty() {
        "none yet".to_string()
    } else {
        section
            .baselines
            .iter()
            .map(|b| format!("`{}`", cell(b)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "**Base:** {base}  \n**New:** {new}  \n{:.0}% confidence{}\n",
        section.confidence * 100.0,
        if section.strict { ", strict" } else { "" }
    );
    for m in &section.mismatches {
        let _ = writeln!(out, "- forced past a mismatch: {}", cell(m));
    }
    for n in &section.notes {
        let _ = writeln!(out, "- note: {}", cell(n));
    }
    out.push_str("\n| verdict | rule | base | new | change |\n|---|---|---|---|---|\n");
    let reasons: Vec<String> = section
        .results
        .iter()
        .filter(|r| !matches!(r.outcome, RegressionOutcome::Pass))
        .map(|r| format!("- {}\n", cell(&r.message)))
        .collect();
    let rows: Vec<String> = section
        .results
        .iter()
        .map(|r| row(r, section.strict))
        .collect();
    let budget = limit.saturating_sub(NOTE_ROOM);
    let mut shown = 0;
    for row in &rows {
        if out.len() + row.len() > budget {
            break;
        }
        out.push_str(row);
        shown += 1;
    }
    let mut left_out = rows.len() - shown;
    if shown == rows.len() && !reasons.is_empty() {
        out.push('\n');
        for reason in &reasons {
            if out.len() + reason.len() > budget {
                left_out += 1;
                continue;
            }
            out.push_str(reason);
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n_{left_out} more line(s) left out to stay within GitHub's {limit}-character \
             comment limit; the JSON report has every rule._"
        );
    }
    out
}

/// `❌ 2 regressions, 1 inconclusive` and the like.
fn headline(section: &RegressionSection) -> String {
    let count = |o: RegressionOutcome| section.results.iter().filter(|r| r.outcome == o).count();
    let (fail, inconclusive, none) = (
        count(RegressionOutcome::Fail),
        count(RegressionOutcome::Inconclusive),
        count(RegressionOutcome::NoBaseline),
    );
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if fail > 0 {
        parts.push(plural(fail, "regression", "regressions"));
    }
    if inconclusive > 0 {
        parts.push(plural(inconclusive, "inconclusive", "inconclusive"));
    }
    if none > 0 {
        parts.push(plural(
            none,
            "rule with no baseline yet",
            "rules with no baseline yet",
        ));
    }
    let failing = section.results.iter().any(|r| r.fails(section.strict));
    let mark = if failing {
        "❌"
    } else if inconclusive + none > 0 {
        "⚠️"
    } else {
        "✅"
    };
    if parts.is_empty() {
        let rules = plural(section.results.len(), "rule", "rules");
        return format!("{mark} perfgate: no regression ({rules} held)");
    }
    format!("{mark} perfgate: {}", parts.join(", "))
}

/// One table row.
fn row(r: &RegressionResult, strict: bool) -> String {
    let verdict = match r.outcome {
        RegressionOutcome::Pass => "✅ pass",
        RegressionOutcome::Fail => "❌ regression",
        RegressionOutcome::Inconclusive if strict => "❌ inconclusive",
        RegressionOutcome::Inconclusive => "⚠️ inconclusive",
        RegressionOutcome::NoBaseline if strict => "❌ no baseline",
        RegressionOutcome::NoBaseline => "⚪ no baseline",
    };
    let [base, new, change] = cells(r);
    format!(
        "| {verdict} | `{}` | {base} | {new} | {change} |\n",
        cell(&r.rule)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::regression::Figure;

    fn result(rule: &str, outcome: RegressionOutcome) -> RegressionResult {
        let figure = Figure {
            value: 100.0,
            low: Some(95.0),
            high: Some(105.0),
            samples: 4000,
        };
        RegressionResult {
            rule: rule.to_string(),
            scope: "all".to_string(),
            metric: "p95".to_string(),
            unit: "ms".to_string(),
            base: figure,
            new: figure,
            change: 0.2,
            threshold: 0.1,
            confidence: 0.95,
            outcome,
            message: format!("{rule} {}: why", outcome.label()),
        }
    }

    fn section(results: Vec<RegressionResult>) -> RegressionSection {
        RegressionSection {
            baselines: vec!["base.json".to_string()],
            confidence: 0.95,
            strict: false,
            mismatches: Vec::new(),
            notes: Vec::new(),
            results,
        }
    }

    #[test]
    fn the_headline_counts_each_verdict() {
        let s = section(vec![
            result("p95 +10%", RegressionOutcome::Fail),
            result("p99 +10%", RegressionOutcome::Fail),
            result("rps -5%", RegressionOutcome::Inconclusive),
            result("p50 +10%", RegressionOutcome::Pass),
        ]);
        let text = comment(&s, "`new`", COMMENT_LIMIT);
        assert!(
            text.starts_with("### ❌ perfgate: 2 regressions, 1 inconclusive\n"),
            "{text}"
        );
        assert!(text.contains("| ❌ regression | `p95 +10%` |"), "{text}");
        assert!(text.contains("- rps -5% INCONCLUSIVE: why"), "{text}");
        let passing = section(vec![result("p95 +10%", RegressionOutcome::Pass)]);
        assert!(
            comment(&passing, "`new`", COMMENT_LIMIT)
                .contains("✅ perfgate: no regression (1 rule held)")
        );
    }

    #[test]
    fn thousands_of_rules_fit_a_comment_with_a_note() {
        let results: Vec<RegressionResult> = (0..5000)
            .map(|i| result(&format!("r{i}.p95 +10%"), RegressionOutcome::Fail))
            .collect();
        let text = comment(&section(results), "`new`", COMMENT_LIMIT);
        assert!(text.chars().count() <= COMMENT_LIMIT, "{}", text.len());
        assert!(
            text.contains("more line(s) left out"),
            "{}",
            &text[text.len() - 300..]
        );
        assert!(text.contains("| ❌ regression | `r0.p95 +10%` |"));
    }
}
