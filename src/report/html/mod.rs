//! The HTML report: one self-contained file to open anywhere, offline
//! included. Inline CSS and inline SVG charts drawn here; no script, no
//! external resource of any kind.
//!
//! It is a pure function of the [`RunReport`] (no clock, no environment), so
//! `perfgate report` renders the same bytes from the JSON report as the run
//! did. Every string from the plan or the target goes through maud, which
//! escapes it, after [`plain_text`] has removed control characters.

mod chart;
mod scale;
mod spectrum;
mod tables;
mod timeline;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Exporter, ReportError, RunReport, plain_text};
use crate::core::summary::{LoadExecuted, Summary};
use crate::core::verdict::Outcome;

/// The report's style sheet, inlined into every file.
const STYLE: &str = include_str!("style.css");

/// Renders the self-contained HTML report.
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        render(report).map(String::into_bytes)
    }
}

/// The report as one HTML document.
///
/// # Errors
///
/// A histogram in the Summary that cannot be decoded.
pub fn render(report: &RunReport<'_>) -> Result<String, ReportError> {
    let s = report.summary;
    let spectrum = spectrum::chart(s)?;
    let seconds_per_point = timeline::bucket_seconds(s.overall.series.len());
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "perfgate " (report.verdict.outcome.label()) ": " (plain_text(&s.plan.name)) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (header(report))
                section id="slos" {
                    h2 { "Service-level objectives" }
                    (tables::slos(report.slos))
                }
                section id="timeline" {
                    h2 { "Over time" }
                    p.muted {
                        "Per-second series from the start of the load, warm-up shaded grey, the first breaching window of each objective with "
                        code { "over:" } " shaded red. "
                        @if seconds_per_point > 1 {
                            "Each point covers " (seconds_per_point) " s: rates are averaged, latency and users show the highest value in it. "
                        }
                        "Errors per second count every kind together; the errors table below splits them by kind."
                    }
                    div.charts {
                        @for chart in timeline::charts(s) { (chart.render()) }
                    }
                }
                section id="distribution" {
                    h2 { "Latency distribution" }
                    p.muted { "Latency at each percentile over the measured window (after the warm-up), from the HDR histograms: the further right, the rarer." }
                    div.charts { (spectrum.render()) }
                }
                section id="requests" {
                    h2 { "Requests" }
                    p.muted { "Measured window (after the warm-up). Latency of timed requests: a connect, timeout or I/O failure has no latency." }
                    (tables::requests(s))
                }
                @if !s.flows.is_empty() {
                    section id="flows" {
                        h2 { "Flows" }
                        p.muted {
                            "Each iteration sends the flow's steps in order (each step is also a row of the requests table). "
                            "Duration: from the first step's send to the last step's response, over completed iterations; a failed step ends its iteration and counts as its failure."
                        }
                        (tables::flows(s))
                    }
                }
                section id="errors" {
                    h2 { "Errors" }
                    (tables::errors(s))
                }
                section id="load" {
                    h2 { "Load as executed" }
                    (tables::load(s))
                }
                @if let Some(serve) = tables::serve(s) {
                    section id="serve" {
                        h2 { "Served command" }
                        (serve)
                    }
                }
                footer {
                    "perfgate " (plain_text(&s.tool.version)) " · plan " code { (plain_text(&s.plan.file)) }
                    " · SHA-256 " code { (plain_text(&s.plan.hash)) }
                }
            }
        }
    };
    Ok(page.into_string())
}

/// The plan, the verdict (prominent) and the facts of the run.
fn header(report: &RunReport<'_>) -> Markup {
    let s = report.summary;
    let outcome = report.verdict.outcome;
    let class = match outcome {
        Outcome::Pass => "verdict pass",
        Outcome::Fail => "verdict fail",
        Outcome::Invalid => "verdict invalid",
        Outcome::Interrupted => "verdict interrupted",
    };
    html! {
        header {
            div.what {
                h1 { (plain_text(&s.plan.name)) }
                dl.facts {
                    dt { "when" } dd { (s.started_at.format("%Y-%m-%d %H:%M:%S UTC")) " to " (s.ended_at.format("%H:%M:%S UTC")) }
                    dt { "duration" } dd { (duration(s)) }
                    dt { "host" } dd { code { (plain_text(&s.plan.host)) } }
                    dt { "load" } dd { (load_settings(&s.load)) }
                    dt { "seed" } dd { (s.load.seed) }
                    dt { "plan" } dd { code { (plain_text(&s.plan.file)) } }
                    dt { "perfgate" } dd { (plain_text(&s.tool.version)) }
                }
            }
            div class=(class) {
                div.label { (outcome.label()) }
                div { "exit code " (report.verdict.exit_code) }
                @if !report.verdict.reasons.is_empty() {
                    ul { @for reason in &report.verdict.reasons { li { (plain_text(reason)) } } }
                }
            }
        }
    }
}

fn duration(s: &Summary) -> String {
    let mut text = format!(
        "{:.1} s of {:.1} s planned",
        s.load.elapsed_s, s.load.duration_s
    );
    if s.load.warmup_s > 0.0 {
        text.push_str(&format!(", warm-up {:.1} s", s.load.warmup_s));
    }
    if s.partial {
        text.push_str(" (interrupted)");
    }
    text
}

/// The workload model and its settings in one line.
fn load_settings(l: &LoadExecuted) -> String {
    match &l.open {
        Some(open) => format!(
            "open model: {:.1} arrivals/s planned, {:.1}/s achieved, at most {} in flight",
            open.target_rate, open.achieved_rate, open.max_in_flight
        ),
        None => format!(
            "{} model: {} users, spawn rate {}/s, think time {}",
            plain_text(&l.model),
            l.users,
            l.spawn_rate,
            plain_text(&l.think_time)
        ),
    }
}
