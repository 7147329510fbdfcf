//! The end-of-run summary for a terminal or CI log: a statistics table like
//! Locust's, the errors seen, each SLO's outcome and the verdict.
//!
//! Every table line is 79 columns wide: numbers are right-aligned and shortened
//! (`18.3k`), names truncated with `…`. No colour here.

use std::fmt::Write as _;

use super::{RunReport, plain_text, truncate};
use crate::core::format::format_count;
use crate::core::slo_result::SloOutcome;
use crate::core::summary::RequestStats;
use crate::core::verdict::Outcome;

/// The width every table line fits in.
pub const WIDTH: usize = 79;

const NAME: usize = 18;
const REQS: usize = 6;
const FAILS: usize = 5;
const CELL: usize = 5;

/// Renders the end-of-run summary, ending with a newline.
pub fn render(report: &RunReport<'_>) -> String {
    let mut out = String::new();
    heading(&mut out, report);
    table(&mut out, report);
    errors(&mut out, report);
    slos(&mut out, report);
    if let Some(section) = report.regression {
        out.push_str(&crate::report::regression::terminal(section));
    }
    verdict(&mut out, report);
    out
}

fn heading(out: &mut String, report: &RunReport<'_>) {
    let s = report.summary;
    let load = &s.load;
    let workload = match &load.open {
        Some(open) => format!("open model {:.0}/s", open.target_rate),
        None => format!("{} users", load.users),
    };
    let mut line = format!(
        "{} against {}: {workload}, {:.1} s",
        plain_text(&s.plan.name),
        plain_text(&s.plan.host),
        load.elapsed_s
    );
    if load.warmup_s > 0.0 {
        let _ = write!(line, " (warm-up {:.1} s)", load.warmup_s);
    }
    let _ = write!(line, ", seed {}", load.seed);
    if s.partial {
        line.push_str(" [PARTIAL]");
    }
    if load.aborted.is_some() {
        line.push_str(" [ABORTED]");
    }
    out.push_str(&truncate(&line, WIDTH));
    out.push('\n');
    if let Some(open) = &load.open {
        let health = format!(
            "arrivals {:.1}/s of {:.1}/s, {} dropped, {} late, lag p99 {:.1} ms, max {:.1} ms",
            open.achieved_rate,
            open.target_rate,
            format_count(open.dropped),
            format_count(open.late),
            open.lag_p99_ms,
            open.lag_max_ms
        );
        out.push_str(&truncate(&health, WIDTH));
        out.push('\n');
    }
    out.push('\n');
}

fn table(out: &mut String, report: &RunReport<'_>) {
    if report.summary.load.open.is_some() {
        out.push_str("Requests (latency from the intended send time, in ms)\n");
    } else {
        out.push_str("Requests (latency in ms)\n");
    }
    let headers = ["avg", "min", "max", "p50", "p90", "p95", "p99", "req/s"];
    let mut line = format!("{:<NAME$} {:>REQS$} {:>FAILS$}", "Name", "reqs", "fails");
    for header in headers {
        let _ = write!(line, " {header:>CELL$}");
    }
    out.push_str(&line);
    out.push('\n');
    out.push_str(&"-".repeat(WIDTH));
    out.push('\n');
    for stats in &report.summary.requests {
        row(out, &plain_text(&stats.name), stats);
    }
    out.push_str(&"-".repeat(WIDTH));
    out.push('\n');
    row(out, "Aggregated", &report.summary.overall);
    out.push('\n');
    service_table(out, report);
    flow_table(out, report);
}

/// Flows: iterations ended, those that failed at a step, and the whole
/// flow's duration over completed iterations.
fn flow_table(out: &mut String, report: &RunReport<'_>) {
    let flows = &report.summary.flows;
    if flows.is_empty() {
        return;
    }
    out.push_str("Flows (iterations; duration of completed ones, in ms)\n");
    for stats in flows {
        row(out, &format!("flow.{}", plain_text(&stats.name)), stats);
    }
    out.push('\n');
}

/// Open model: service time (actual send to end of body) beside the latency.
fn service_table(out: &mut String, report: &RunReport<'_>) {
    let s = report.summary;
    if s.overall.service.is_none() {
        return;
    }
    out.push_str("Service time (from the actual send, in ms)\n");
    for stats in s.requests.iter().chain(std::iter::once(&s.overall)) {
        let Some(l) = &stats.service else { continue };
        let name = if stats.name == s.overall.name {
            "Aggregated".to_string()
        } else {
            plain_text(&stats.name)
        };
        let mut line = format!(
            "{:<NAME$} {:>REQS$} {:>FAILS$}",
            truncate(&name, NAME),
            "",
            ""
        );
        for value in [l.mean, l.min, l.max, l.p50, l.p90, l.p95, l.p99] {
            let _ = write!(line, " {:>CELL$}", ms_cell(value));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
}

fn row(out: &mut String, name: &str, stats: &RequestStats) {
    let mut line = format!(
        "{:<NAME$} {:>REQS$} {:>FAILS$}",
        truncate(name, NAME),
        count_cell(stats.requests, REQS),
        count_cell(stats.errors.total, FAILS),
    );
    let latencies = match &stats.latency {
        Some(l) => [l.mean, l.min, l.max, l.p50, l.p90, l.p95, l.p99].map(Some),
        None => [None; 7],
    };
    for value in latencies {
        let cell = value.map_or_else(|| "-".to_string(), ms_cell);
        let _ = write!(line, " {cell:>CELL$}");
    }
    let _ = write!(line, " {:>CELL$}", rate_cell(stats.rps));
    out.push_str(&line);
    out.push('\n');
}

/// A latency in ms in at most 5 characters: `0.25`, `4.52`, `45.2`, `312`, `12345`, `123s`.
fn ms_cell(ms: f64) -> String {
    if !ms.is_finite() {
        return "-".to_string();
    }
    let candidates = [
        (ms < 9.995, format!("{ms:.2}")),
        (ms < 99.95, format!("{ms:.1}")),
        (ms < 99_999.5, format!("{ms:.0}")),
        (true, format!("{:.0}s", ms / 1000.0)),
    ];
    first_fitting(candidates, CELL)
}

/// Requests per second in at most 5 characters: `4.52`, `45.2`, `1234`, `123k`.
fn rate_cell(rps: f64) -> String {
    if !rps.is_finite() {
        return "-".to_string();
    }
    let candidates = [
        (rps < 9.995, format!("{rps:.2}")),
        (rps < 99.95, format!("{rps:.1}")),
        (rps < 99_999.5, format!("{rps:.0}")),
        (true, format!("{:.0}k", rps / 1000.0)),
    ];
    first_fitting(candidates, CELL)
}

/// A count in at most `width` characters: plain while it fits, then `18.3k`, `1.2M`.
fn count_cell(n: u64, width: usize) -> String {
    let plain = n.to_string();
    if plain.len() <= width {
        return plain;
    }
    let n = n as f64;
    let candidates = [
        (n < 999_500.0, format!("{:.1}k", n / 1e3)),
        (n < 999_500.0, format!("{:.0}k", n / 1e3)),
        (n < 999_500_000.0, format!("{:.1}M", n / 1e6)),
        (n < 999_500_000.0, format!("{:.0}M", n / 1e6)),
        (true, format!("{:.1}G", n / 1e9)),
        (true, format!("{:.0}G", n / 1e9)),
    ];
    first_fitting(candidates, width)
}

/// The first candidate whose condition holds and which fits; the last one otherwise.
fn first_fitting<const N: usize>(candidates: [(bool, String); N], width: usize) -> String {
    let mut last = String::new();
    for (applies, text) in candidates {
        if applies && text.chars().count() <= width {
            return text;
        }
        last = text;
    }
    last
}

fn errors(out: &mut String, report: &RunReport<'_>) {
    let examples: Vec<_> = report
        .summary
        .requests
        .iter()
        .flat_map(|stats| stats.error_examples.iter().map(move |e| (&stats.name, e)))
        .collect();
    if examples.is_empty() {
        return;
    }
    out.push_str("Errors\n");
    for (name, example) in examples {
        let line = format!(
            "  {:<NAME$} {:<7} {:>6}x  {}",
            truncate(&plain_text(name), NAME),
            example.kind.as_str(),
            count_cell(example.count, 6),
            plain_text(&example.message),
        );
        out.push_str(&truncate(&line, WIDTH));
        out.push('\n');
    }
    out.push('\n');
}

fn slos(out: &mut String, report: &RunReport<'_>) {
    if report.slos.is_empty() {
        out.push_str("SLOs: none stated\n\n");
        return;
    }
    out.push_str("SLOs\n");
    for slo in report.slos {
        let label = match slo.outcome {
            SloOutcome::Pass => "PASS",
            SloOutcome::Fail => "FAIL",
            SloOutcome::NoData => "NO DATA",
            SloOutcome::Warn => "WARN",
        };
        let scope = if slo.scope == crate::core::scope::ALL {
            String::new()
        } else {
            format!("{}.", plain_text(&slo.scope))
        };
        let _ = writeln!(out, "  {label:<7}  {scope}{}", plain_text(&slo.message));
    }
    out.push('\n');
}

fn verdict(out: &mut String, report: &RunReport<'_>) {
    let v = report.verdict;
    let count = |outcomes: &[SloOutcome]| {
        report
            .slos
            .iter()
            .filter(|slo| outcomes.contains(&slo.outcome))
            .count() as u64
    };
    let failed = count(&[SloOutcome::Fail, SloOutcome::NoData]);
    let held = count(&[SloOutcome::Pass]);
    let warned = count(&[SloOutcome::Warn]);
    let mut line = format!("Verdict: {} (exit {})", v.outcome.label(), v.exit_code);
    let mut parts = Vec::new();
    if held > 0 {
        parts.push(format!("{} held", slo_count(held)));
    }
    if failed > 0 {
        parts.push(format!("{} failed", slo_count(failed)));
    }
    if warned > 0 {
        parts.push(format!("{} warned", slo_count(warned)));
    }
    if !parts.is_empty() && v.outcome != Outcome::Invalid {
        let _ = write!(line, ": {}", parts.join(", "));
    }
    out.push_str(&line);
    out.push('\n');
    // A failed gate's reasons are the FAIL lines above; other outcomes explain themselves here.
    if matches!(v.outcome, Outcome::Interrupted | Outcome::Invalid) {
        for reason in &v.reasons {
            let _ = writeln!(out, "  - {}", plain_text(reason));
        }
    }
}

/// `1 SLO`, `3 SLOs`.
fn slo_count(n: u64) -> String {
    if n == 1 {
        "1 SLO".to_string()
    } else {
        format!("{} SLOs", format_count(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};
    use crate::core::slo_result::SloResult;
    use crate::core::verdict::Verdict;
    use crate::judge::decide;
    use crate::slo::evaluate::{Objective, evaluate};
    use crate::slo::expr::parse;

    fn objectives(list: &[(&str, bool)]) -> Vec<Objective> {
        list.iter()
            .map(|(text, warn)| Objective {
                expr: parse(text).unwrap(),
                warn: *warn,
                line: None,
                window: None,
            })
            .collect()
    }

    fn text(summary: &crate::core::summary::Summary, slos: &[SloResult], v: &Verdict) -> String {
        render(&RunReport {
            summary,
            slos,
            verdict: v,
            regression: None,
        })
    }

    #[test]
    fn table_rows_fit_80_columns() {
        let mut s = summary(vec![
            stats("predict", &spread(1000, 400.0), 20),
            stats("a-request-with-a-very-long-name", &spread(10, 25_000.0), 0),
        ]);
        s.requests[0].requests = 12_345_678;
        s.requests[0].errors.total = 1_234_567;
        s.requests[0].error_examples[0].message = "\x1b[31mboom\x1b[0m\nsecond line ".repeat(10);
        let slos = evaluate(&objectives(&[("p95 < 300ms", false)]), &s).unwrap();
        let v = decide(&s, &slos);
        let out = text(&s, &slos, &v);
        let table: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.starts_with("Name"))
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(table.len(), 6, "{out}");
        for line in &table {
            assert_eq!(line.chars().count(), WIDTH, "{line:?}");
        }
        for line in out.lines().take_while(|l| !l.starts_with("SLOs")) {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        assert!(out.contains("a-request-with-a-… "), "{out}");
        assert!(out.contains("12.3M"), "{out}");
        assert!(out.contains(" 1.2M "), "{out}");
        assert!(out.contains("Aggregated"), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("status"), "{out}");
    }

    #[test]
    fn shows_each_slo_and_the_verdict() {
        let s = summary(vec![
            stats("predict", &spread(100, 400.0), 1),
            stats("health", &[], 0),
        ]);
        let slos = evaluate(
            &objectives(&[
                ("p50 < 1s", false),
                ("predict.p95 < 300ms", false),
                ("health.p95 < 1s", false),
                ("max < 100ms", true),
            ]),
            &s,
        )
        .unwrap();
        let v = decide(&s, &slos);
        let out = text(&s, &slos, &v);
        assert!(out.contains("  PASS     p50 "), "{out}");
        assert!(out.contains("  FAIL     predict.p95 "), "{out}");
        assert!(
            out.contains("  NO DATA  health.p95 no data: 0 requests for health"),
            "{out}"
        );
        assert!(out.contains("  WARN     max "), "{out}");
        assert!(
            out.contains("Verdict: FAIL (exit 1): 1 SLO held, 2 SLOs failed, 1 SLO warned"),
            "{out}"
        );
        // The health row has no latency: dashes, not zeros.
        let health = out.lines().find(|l| l.starts_with("health")).unwrap();
        assert!(health.contains("    -"), "{health}");
    }

    #[test]
    fn partial_and_invalid_runs_list_their_reasons() {
        let mut s = summary(vec![stats("predict", &spread(100, 400.0), 0)]);
        s.partial = true;
        let v = decide(&s, &[]);
        let out = text(&s, &[], &v);
        assert!(out.contains("[PARTIAL]"), "{out}");
        assert!(out.contains("Verdict: INTERRUPTED (exit 130)"), "{out}");
        assert!(out.contains("  - the run was interrupted"), "{out}");
        assert!(out.contains("SLOs: none stated"), "{out}");

        let v = Verdict::invalid("serve exited with status 1".to_string());
        let out = text(&s, &[], &v);
        assert!(
            out.contains("Verdict: INVALID (exit 3)\n  - serve exited with status 1"),
            "{out}"
        );
    }

    #[test]
    fn cells_stay_narrow() {
        assert_eq!(ms_cell(0.25), "0.25");
        assert_eq!(ms_cell(f64::NAN), "-");
        assert_eq!(ms_cell(9.999), "10.0");
        assert_eq!(ms_cell(312.4), "312");
        assert_eq!(ms_cell(99_999.7), "100s");
        assert_eq!(ms_cell(3_600_000.0), "3600s");
        assert_eq!(rate_cell(1234.4), "1234");
        assert_eq!(rate_cell(123_456.0), "123k");
        assert_eq!(count_cell(999_999, 6), "999999");
        assert_eq!(count_cell(12_345, 5), "12345");
        assert_eq!(count_cell(123_456, 5), "123k");
        assert_eq!(count_cell(999_999, 5), "1.0M");
        assert_eq!(count_cell(12_345_678, 6), "12.3M");
    }
}
