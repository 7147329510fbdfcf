//! Evaluation: each objective against the Summary, giving an [`SloResult`].
//!
//! No data is never a silent pass: a latency objective over an empty histogram,
//! or a rate or throughput over zero requests, comes out as
//! [`SloOutcome::NoData`], which fails the gate unless the objective is warn-only.

use hdrhistogram::Histogram;

use super::expr::{Metric, SloExpr};
use super::value::{Sample, value};
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
    let quantity = expr.metric.quantity();
    let hist =
        match quantity {
            Quantity::Latency => Some(histogram::decode(&stats.histogram).map_err(|source| {
                EvalError::Histogram {
                    expression: expr.source.clone(),
                    scope: scope.to_string(),
                    source,
                }
            })?),
            _ => None,
        };
    let sample = Sample {
        requests,
        errors: stats.errors.total,
        failed_checks: Some(stats.errors.expectation),
        dropped: Some(stats.dropped),
        rps: stats.rps,
        latency: hist.as_ref(),
    };
    let no_requests = || Observation::NoData {
        why: format!("0 requests for {scope}"),
        samples: 0,
    };
    let observation = match (quantity, value(expr.metric, &sample)) {
        (Quantity::Rate | Quantity::Throughput, _) if requests == 0 => no_requests(),
        (_, Some(value)) => Observation::Value {
            value,
            samples: match quantity {
                Quantity::Latency => hist.as_ref().map_or(0, Histogram::len),
                Quantity::Count => requests + stats.dropped,
                // Responses whose status was accepted: those the checks judged.
                Quantity::Rate if expr.metric == Metric::CheckRate => {
                    requests.saturating_sub(stats.errors.total - stats.errors.expectation)
                }
                Quantity::Rate | Quantity::Throughput => requests,
            },
        },
        (Quantity::Latency, None) if requests == 0 => no_requests(),
        (Quantity::Latency, None) => Observation::NoData {
            why: format!(
                "0 timed responses for {scope} (all {} failed before a response)",
                requests_phrase(requests)
            ),
            samples: 0,
        },
        (_, None) => Observation::NoData {
            why: format!("no response with an accepted status for {scope}"),
            samples: 0,
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

/// `1 request`, `18,331 requests`.
fn requests_phrase(n: u64) -> String {
    if n == 1 {
        "1 request".to_string()
    } else {
        format!("{} requests", format_count(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};
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
