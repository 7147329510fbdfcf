//! A Markdown summary (GitHub's `$GITHUB_STEP_SUMMARY`, merge-request notes):
//! the verdict, the SLO table and the per-request table.

use std::fmt::Write as _;

use super::{Exporter, ReportError, RunReport, plain_text};
use crate::core::format::{format_count, format_value};
use crate::core::slo_result::{SloOutcome, SloResult};
use crate::core::summary::RequestStats;
use crate::core::verdict::Outcome;
use crate::slo::expr::parse;

/// Renders the Markdown summary.
pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        Ok(render(report).into_bytes())
    }
}

/// The summary as Markdown, ending with a newline.
pub fn render(report: &RunReport<'_>) -> String {
    let s = report.summary;
    let v = report.verdict;
    let mut out = String::new();
    let mark = match v.outcome {
        Outcome::Pass => "✅",
        Outcome::Fail => "❌",
        Outcome::Invalid | Outcome::Interrupted => "⚠️",
    };
    let _ = writeln!(
        out,
        "## {mark} perfgate {}: {}\n",
        v.outcome.label(),
        cell(&s.plan.name)
    );
    let _ = writeln!(
        out,
        "{} users against `{}` for {:.1} s (warm-up {:.1} s), seed {}, exit code {}.\n",
        s.load.users,
        code(&s.plan.host),
        s.load.elapsed_s,
        s.load.warmup_s,
        s.load.seed,
        v.exit_code
    );
    for reason in &v.reasons {
        let _ = writeln!(out, "- {}", cell(reason));
    }
    if !v.reasons.is_empty() {
        out.push('\n');
    }
    if !report.slos.is_empty() {
        out.push_str("| SLO | scope | observed | samples | outcome |\n|---|---|---:|---:|---|\n");
        for slo in report.slos {
            let outcome = match slo.outcome {
                SloOutcome::Pass => "✅ pass",
                SloOutcome::Fail => "❌ fail",
                SloOutcome::NoData => "❌ no data",
                SloOutcome::Warn => "⚠️ warn",
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {outcome} |",
                code(&slo.expression),
                cell(&slo.scope),
                observed(slo),
                format_count(slo.samples),
            );
        }
        out.push('\n');
    }
    if let Some(section) = report.regression {
        out.push_str(&crate::report::regression::markdown(section));
        out.push('\n');
    }
    out.push_str("| request | requests | failures | avg ms | p50 ms | p95 ms | p99 ms | req/s |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for stats in s.requests.iter().chain(std::iter::once(&s.overall)) {
        row(&mut out, stats);
    }
    if !s.flows.is_empty() {
        out.push_str(
            "\n| flow | iterations | failures | avg ms | p50 ms | p95 ms | p99 ms | per s |\n",
        );
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for stats in &s.flows {
            row(&mut out, stats);
        }
    }
    out
}

fn row(out: &mut String, stats: &RequestStats) {
    let ms = |f: fn(&crate::core::summary::LatencySummary) -> f64| {
        stats.latency.as_ref().map_or_else(
            || "–".to_string(),
            |l| {
                let ms = f(l);
                if ms < 10.0 {
                    format!("{ms:.2}")
                } else {
                    format!("{ms:.1}")
                }
            },
        )
    };
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {:.1} |",
        cell(&stats.name),
        format_count(stats.requests),
        format_count(stats.errors.total),
        ms(|l| l.mean),
        ms(|l| l.p50),
        ms(|l| l.p95),
        ms(|l| l.p99),
        stats.rps
    );
}

/// The observed value with its unit, or `no data`.
fn observed(slo: &SloResult) -> String {
    match (slo.observed, parse(&slo.expression)) {
        (Some(value), Ok(expr)) => format_value(expr.metric.quantity(), value),
        (Some(value), Err(_)) => format!("{value}"),
        (None, _) => "no data".to_string(),
    }
}

/// Text made safe for one Markdown table cell: no control characters, no
/// pipes, no HTML.
pub(super) fn cell(text: &str) -> String {
    plain_text(text)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for inside a Markdown code span in a table cell: HTML is not
/// interpreted there, so only pipes and backticks need care.
fn code(text: &str) -> String {
    plain_text(text).replace('|', "\\|").replace('`', "'")
}
