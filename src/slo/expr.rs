//! The SLO expression grammar: `[scope.]metric op value[unit]`.
//!
//! Examples: `p95 < 300ms`, `predict.p99.9 <= 1s`, `error_rate < 1%`, `rps >= 20/s`.
//! Latency thresholds are held in milliseconds, rates as fractions (1% = 0.01),
//! throughput in requests per second and counts as plain numbers.

use std::fmt;

use crate::core::format::Quantity;
use crate::core::scope::{FLOW_PREFIX, is_request_name};
use crate::core::suggest::nearest;

/// A metric an SLO can be stated on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// The latency at a percentile in (0, 100].
    Percentile(f64),
    /// Mean latency.
    Mean,
    /// Smallest latency.
    Min,
    /// Largest latency.
    Max,
    /// Errors divided by requests.
    ErrorRate,
    /// The share of responses with an accepted status that passed their
    /// checks (`expect.json`, `body_contains`, `header`, …).
    CheckRate,
    /// Number of failed requests.
    Errors,
    /// Number of requests.
    Requests,
    /// Requests per second over the measured window.
    Rps,
    /// Open-model arrivals dropped because `max_in_flight` was reached.
    Dropped,
}

impl Metric {
    /// The kind of quantity this metric measures.
    pub fn quantity(self) -> Quantity {
        match self {
            Metric::Percentile(_) | Metric::Mean | Metric::Min | Metric::Max => Quantity::Latency,
            Metric::ErrorRate | Metric::CheckRate => Quantity::Rate,
            Metric::Errors | Metric::Requests | Metric::Dropped => Quantity::Count,
            Metric::Rps => Quantity::Throughput,
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Percentile(p) => write!(f, "p{p}"),
            Metric::Mean => f.write_str("mean"),
            Metric::Min => f.write_str("min"),
            Metric::Max => f.write_str("max"),
            Metric::ErrorRate => f.write_str("error_rate"),
            Metric::CheckRate => f.write_str("check_rate"),
            Metric::Errors => f.write_str("errors"),
            Metric::Requests => f.write_str("requests"),
            Metric::Dropped => f.write_str("dropped"),
            Metric::Rps => f.write_str("rps"),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Whether `observed op threshold` holds.
    pub fn holds(self, observed: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => observed < threshold,
            Op::Le => observed <= threshold,
            Op::Gt => observed > threshold,
            Op::Ge => observed >= threshold,
            Op::Eq => observed == threshold,
            Op::Ne => observed != threshold,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        })
    }
}

/// A parsed SLO expression.
#[derive(Debug, Clone, PartialEq)]
pub struct SloExpr {
    /// The request name it is scoped to; `None` means all requests together.
    pub scope: Option<String>,
    /// The metric.
    pub metric: Metric,
    /// The comparison.
    pub op: Op,
    /// The threshold in canonical units (ms, fraction, count, per second).
    pub threshold: f64,
    /// The expression as written (whitespace normalised).
    pub source: String,
}

/// Why an SLO expression could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid SLO `{expression}`: {reason}")]
pub struct SloParseError {
    /// The expression as written.
    pub expression: String,
    /// What was expected.
    pub reason: String,
}

const METRIC_HELP: &str = "pN (e.g. p95, p99.9), mean, min, max, error_rate, check_rate, errors, requests, rps or dropped";

/// Parses one SLO expression.
pub fn parse(input: &str) -> Result<SloExpr, SloParseError> {
    let source = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let fail = |reason: String| SloParseError {
        expression: source.clone(),
        reason,
    };
    let (lhs, op, rhs) = split_op(input).ok_or_else(|| {
        fail("expected `[request.]metric OP value`, with OP one of < <= > >= == != (e.g. `p95 < 300ms`)".into())
    })?;
    let lhs = lhs.trim();
    let rhs = rhs.trim();
    if lhs.is_empty() {
        return Err(fail(format!(
            "missing metric before `{op}`; expected {METRIC_HELP}"
        )));
    }
    let (scope, metric_text) = split_scope(lhs);
    if let Some(scope) = scope
        && !is_request_name(scope.strip_prefix(FLOW_PREFIX).unwrap_or(scope))
    {
        return Err(fail(format!(
            "`{scope}` is not a request name or `flow.` and a flow name (letters, digits, `_` and `-` only)"
        )));
    }
    let metric = parse_metric(metric_text).map_err(fail)?;
    let threshold = parse_value(metric, rhs).map_err(fail)?;
    Ok(SloExpr {
        scope: scope.map(str::to_string),
        metric,
        op,
        threshold,
        source,
    })
}

fn split_op(input: &str) -> Option<(&str, Op, &str)> {
    let at = input.find(['<', '>', '=', '!'])?;
    let rest = &input[at..];
    let (op, len) = if rest.starts_with("<=") {
        (Op::Le, 2)
    } else if rest.starts_with(">=") {
        (Op::Ge, 2)
    } else if rest.starts_with("==") {
        (Op::Eq, 2)
    } else if rest.starts_with("!=") {
        (Op::Ne, 2)
    } else if rest.starts_with('<') {
        (Op::Lt, 1)
    } else if rest.starts_with('>') {
        (Op::Gt, 1)
    } else {
        return None;
    };
    Some((&input[..at], op, &input[at + len..]))
}

/// Splits `predict.p99.9` into (`predict`, `p99.9`) and `flow.login.p95`
/// into (`flow.login`, `p95`); a bare metric has no scope.
pub(crate) fn split_scope(lhs: &str) -> (Option<&str>, &str) {
    if let Some(rest) = lhs.strip_prefix(FLOW_PREFIX) {
        let end = FLOW_PREFIX.len() + rest.find('.').unwrap_or(rest.len());
        return (Some(&lhs[..end]), lhs.get(end + 1..).unwrap_or_default());
    }
    match lhs.split_once('.') {
        // `p99.9` alone is a metric, not scope `p99` + metric `9`.
        Some((head, tail)) if parse_metric(lhs).is_err() || tail.is_empty() => (Some(head), tail),
        Some((head, tail)) if parse_metric(head).is_err() => (Some(head), tail),
        _ => (None, lhs),
    }
}

pub(crate) fn parse_metric(text: &str) -> Result<Metric, String> {
    let metric = match text {
        "mean" | "avg" => Metric::Mean,
        "min" => Metric::Min,
        "max" => Metric::Max,
        "error_rate" => Metric::ErrorRate,
        "check_rate" => Metric::CheckRate,
        "errors" => Metric::Errors,
        "requests" => Metric::Requests,
        "dropped" => Metric::Dropped,
        "rps" => Metric::Rps,
        _ => {
            let Some(number) = text.strip_prefix('p') else {
                return Err(unknown_metric(text));
            };
            let p: f64 = number.parse().map_err(|_| unknown_metric(text))?;
            if !(p > 0.0 && p <= 100.0) {
                return Err(format!(
                    "percentile `{text}` is out of range: N in pN must be in (0, 100]"
                ));
            }
            Metric::Percentile(p)
        }
    };
    Ok(metric)
}

fn unknown_metric(text: &str) -> String {
    const NAMES: [&str; 9] = [
        "p50",
        "p95",
        "p99",
        "mean",
        "min",
        "max",
        "error_rate",
        "errors",
        "requests",
    ];
    let mut message = format!("unknown metric `{text}`; expected {METRIC_HELP}");
    let names = NAMES
        .iter()
        .copied()
        .chain(["rps", "dropped", "check_rate"]);
    if let Some(name) = nearest(text, names) {
        message.push_str(&format!(" (did you mean `{name}`?)"));
    }
    message
}

fn parse_value(metric: Metric, rhs: &str) -> Result<f64, String> {
    if rhs.is_empty() {
        return Err(format!(
            "missing threshold after the operator for `{metric}`"
        ));
    }
    let split = rhs
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(rhs.len());
    let (number, unit) = rhs.split_at(split);
    let unit = unit.trim();
    let value: f64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{rhs}` is not a number with an optional unit"))?;
    if !value.is_finite() {
        return Err(format!("`{rhs}` is not a finite number"));
    }
    match (metric.quantity(), unit) {
        (Quantity::Latency, "us" | "µs") => Ok(value / 1000.0),
        (Quantity::Latency, "ms") => Ok(value),
        (Quantity::Latency, "s") => Ok(value * 1000.0),
        (Quantity::Latency, "") => Err(format!(
            "`{metric}` is a latency and needs a unit: us, ms or s (e.g. `{metric} < {value}ms`)"
        )),
        (Quantity::Rate, "%") if value <= 100.0 => Ok(value / 100.0),
        (Quantity::Rate, "") if value <= 1.0 => Ok(value),
        (Quantity::Rate, "%" | "") => Err(format!(
            "`{rhs}` is not a rate: use a percentage up to 100% or a fraction up to 1"
        )),
        (Quantity::Throughput, "/s" | "") => Ok(value),
        (Quantity::Count, "") => Ok(value),
        (quantity, unit) => Err(format!(
            "unit `{unit}` does not fit `{metric}`; {}",
            match quantity {
                Quantity::Latency => "use us, ms or s",
                Quantity::Rate => "use % (e.g. `error_rate < 1%`)",
                Quantity::Throughput => "use /s (e.g. `rps >= 20/s`) or a bare number",
                Quantity::Count => "a count takes a bare number (e.g. `errors < 10`)",
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_latency_with_units() {
        let e = parse("p95 < 300ms").unwrap();
        assert_eq!(e.metric, Metric::Percentile(95.0));
        assert_eq!(e.op, Op::Lt);
        assert_eq!(e.threshold, 300.0);
        assert_eq!(e.scope, None);
        assert_eq!(parse("max<2s").unwrap().threshold, 2000.0);
        assert_eq!(parse("min >= 250us").unwrap().threshold, 0.25);
    }

    #[test]
    fn parses_fractional_percentiles_and_scopes() {
        let e = parse("p99.9 < 1s").unwrap();
        assert_eq!(e.metric, Metric::Percentile(99.9));
        assert_eq!(e.scope, None);
        let e = parse("predict.p99.9 <= 500ms").unwrap();
        assert_eq!(e.scope.as_deref(), Some("predict"));
        assert_eq!(e.metric, Metric::Percentile(99.9));
        assert_eq!(e.op, Op::Le);
        let e = parse("health-check.error_rate == 0%").unwrap();
        assert_eq!(e.scope.as_deref(), Some("health-check"));
        assert_eq!(e.metric, Metric::ErrorRate);
        let e = parse("flow.checkout.p99.9 < 2s").unwrap();
        assert_eq!(e.scope.as_deref(), Some("flow.checkout"));
        assert_eq!(e.metric, Metric::Percentile(99.9));
        let e = parse("flow.checkout < 2s").unwrap_err().to_string();
        assert!(e.contains("metric"), "{e}");
    }

    #[test]
    fn parses_rates_counts_and_throughput() {
        assert_eq!(parse("error_rate < 1%").unwrap().threshold, 0.01);
        assert_eq!(parse("error_rate < 0.02").unwrap().threshold, 0.02);
        assert_eq!(parse("rps >= 20/s").unwrap().threshold, 20.0);
        assert_eq!(parse("rps >= 20").unwrap().threshold, 20.0);
        assert_eq!(parse("errors != 3").unwrap().op, Op::Ne);
        assert_eq!(parse("requests > 1_000").unwrap().threshold, 1000.0);
    }

    #[test]
    fn rejects_bad_expressions_with_reasons() {
        let cases = [
            ("p95 300ms", "OP one of"),
            ("p95 < 300", "needs a unit"),
            ("p101 < 1s", "out of range"),
            ("p0 < 1s", "out of range"),
            ("p9x < 1s", "unknown metric"),
            ("latncy < 1s", "unknown metric"),
            ("error_rate < 150%", "not a rate"),
            ("error_rate < 1ms", "does not fit"),
            ("rps > 5ms", "does not fit"),
            ("errors < 1%", "does not fit"),
            ("p95 <", "missing threshold"),
            ("< 3ms", "missing metric"),
            ("bad name.p95 < 1s", "not a request name"),
            ("p95 < abc", "not a number"),
        ];
        for (input, fragment) in cases {
            let err = parse(input).expect_err(input);
            assert!(
                err.to_string().contains(fragment),
                "{input}: `{err}` lacks `{fragment}`"
            );
        }
    }

    #[test]
    fn suggests_the_nearest_metric() {
        let err = parse("eror_rate < 1%").unwrap_err();
        assert!(err.reason.contains("did you mean `error_rate`"), "{err}");
    }

    #[test]
    fn operators_compare() {
        assert!(Op::Lt.holds(1.0, 2.0));
        assert!(!Op::Lt.holds(2.0, 2.0));
        assert!(Op::Le.holds(2.0, 2.0));
        assert!(Op::Gt.holds(3.0, 2.0));
        assert!(Op::Ge.holds(2.0, 2.0));
        assert!(Op::Eq.holds(2.0, 2.0));
        assert!(Op::Ne.holds(1.0, 2.0));
    }
}
