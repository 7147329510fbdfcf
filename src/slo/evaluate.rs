//! Evaluation: each objective against the Summary, giving an [`SloResult`].
//!
//! No data is never a silent pass: a latency objective over an empty histogram,
//! or a rate or throughput over zero requests, comes out as
//! [`SloOutcome::NoData`], which fails the gate unless the objective is warn-only.

use hdrhistogram::Histogram;

use super::expr::{Metric, SloExpr};
use crate::core::format::Quantity;
use crate::core::format::{format_count, format_pair, format_value};
use crate::core::histogram::{self, DecodeError};
use crate::core::scope::ALL;
use crate::core::slo_result::{SloOutcome, SloResult};
use crate::core::summary::{RequestStats, Summary, WindowVerdict};

/// One objective as the validated plan states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The parsed expression.
    pub expr: SloExpr,
    /// Whether a breach (or no data) only warns instead of failing the gate.
    pub warn: bool,
    /// The line of the plan the objective is written on, when known.
    pub line: Option<u64>,
    /// Judge every window of this length instead of the whole run.
    pub window: Option<WindowRule>,
}

/// `over:` — an objective every window must meet, and what a breach does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRule {
    /// The window length (whole seconds, at least 1 s). Windows are aligned
    /// to the end of the warm-up.
    pub over: std::time::Duration,
    /// Stop the run at the first breaching window.
    pub abort: bool,
    /// Windows ending before this time since the start never abort the run.
    pub after: std::time::Duration,
}

/// Why objectives could not be evaluated at all.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The objective names a request the run does not have.
    #[error(
        "SLO `{expression}` is scoped to request `{scope}`, which is not in this run (requests: {known})"
    )]
    UnknownScope {
        /// The expression as written.
        expression: String,
        /// The request name it is scoped to.
        scope: String,
        /// The request names the run has, comma-separated.
        known: String,
    },
    /// A latency histogram in the Summary could not be read.
    #[error("SLO `{expression}`: the latency histogram of `{scope}` cannot be read: {source}")]
    Histogram {
        /// The expression as written.
        expression: String,
        /// The scope whose histogram is broken.
        scope: String,
        /// What was wrong with it.
        #[source]
        source: DecodeError,
    },
}

/// Evaluates every objective against the Summary, in order.
///
/// A windowed objective (`over:`) takes its verdict from `summary.windows`,
/// where the k-th windowed objective's windows were judged during the run.
pub fn evaluate(objectives: &[Objective], summary: &Summary) -> Result<Vec<SloResult>, EvalError> {
    let mut windows = summary.windows.iter();
    objectives
        .iter()
        .map(|objective| match objective.window {
            Some(rule) => Ok(evaluate_windows(objective, rule, windows.next())),
            None => evaluate_one(objective, summary),
        })
        .collect()
}

/// A windowed objective: it fails when any window breached, has no data when
/// no window had any, and reports the first breaching window and the worst value.
fn evaluate_windows(
    objective: &Objective,
    rule: WindowRule,
    judged: Option<&WindowVerdict>,
) -> SloResult {
    let expr = &objective.expr;
    let scope = expr.scope.as_deref().unwrap_or(ALL);
    let quantity = expr.metric.quantity();
    let over = rule.over.as_secs();
    let (outcome, observed, samples, message) = match judged {
        Some(v) if v.breaches > 0 => {
            let first = v.first_breach.map_or_else(String::new, |w| {
                format!(
                    "; first in {}s–{}s at {}",
                    w.start_s,
                    w.end_s,
                    format_value(quantity, w.value)
                )
            });
            let worst = v
                .worst
                .map_or_else(String::new, |w| format_value(quantity, w));
            let message = format!(
                "{} {worst} breaches {} {} in {} of {} {over}s windows{first} ({scope}, {})",
                expr.metric,
                expr.op,
                format_value(quantity, expr.threshold),
                v.breaches,
                v.windows,
                requests_phrase(v.samples)
            );
            (SloOutcome::Fail, v.worst, v.samples, message)
        }
        Some(v) if v.windows > v.no_data => {
            let worst = v
                .worst
                .map_or_else(String::new, |w| format_value(quantity, w));
            let message = format!(
                "{} {worst} meets {} {} in every one of {} {over}s windows (worst shown; {scope}, {})",
                expr.metric,
                expr.op,
                format_value(quantity, expr.threshold),
                v.windows - v.no_data,
                requests_phrase(v.samples)
            );
            (SloOutcome::Pass, v.worst, v.samples, message)
        }
        judged => {
            let message = format!(
                "{} no data: no complete {over}s window with data ({} {} not checked)",
                expr.metric,
                expr.op,
                format_value(quantity, expr.threshold),
            );
            (
                SloOutcome::NoData,
                None,
                judged.map_or(0, |v| v.samples),
                message,
            )
        }
    };
    let judged = Judged {
        outcome,
        observed,
        samples,
        message,
    };
    result(objective, format!("{} over {over}s", expr.source), judged)
}

/// What evaluating an objective found, before warn-only is applied.
struct Judged {
    outcome: SloOutcome,
    observed: Option<f64>,
    samples: u64,
    message: String,
}

/// The result of `objective` shown as `expression`: a breach or no data of a
/// warn-only objective becomes a warning.
fn result(objective: &Objective, expression: String, judged: Judged) -> SloResult {
    let Judged {
        outcome,
        observed,
        samples,
        mut message,
    } = judged;
    let outcome = match outcome {
        SloOutcome::Fail | SloOutcome::NoData if objective.warn => {
            message.push_str("; warn only, does not fail the gate");
            SloOutcome::Warn
        }
        other => other,
    };
    let expr = &objective.expr;
    SloResult {
        expression,
        scope: expr.scope.as_deref().unwrap_or(ALL).to_string(),
        metric: expr.metric.to_string(),
        op: expr.op.to_string(),
        threshold: expr.threshold,
        observed,
        samples,
        warn_only: objective.warn,
        outcome,
        message,
        line: objective.line,
    }
}

/// What was observed for one objective.
enum Observation {
    /// A value (canonical units) resting on `samples` samples.
    Value { value: f64, samples: u64 },
    /// Nothing to judge; the text says why (`0 requests for predict`).
    NoData { why: String, samples: u64 },
}

fn evaluate_one(objective: &Objective, summary: &Summary) -> Result<SloResult, EvalError> {
    let expr = &objective.expr;
    let stats = scope_stats(expr, summary)?;
    let scope = expr.scope.as_deref().unwrap_or(ALL);
    let quantity = expr.metric.quantity();
    let observation = observe(expr, stats, scope)?;

    let (outcome, observed, samples, message) = match observation {
        Observation::Value { value, samples } => {
            let holds = expr.op.holds(value, expr.threshold);
            let (shown, threshold) = format_pair(quantity, value, expr.threshold);
            let verb = if holds { "meets" } else { "breaches" };
            let message = format!(
                "{} {shown} {verb} {} {threshold} ({scope}, {})",
                expr.metric,
                expr.op,
                requests_phrase(samples),
            );
            let outcome = if holds {
                SloOutcome::Pass
            } else {
                SloOutcome::Fail
            };
            (outcome, Some(value), samples, message)
        }
        Observation::NoData { why, samples } => {
            let message = format!(
                "{} no data: {why} ({} {} not checked)",
                expr.metric,
                expr.op,
                format_value(quantity, expr.threshold),
            );
            (SloOutcome::NoData, None, samples, message)
        }
    };
    let judged = Judged {
        outcome,
        observed,
        samples,
        message,
    };
    Ok(result(objective, expr.source.clone(), judged))
}

/// The statistics an objective applies to: overall, or one named request.
fn scope_stats<'a>(expr: &SloExpr, summary: &'a Summary) -> Result<&'a RequestStats, EvalError> {
    let Some(name) = expr.scope.as_deref() else {
        return Ok(&summary.overall);
    };
    summary.scoped(name).ok_or_else(|| EvalError::UnknownScope {
        expression: expr.source.clone(),
        scope: name.to_string(),
        known: summary.scopes(),
    })
}

fn observe(expr: &SloExpr, stats: &RequestStats, scope: &str) -> Result<Observation, EvalError> {
    let requests = stats.requests;
    let no_requests = || Observation::NoData {
        why: format!("0 requests for {scope}"),
        samples: 0,
    };
    let observation = match expr.metric.quantity() {
        Quantity::Latency => {
            let hist =
                histogram::decode(&stats.histogram).map_err(|source| EvalError::Histogram {
                    expression: expr.source.clone(),
                    scope: scope.to_string(),
                    source,
                })?;
            match latency_ms(expr.metric, &hist) {
                Some(value) => Observation::Value {
                    value,
                    samples: hist.len(),
                },
                None if requests == 0 => no_requests(),
                None => Observation::NoData {
                    why: format!(
                        "0 timed responses for {scope} (all {} failed before a response)",
                        requests_phrase(requests)
                    ),
                    samples: 0,
                },
            }
        }
        Quantity::Rate | Quantity::Throughput if requests == 0 => no_requests(),
        Quantity::Rate if expr.metric == Metric::CheckRate => {
            // Responses whose status was accepted: those the checks judged.
            let failed_before = stats.errors.total - stats.errors.expectation;
            let checked = requests.saturating_sub(failed_before);
            if checked == 0 {
                Observation::NoData {
                    why: format!("no response with an accepted status for {scope}"),
                    samples: 0,
                }
            } else {
                Observation::Value {
                    value: (checked - stats.errors.expectation.min(checked)) as f64
                        / checked as f64,
                    samples: checked,
                }
            }
        }
        Quantity::Rate => Observation::Value {
            value: stats.errors.total as f64 / requests as f64,
            samples: requests,
        },
        Quantity::Throughput => Observation::Value {
            value: stats.rps,
            samples: requests,
        },
        Quantity::Count => Observation::Value {
            value: match expr.metric {
                Metric::Errors => stats.errors.total as f64,
                Metric::Dropped => stats.dropped as f64,
                _ => requests as f64,
            },
            samples: requests + stats.dropped,
        },
    };
    // A value that is not a number cannot pass or fail honestly.
    Ok(match observation {
        Observation::Value { value, samples } if !value.is_finite() => Observation::NoData {
            why: format!("the measured {} for {scope} is not a number", expr.metric),
            samples,
        },
        other => other,
    })
}

/// A latency metric of a histogram in milliseconds; `None` when it is empty
/// or the metric is not a latency. The whole run and each window use it.
pub fn latency_ms(metric: Metric, hist: &Histogram<u64>) -> Option<f64> {
    if hist.is_empty() {
        return None;
    }
    let ms = |us: u64| us as f64 / 1000.0;
    match metric {
        Metric::Percentile(p) => histogram::percentile_ms(hist, p),
        Metric::Mean => Some(hist.mean() / 1000.0),
        Metric::Min => Some(ms(hist.min())),
        Metric::Max => Some(ms(hist.max())),
        Metric::ErrorRate
        | Metric::CheckRate
        | Metric::Errors
        | Metric::Requests
        | Metric::Rps
        | Metric::Dropped => None,
    }
}

/// `1 request`, `18,331 requests`.
fn requests_phrase(n: u64) -> String {
    if n == 1 {
        "1 request".to_string()
    } else {
        format!("{} requests", format_count(n))
    }
}

/// Summaries built from real histograms, for tests across the crate.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::{TimeZone, Utc};

    use crate::core::histogram;
    use crate::core::summary::{
        ErrorCounts, ErrorExample, ErrorKind, LoadExecuted, PlanInfo, RequestStats, SeriesPoint,
        Summary, ToolInfo,
    };

    /// Statistics for `name` from latencies in ms, with `errors` of them failed (status).
    pub(crate) fn stats(name: &str, latencies_ms: &[f64], errors: u64) -> RequestStats {
        let mut hist = histogram::new_latency();
        for ms in latencies_ms {
            histogram::record(&mut hist, (ms * 1000.0).round() as u64);
        }
        let mut counts = ErrorCounts::default();
        counts.add(ErrorKind::Status, errors);
        let requests = latencies_ms.len() as u64;
        RequestStats {
            name: name.to_string(),
            requests,
            errors: counts,
            error_examples: if errors > 0 {
                vec![ErrorExample {
                    kind: ErrorKind::Status,
                    message: "HTTP 500 Internal Server Error".to_string(),
                    count: errors,
                }]
            } else {
                Vec::new()
            },
            rps: requests as f64 / 10.0,
            dropped: 0,
            service: None,
            service_histogram: None,
            latency: histogram::summarise(&hist),
            histogram: histogram::encode(&hist),
            series: vec![SeriesPoint {
                t: 0,
                requests,
                errors,
                users: None,
                p50: None,
                p95: None,
                p99: None,
            }],
        }
    }

    /// A 10-second run over `requests`, with `overall` merged from them.
    pub(crate) fn summary(requests: Vec<RequestStats>) -> Summary {
        let mut hist = histogram::new_latency();
        let mut errors = ErrorCounts::default();
        let mut count = 0;
        for stats in &requests {
            hist.add(histogram::decode(&stats.histogram).unwrap())
                .unwrap();
            errors.merge(&stats.errors);
            count += stats.requests;
        }
        let overall = RequestStats {
            name: "all".to_string(),
            requests: count,
            errors,
            error_examples: requests
                .iter()
                .flat_map(|stats| stats.error_examples.clone())
                .collect(),
            rps: count as f64 / 10.0,
            dropped: 0,
            service: None,
            service_histogram: None,
            latency: histogram::summarise(&hist),
            histogram: histogram::encode(&hist),
            series: Vec::new(),
        };
        let start = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
        Summary {
            tool: ToolInfo {
                name: "perfgate".to_string(),
                version: "0.1.0".to_string(),
            },
            plan: PlanInfo {
                regression: Vec::new(),
                name: "predict-api".to_string(),
                file: "plans/predict.yaml".to_string(),
                hash: "ab".repeat(32),
                host: "http://127.0.0.1:5001".to_string(),
            },
            started_at: start,
            ended_at: start + chrono::Duration::seconds(10),
            partial: false,
            load: LoadExecuted {
                model: "closed".to_string(),
                users: 10,
                peak_users: 10,
                spawn_rate: 5.0,
                think_time: "0s".to_string(),
                duration_s: 10.0,
                elapsed_s: 10.0,
                warmup_s: 0.0,
                seed: 42,
                grace_s: 5.0,
                requests_started: count,
                warmup_requests: 0,
                cancelled: 0,
                cpu_s: None,
                peak_rss_bytes: None,
                open: None,
                aborted: None,
                data_end: None,
            },
            overall,
            requests,
            flows: Vec::new(),
            shard: None,
            serve: None,
            windows: Vec::new(),
        }
    }

    /// `n` latencies spread evenly over 1..=`top_ms`.
    pub(crate) fn spread(n: usize, top_ms: f64) -> Vec<f64> {
        (1..=n).map(|i| top_ms * i as f64 / n as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{spread, stats, summary};
    use super::*;
    use crate::slo::expr::parse;

    fn objective(text: &str) -> Objective {
        Objective {
            expr: parse(text).unwrap(),
            warn: false,
            line: Some(7),
            window: None,
        }
    }

    fn one(text: &str, summary: &Summary) -> SloResult {
        evaluate(&[objective(text)], summary).unwrap().remove(0)
    }

    /// predict: 1,000 requests over 1..=400 ms, 20 failed; health: 100 requests over 1..=10 ms.
    fn run() -> Summary {
        summary(vec![
            stats("predict", &spread(1000, 400.0), 20),
            stats("health", &spread(100, 10.0), 0),
        ])
    }

    #[test]
    fn pass_and_breach_messages() {
        let s = run();
        let r = one("predict.p95 < 300ms", &s);
        assert_eq!(r.outcome, SloOutcome::Fail);
        assert_eq!(r.scope, "predict");
        assert_eq!(r.samples, 1000);
        assert_eq!(r.line, Some(7));
        let observed = r.observed.unwrap();
        assert!((observed - 380.0).abs() < 1.0, "{observed}");
        assert_eq!(
            r.message,
            format!(
                "p95 {} breaches < 300 ms (predict, 1,000 requests)",
                crate::core::format::format_ms(observed)
            )
        );

        let r = one("p95 < 1s", &s);
        assert_eq!(r.outcome, SloOutcome::Pass);
        assert_eq!(r.scope, "all");
        assert_eq!(r.samples, 1100);
        assert!(
            r.message
                .contains(" meets < 1,000 ms (all, 1,100 requests)"),
            "{}",
            r.message
        );
        assert_eq!(r.metric, "p95");
        assert_eq!(r.op, "<");
        assert_eq!(r.threshold, 1000.0);
        assert_eq!(r.expression, "p95 < 1s");
    }

    #[test]
    fn fractional_percentiles_and_latency_metrics() {
        let s = run();
        let r = one("predict.p99.9 < 500ms", &s);
        assert_eq!(r.outcome, SloOutcome::Pass);
        assert!(
            (r.observed.unwrap() - 399.6).abs() < 1.0,
            "{:?}",
            r.observed
        );
        assert!(r.message.starts_with("p99.9 "), "{}", r.message);

        // HDR reports the highest value of the bucket (3 significant figures):
        // conservative, so a maximum of exactly 10 ms reads 10.01 ms.
        let r = one("health.max <= 10ms", &s);
        assert_eq!(r.outcome, SloOutcome::Fail, "{}", r.message);
        assert_eq!(
            r.message,
            "max 10.01 ms breaches <= 10 ms (health, 100 requests)"
        );
        let r = one("health.max < 10.1ms", &s);
        assert_eq!(r.outcome, SloOutcome::Pass, "{}", r.message);
        let r = one("health.min >= 0.1ms", &s);
        assert_eq!(r.outcome, SloOutcome::Pass, "{}", r.message);
        assert!((r.observed.unwrap() - 0.1).abs() < 0.001);
        let r = one("health.mean < 5ms", &s);
        assert_eq!(r.outcome, SloOutcome::Fail, "{}", r.message);
        assert!((r.observed.unwrap() - 5.05).abs() < 0.01);
    }

    #[test]
    fn rates_counts_and_throughput() {
        let s = run();
        let r = one("error_rate < 1%", &s);
        assert_eq!(r.outcome, SloOutcome::Fail);
        assert_eq!(r.observed, Some(20.0 / 1100.0));
        assert_eq!(
            r.message,
            "error_rate 1.82% breaches < 1% (all, 1,100 requests)"
        );
        let r = one("health.error_rate == 0%", &s);
        assert_eq!(r.outcome, SloOutcome::Pass);
        let r = one("errors <= 20", &s);
        assert_eq!(r.outcome, SloOutcome::Pass);
        assert_eq!(r.message, "errors 20 meets <= 20 (all, 1,100 requests)");
        let r = one("requests > 1000", &s);
        assert_eq!(r.outcome, SloOutcome::Pass);
        assert_eq!(r.observed, Some(1100.0));
        let r = one("rps >= 200/s", &s);
        assert_eq!(r.outcome, SloOutcome::Fail);
        assert_eq!(
            r.message,
            "rps 110/s breaches >= 200/s (all, 1,100 requests)"
        );
    }

    #[test]
    fn every_operator() {
        let s = run();
        let cases = [
            ("requests < 1100", false),
            ("requests <= 1100", true),
            ("requests > 1100", false),
            ("requests >= 1100", true),
            ("requests == 1100", true),
            ("requests != 1100", false),
            ("health.requests != 1100", true),
        ];
        for (text, holds) in cases {
            let r = one(text, &s);
            let expected = if holds {
                SloOutcome::Pass
            } else {
                SloOutcome::Fail
            };
            assert_eq!(r.outcome, expected, "{text}: {}", r.message);
        }
    }

    #[test]
    fn no_data_for_every_kind() {
        let s = summary(vec![stats("predict", &[], 0)]);
        for text in [
            "p95 < 300ms",
            "predict.p99.9 < 1s",
            "mean < 1s",
            "min < 1s",
            "max < 1s",
            "error_rate < 1%",
            "rps > 1",
        ] {
            let r = one(text, &s);
            assert_eq!(r.outcome, SloOutcome::NoData, "{text}");
            assert_eq!(r.observed, None);
            assert_eq!(r.samples, 0);
            let scope = if text.starts_with("predict") {
                "predict"
            } else {
                "all"
            };
            assert!(
                r.message
                    .contains(&format!("no data: 0 requests for {scope}")),
                "{text}: {}",
                r.message
            );
        }
        // A count of zero is data.
        let r = one("errors == 0", &s);
        assert_eq!(r.outcome, SloOutcome::Pass);
        assert_eq!(r.observed, Some(0.0));
        let r = one("requests > 0", &s);
        assert_eq!(r.outcome, SloOutcome::Fail);
        assert_eq!(r.message, "requests 0 breaches > 0 (all, 0 requests)");
    }

    #[test]
    fn no_timed_responses_is_no_data() {
        let mut s = run();
        s.requests[1].histogram = String::new();
        let r = one("health.p50 < 1s", &s);
        assert_eq!(r.outcome, SloOutcome::NoData);
        assert!(
            r.message.contains("0 timed responses for health"),
            "{}",
            r.message
        );
    }

    #[test]
    fn non_finite_observations_are_no_data() {
        let mut s = run();
        s.overall.rps = f64::NAN;
        let r = one("rps > 1", &s);
        assert_eq!(r.outcome, SloOutcome::NoData);
        assert_eq!(r.observed, None);
    }

    #[test]
    fn warn_only_never_fails() {
        let s = run();
        let mut o = objective("max < 100ms");
        o.warn = true;
        let r = evaluate(&[o.clone()], &s).unwrap().remove(0);
        assert_eq!(r.outcome, SloOutcome::Warn);
        assert!(r.warn_only);
        assert!(r.message.contains("breaches < 100 ms"), "{}", r.message);
        assert!(r.message.ends_with("warn only, does not fail the gate"));

        let empty = summary(vec![stats("predict", &[], 0)]);
        let r = evaluate(&[o.clone()], &empty).unwrap().remove(0);
        assert_eq!(r.outcome, SloOutcome::Warn);
        assert!(r.message.contains("no data"), "{}", r.message);

        o.expr = parse("max < 1s").unwrap();
        let r = evaluate(&[o], &s).unwrap().remove(0);
        assert_eq!(r.outcome, SloOutcome::Pass);
        assert!(r.warn_only);
    }

    #[test]
    fn errors_name_the_problem() {
        let s = run();
        let err = evaluate(&[objective("search.p95 < 1s")], &s).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`search`"), "{text}");
        assert!(text.contains("predict, health"), "{text}");

        let mut s = run();
        s.requests[0].histogram = "not base64!".to_string();
        let err = evaluate(&[objective("predict.p95 < 1s")], &s).unwrap_err();
        assert!(matches!(err, EvalError::Histogram { .. }), "{err}");
        // Non-latency objectives do not need the histogram.
        assert!(evaluate(&[objective("predict.errors < 100")], &s).is_ok());
    }

    #[test]
    fn evaluates_in_order() {
        let s = run();
        let results = evaluate(&[objective("p50 < 1s"), objective("health.p50 < 1s")], &s).unwrap();
        let scopes: Vec<_> = results.iter().map(|r| r.scope.as_str()).collect();
        assert_eq!(scopes, ["all", "health"]);
    }
}
