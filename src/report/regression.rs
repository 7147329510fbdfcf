//! The comparison with a baseline as the terminal and Markdown show it.

use std::fmt::Write as _;

use crate::core::regression::{
    RegressionOutcome, RegressionResult, RegressionSection, change, figure,
};

/// The base, new and change cells of a result; dashes when there was no
/// baseline to compare with.
pub(super) fn cells(r: &RegressionResult) -> [String; 3] {
    if r.outcome == RegressionOutcome::NoBaseline {
        return ["–", "–", "–"].map(str::to_string);
    }
    [figure(&r.unit, &r.base), figure(&r.unit, &r.new), change(r)]
}

/// What the section compares with: the baseline files, or that there was none yet.
fn against(section: &RegressionSection, quote: &str) -> String {
    if section.baselines.is_empty() {
        return "no baseline yet".to_string();
    }
    section
        .baselines
        .iter()
        .map(|b| format!("{quote}{b}{quote}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The terminal table: rule, scope, base, new, change, verdict.
pub fn table(results: &[RegressionResult]) -> String {
    let rows: Vec<[String; 6]> = results
        .iter()
        .map(|r| {
            let [base, new, change] = cells(r);
            [
                r.rule.clone(),
                r.scope.clone(),
                base,
                new,
                change,
                r.outcome.label().to_string(),
            ]
        })
        .collect();
    let head = ["rule", "scope", "base", "new", "change", "verdict"];
    let mut widths = head.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "  {}", text.join("  ").trim_end());
    };
    line(&head.map(str::to_string));
    for row in &rows {
        line(row);
    }
    out
}

/// The terminal section: baselines, mismatches let through, the table.
pub fn terminal(section: &RegressionSection) -> String {
    let mut out = format!(
        "\nregression against {} ({:.0}% confidence{}):\n",
        against(section, ""),
        section.confidence * 100.0,
        if section.strict { ", strict" } else { "" }
    );
    for m in &section.mismatches {
        let _ = writeln!(out, "  forced past a mismatch: {m}");
    }
    for n in &section.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    out.push_str(&table(&section.results));
    out
}

/// The Markdown section: a table and the reason of every rule that did not pass.
pub fn markdown(section: &RegressionSection) -> String {
    let (results, strict) = (&section.results, section.strict);
    let mut out = format!(
        "### Regression rules\n\nAgainst {} at {:.0}% confidence.\n\n",
        against(section, "`"),
        section.confidence * 100.0
    );
    for m in &section.mismatches {
        let _ = writeln!(out, "- forced past a mismatch: {m}");
    }
    for n in &section.notes {
        let _ = writeln!(out, "- note: {n}");
    }
    if !section.mismatches.is_empty() || !section.notes.is_empty() {
        out.push('\n');
    }
    out.push_str("| rule | scope | base | new | change | verdict |\n|---|---|---|---|---|---|\n");
    for r in results {
        let mark = match r.outcome {
            RegressionOutcome::Pass => "✅ pass",
            RegressionOutcome::Fail => "❌ fail",
            RegressionOutcome::Inconclusive if strict => "❌ inconclusive (strict)",
            RegressionOutcome::Inconclusive => "⚠️ inconclusive",
            RegressionOutcome::NoBaseline if strict => "❌ no baseline yet (strict)",
            RegressionOutcome::NoBaseline => "⚪ no baseline yet",
        };
        let [base, new, change] = cells(r);
        let _ = writeln!(
            out,
            "| `{}` | {} | {base} | {new} | {change} | {mark} |",
            r.rule, r.scope
        );
    }
    for r in results
        .iter()
        .filter(|r| r.outcome != RegressionOutcome::Pass)
    {
        let _ = writeln!(out, "\n- {}", r.message);
    }
    out
}
