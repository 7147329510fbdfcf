//! The report's tables: SLOs (failures first), per-request statistics like
//! Locust's, errors by kind with examples, the load as executed (generator
//! health) and the served command's output. Every string goes through maud,
//! which escapes it.

use maud::{Markup, html};

use crate::core::format::{format_count, format_ms, format_pair, format_value};
use crate::core::slo_result::{SloOutcome, SloResult};
use crate::core::summary::{LatencySummary, RequestStats, Summary};
use crate::report::plain_text;
use crate::slo::expr::parse;

/// The SLO table, failures first, then no data, warnings and passes.
pub fn slos(slos: &[SloResult]) -> Markup {
    let mut ordered: Vec<&SloResult> = slos.iter().collect();
    ordered.sort_by_key(|slo| match slo.outcome {
        SloOutcome::Fail => 0,
        SloOutcome::NoData => 1,
        SloOutcome::Warn => 2,
        SloOutcome::Pass => 3,
    });
    html! {
        @if ordered.is_empty() {
            p.muted { "The plan has no SLOs." }
        } @else {
            table.slos {
                thead { tr {
                    th { "outcome" } th { "objective" } th { "scope" } th.num { "threshold" }
                    th.num { "observed" } th.num { "samples" } th { "detail" }
                } }
                tbody {
                    @for slo in ordered {
                        @let (observed, threshold) = values(slo);
                        @let (label, class) = outcome(slo.outcome);
                        tr class=(class) {
                            td { span class=(format!("badge {class}")) { (label) } }
                            td { code { (plain_text(&slo.expression)) } }
                            td { (plain_text(&slo.scope)) }
                            td.num { (plain_text(&slo.op)) " " (threshold) }
                            td.num { (observed) }
                            td.num { (format_count(slo.samples)) }
                            td { (plain_text(&slo.message)) }
                        }
                    }
                }
            }
        }
    }
}

fn outcome(outcome: SloOutcome) -> (&'static str, &'static str) {
    match outcome {
        SloOutcome::Pass => ("pass", "pass"),
        SloOutcome::Fail => ("fail", "fail"),
        SloOutcome::NoData => ("no data", "fail"),
        SloOutcome::Warn => ("warn", "warn"),
    }
}

/// Observed value and threshold with their units.
fn values(slo: &SloResult) -> (String, String) {
    match (parse(&slo.expression), slo.observed) {
        (Ok(expr), Some(observed)) => format_pair(expr.metric.quantity(), observed, slo.threshold),
        (Ok(expr), None) => (
            "no data".to_string(),
            format_value(expr.metric.quantity(), slo.threshold),
        ),
        (Err(_), observed) => (
            observed.map_or_else(|| "no data".to_string(), |v| v.to_string()),
            slo.threshold.to_string(),
        ),
    }
}

/// Per-request statistics, the total last (latencies over the measured window).
pub fn requests(summary: &Summary) -> Markup {
    let columns = ("request", "requests", "req/s");
    stats_table(summary, columns, &summary.requests, Some(&summary.overall))
}

/// Per-flow statistics: iterations that ended, those that failed at a
/// step, and the whole flow's duration over completed iterations.
pub fn flows(summary: &Summary) -> Markup {
    stats_table(
        summary,
        ("flow", "iterations", "per s"),
        &summary.flows,
        None,
    )
}

/// A table of `rows` with `total` at the foot; `(what, counted, rate)` name
/// the first, second and rate columns.
fn stats_table(
    summary: &Summary,
    (what, counted, rate): (&str, &str, &str),
    rows: &[RequestStats],
    total: Option<&RequestStats>,
) -> Markup {
    let open = summary.load.open.is_some();
    html! {
        table.stats {
            thead { tr {
                th { (what) } th.num { (counted) } th.num { "failures" } th.num { "fail %" }
                th.num { (rate) } th.num { "fail/s" } th.num { "mean" } th.num { "min" }
                th.num { "p50" } th.num { "p90" } th.num { "p95" } th.num { "p99" }
                th.num { "p99.9" } th.num { "max" }
                @if open { th.num { "dropped" } }
            } }
            tbody {
                @for stats in rows { (request_row(stats, false, open)) }
            }
            @if let Some(total) = total {
                tfoot { (request_row(total, true, open)) }
            }
        }
    }
}

fn request_row(stats: &RequestStats, total: bool, open: bool) -> Markup {
    let latency = |f: fn(&LatencySummary) -> f64| {
        stats
            .latency
            .as_ref()
            .map_or("–".to_string(), |l| format_ms(f(l)))
    };
    let fail_share = if stats.requests == 0 {
        "–".to_string()
    } else {
        format!(
            "{:.2}%",
            stats.errors.total as f64 * 100.0 / stats.requests as f64
        )
    };
    let fail_rate = if stats.requests == 0 {
        0.0
    } else {
        stats.rps * stats.errors.total as f64 / stats.requests as f64
    };
    html! {
        tr {
            th scope="row" { @if total { "all requests" } @else { (plain_text(&stats.name)) } }
            td.num { (format_count(stats.requests)) }
            td.num { (format_count(stats.errors.total)) }
            td.num { (fail_share) }
            td.num { (format!("{:.2}", stats.rps)) }
            td.num { (format!("{fail_rate:.2}")) }
            td.num { (latency(|l| l.mean)) }
            td.num { (latency(|l| l.min)) }
            td.num { (latency(|l| l.p50)) }
            td.num { (latency(|l| l.p90)) }
            td.num { (latency(|l| l.p95)) }
            td.num { (latency(|l| l.p99)) }
            td.num { (latency(|l| l.p99_9)) }
            td.num { (latency(|l| l.max)) }
            @if open { td.num { (format_count(stats.dropped)) } }
        }
    }
}

/// Errors: counts by kind per request, then the example messages kept.
pub fn errors(summary: &Summary) -> Markup {
    let failing: Vec<&RequestStats> = summary
        .requests
        .iter()
        .filter(|r| r.errors.total > 0)
        .collect();
    html! {
        @if failing.is_empty() {
            p.muted { "No request failed." }
        } @else {
            table.errors {
                thead { tr {
                    th { "request" } th.num { "connect" } th.num { "timeout" } th.num { "status" }
                    th.num { "io" } th.num { "protocol" } th.num { "template" } th.num { "expectation" } th.num { "total" }
                } }
                tbody {
                    @for r in &failing {
                        tr {
                            th scope="row" { (plain_text(&r.name)) }
                            td.num { (format_count(r.errors.connect)) }
                            td.num { (format_count(r.errors.timeout)) }
                            td.num { (format_count(r.errors.status)) }
                            td.num { (format_count(r.errors.io)) }
                            td.num { (format_count(r.errors.protocol)) }
                            td.num { (format_count(r.errors.template)) }
                            td.num { (format_count(r.errors.expectation)) }
                            td.num { (format_count(r.errors.total)) }
                        }
                    }
                }
            }
            h3 { "Examples" }
            table.examples {
                thead { tr { th { "request" } th { "kind" } th.num { "count" } th { "message" } } }
                tbody {
                    @for r in &failing {
                        @for example in &r.error_examples {
                            tr {
                                th scope="row" { (plain_text(&r.name)) }
                                td { (example.kind.as_str()) }
                                td.num { (format_count(example.count)) }
                                td.message { (plain_text(&example.message)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The load as executed: what the generator did, to judge whether the
/// measurement can be trusted.
pub fn load(summary: &Summary) -> Markup {
    let l = &summary.load;
    let mut rows: Vec<(&str, String)> = vec![
        match l.open {
            Some(_) => ("peak requests in flight", format_count(l.peak_users.into())),
            None => (
                "users planned / peak",
                format!("{} / {}", l.users, l.peak_users),
            ),
        },
        ("requests started", format_count(l.requests_started)),
        ("completed in the warm-up", format_count(l.warmup_requests)),
        (
            "completed in the measured window",
            format_count(summary.overall.requests),
        ),
        (
            "cancelled after the grace period",
            format_count(l.cancelled),
        ),
        ("planned duration", format!("{:.1} s", l.duration_s)),
        ("actual duration", format!("{:.1} s", l.elapsed_s)),
        ("grace period", format!("{:.1} s", l.grace_s)),
    ];
    if let Some(open) = &l.open {
        rows.extend([
            (
                "arrival rate planned / achieved",
                format!(
                    "{:.2}/s / {:.2}/s (valid down to {:.0}% below)",
                    open.target_rate,
                    open.achieved_rate,
                    open.tolerance * 100.0
                ),
            ),
            (
                "arrivals scheduled / dispatched",
                format!(
                    "{} / {}",
                    format_count(open.scheduled),
                    format_count(open.dispatched)
                ),
            ),
            (
                "arrivals sent / dropped",
                format!(
                    "{} / {} (at most {} in flight)",
                    format_count(open.sent),
                    format_count(open.dropped),
                    open.max_in_flight
                ),
            ),
            (
                "arrivals dispatched over 10 ms late",
                format_count(open.late),
            ),
            (
                "dispatch lag p99 / max",
                format!(
                    "{} / {} (valid up to {})",
                    format_ms(open.lag_p99_ms),
                    format_ms(open.lag_max_ms),
                    format_ms(open.max_lag_ms)
                ),
            ),
        ]);
    }
    if let Some(cpu) = l.cpu_s {
        rows.push(("perfgate CPU time", format!("{cpu:.1} s")));
    }
    if let Some(bytes) = l.peak_rss_bytes {
        rows.push((
            "perfgate peak memory",
            format!("{:.1} MB", bytes as f64 / 1e6),
        ));
    }
    if let Some(why) = &l.aborted {
        rows.push(("stopped early", plain_text(why)));
    }
    html! {
        table.health {
            tbody {
                @for (name, value) in rows {
                    tr { th scope="row" { (name) } td.num { (value) } }
                }
            }
        }
    }
}

/// The served command and the tail of its output, if the plan had `serve:`.
pub fn serve(summary: &Summary) -> Option<Markup> {
    let serve = summary.serve.as_ref()?;
    let command: Vec<String> = serve.command.iter().map(|w| plain_text(w)).collect();
    let tail: Vec<String> = serve.output_tail.iter().map(|l| plain_text(l)).collect();
    Some(html! {
        p { code { (command.join(" ")) } " — " (plain_text(&serve.exit)) }
        @if tail.is_empty() {
            p.muted { "It printed nothing." }
        } @else {
            pre.tail { (tail.join("\n")) }
        }
    })
}
