//! A regression rule: `[request.]metric ±N%` or `error_rate +Npp`.
//!
//! `p95 +10%` fails when p95 got worse than the baseline's by more than 10%;
//! `rps -5%` when throughput fell by more than 5%; `error_rate +0.5pp` when the
//! error rate rose by more than half a percentage point.

use std::fmt;

use crate::core::scope::{FLOW_PREFIX, is_request_name};
use crate::core::suggest::nearest;
use crate::slo::expr::{Metric, parse_metric, split_scope};

/// What a rule compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleMetric {
    /// The latency at a percentile in (0, 100); worse when higher.
    Percentile(f64),
    /// Errors divided by requests; worse when higher.
    ErrorRate,
    /// Requests per second; worse when lower.
    Rps,
}

impl RuleMetric {
    /// Whether a higher value is worse (latency, errors) rather than better (throughput).
    pub fn worse_when_higher(self) -> bool {
        !matches!(self, RuleMetric::Rps)
    }

    /// The unit of its figures: `ms`, `ratio` (a fraction) or `/s`.
    pub fn unit(self) -> &'static str {
        match self {
            RuleMetric::Percentile(_) => "ms",
            RuleMetric::ErrorRate => "ratio",
            RuleMetric::Rps => "/s",
        }
    }
}

impl fmt::Display for RuleMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleMetric::Percentile(p) => write!(f, "p{p}"),
            RuleMetric::ErrorRate => f.write_str("error_rate"),
            RuleMetric::Rps => f.write_str("rps"),
        }
    }
}

/// How much worse a metric may get.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowance {
    /// Relative to the baseline, as a fraction: `10%` is 0.1.
    Relative(f64),
    /// Absolute, in the metric's unit; rates only (`0.5pp` is 0.005).
    Points(f64),
}

impl Allowance {
    /// The allowance as written in the rule's terms: 0.1 for `+10%`, 0.005
    /// for `+0.5pp`.
    pub fn amount(self) -> f64 {
        match self {
            Allowance::Relative(f) | Allowance::Points(f) => f,
        }
    }

    /// The worst acceptable value for a baseline value `base`, in the direction
    /// in which the metric gets worse.
    pub fn limit(self, base: f64, worse_when_higher: bool) -> f64 {
        let sign = if worse_when_higher { 1.0 } else { -1.0 };
        match self {
            Allowance::Relative(f) => base * (1.0 + sign * f),
            Allowance::Points(p) => base + sign * p,
        }
    }
}

/// A parsed regression rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The request name it is scoped to; `None` means all requests together.
    pub scope: Option<String>,
    /// The metric compared.
    pub metric: RuleMetric,
    /// How much worse it may get.
    pub allowance: Allowance,
    /// The rule as written (whitespace normalised).
    pub source: String,
}

/// Why a regression rule could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid regression rule `{rule}`: {reason}")]
pub struct RuleParseError {
    /// The rule as written.
    pub rule: String,
    /// What was expected.
    pub reason: String,
}

const RULE_HELP: &str = "expected `[request.]metric +N%` (e.g. `p95 +10%`, `predict.p99 +15%`, \
     `rps -5%`, `error_rate +0.5pp`)";

/// Parses one regression rule.
pub fn parse(input: &str) -> Result<Rule, RuleParseError> {
    let source = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let fail = |reason: String| RuleParseError {
        rule: source.clone(),
        reason,
    };
    let Some(at) = input.rfind(['+', '-']) else {
        return Err(fail(RULE_HELP.to_string()));
    };
    let (lhs, rhs) = (input[..at].trim(), input[at..].trim());
    if lhs.is_empty() {
        return Err(fail(format!("missing metric; {RULE_HELP}")));
    }
    let (scope, metric_text) = split_scope(lhs);
    if let Some(scope) = scope
        && !is_request_name(scope.strip_prefix(FLOW_PREFIX).unwrap_or(scope))
    {
        return Err(fail(format!(
            "`{scope}` is not a request name or `flow.` and a flow name (letters, digits, `_` and `-` only)"
        )));
    }
    let metric = rule_metric(metric_text).map_err(fail)?;
    let allowance = parse_allowance(metric, rhs).map_err(fail)?;
    Ok(Rule {
        scope: scope.map(str::to_string),
        metric,
        allowance,
        source,
    })
}

/// The metric of a rule: a percentile below 100, `error_rate` or `rps`.
fn rule_metric(text: &str) -> Result<RuleMetric, String> {
    let unsupported = |what: &str| {
        let mut message = format!(
            "`{text}` cannot be a regression rule: {what}; use a percentile (p50 .. p99.9), \
             error_rate or rps"
        );
        if let Some(name) = nearest(text, ["p50", "p95", "p99", "error_rate", "rps"]) {
            message.push_str(&format!(" (did you mean `{name}`?)"));
        }
        message
    };
    match parse_metric(text) {
        Ok(Metric::Percentile(p)) if p < 100.0 => Ok(RuleMetric::Percentile(p)),
        Ok(Metric::ErrorRate) => Ok(RuleMetric::ErrorRate),
        Ok(Metric::Rps) => Ok(RuleMetric::Rps),
        Ok(Metric::Percentile(_) | Metric::Max | Metric::Min) => Err(unsupported(
            "an extreme has no confidence interval, so a change in it cannot be told from noise",
        )),
        Ok(_) => Err(unsupported("it has no noise-aware comparison")),
        Err(_) => Err(unsupported("it is not a metric")),
    }
}

/// Parses `+10%`, `-5%` or `+0.5pp`, checking the sign is the direction in
/// which `metric` gets worse.
fn parse_allowance(metric: RuleMetric, rhs: &str) -> Result<Allowance, String> {
    let (sign, rest) = rhs.split_at(1);
    let worse = if metric.worse_when_higher() { "+" } else { "-" };
    if sign != worse {
        let (what, example) = if metric.worse_when_higher() {
            ("a rise", format!("{metric} +10%"))
        } else {
            ("a fall", format!("{metric} -5%"))
        };
        return Err(format!(
            "`{metric}` gets worse by {what}, so its rule starts with `{worse}` (e.g. `{example}`)"
        ));
    }
    let rest = rest.trim();
    let split = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, unit) = rest.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{rhs}` is not a signed number with a unit; {RULE_HELP}"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("`{rhs}` is not a finite allowance"));
    }
    match (unit.trim(), metric) {
        ("%", _) => Ok(Allowance::Relative(value / 100.0)),
        ("pp", RuleMetric::ErrorRate) => Ok(Allowance::Points(value / 100.0)),
        ("pp", _) => Err(format!(
            "percentage points (`pp`) apply to rates only; write `{metric} {sign}{value}%`"
        )),
        ("", _) => Err(format!(
            "the allowance needs a unit: `%` of the baseline, or `pp` for error_rate \
             (e.g. `{metric} {sign}{value}%`)"
        )),
        (other, _) => {
            let hint = nearest(other, ["%", "pp"])
                .map(|u| format!(" (did you mean `{u}`?)"))
                .unwrap_or_default();
            Err(format!("unknown unit `{other}`; use `%` or `pp`{hint}"))
        }
    }
}

impl<'de> serde::Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Rule {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RegressionRule".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`[request.]metric +N%` (pN, error_rate; worse when higher), `rps -N%` (worse when lower), or `error_rate +Npp` (percentage points). Judged against a baseline report with confidence intervals.",
            "pattern": "[+-]"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rules_of_the_issue() {
        let r = parse("p95 +10%").unwrap();
        assert_eq!(r.metric, RuleMetric::Percentile(95.0));
        assert_eq!(r.allowance, Allowance::Relative(0.1));
        assert_eq!(r.scope, None);
        let r = parse("predict.p99 +15%").unwrap();
        assert_eq!(r.scope.as_deref(), Some("predict"));
        assert_eq!(r.metric, RuleMetric::Percentile(99.0));
        let r = parse("rps -5%").unwrap();
        assert_eq!(r.metric, RuleMetric::Rps);
        assert_eq!(r.allowance, Allowance::Relative(0.05));
        let r = parse("error_rate +0.5pp").unwrap();
        assert_eq!(r.allowance, Allowance::Points(0.005));
        assert_eq!(
            parse("p99.9 +20%").unwrap().metric,
            RuleMetric::Percentile(99.9)
        );
        assert_eq!(
            parse("my-req.p90 +5%").unwrap().scope.as_deref(),
            Some("my-req")
        );
    }

    #[test]
    fn rules_can_name_flows() {
        let r = parse("flow.session.p95 +10%").unwrap();
        assert_eq!(r.scope.as_deref(), Some("flow.session"));
        assert_eq!(r.metric, RuleMetric::Percentile(95.0));
        let e = parse("flow.a b.p95 +10%").unwrap_err().to_string();
        assert!(e.contains("not a request name or `flow.`"), "{e}");
    }

    #[test]
    fn limits_go_the_way_the_metric_gets_worse() {
        assert!((Allowance::Relative(0.1).limit(20.0, true) - 22.0).abs() < 1e-9);
        assert!((Allowance::Relative(0.05).limit(100.0, false) - 95.0).abs() < 1e-9);
        assert!((Allowance::Points(0.005).limit(0.01, true) - 0.015).abs() < 1e-12);
    }

    #[test]
    fn explains_mistakes_with_a_suggestion() {
        let e = parse("p59x +10%").unwrap_err().to_string();
        assert!(e.contains("not a metric"), "{e}");
        let e = parse("eror_rate +1pp").unwrap_err().to_string();
        assert!(e.contains("did you mean `error_rate`?"), "{e}");
        let e = parse("p95 -10%").unwrap_err().to_string();
        assert!(e.contains("starts with `+`"), "{e}");
        let e = parse("rps +5%").unwrap_err().to_string();
        assert!(e.contains("starts with `-`"), "{e}");
        let e = parse("p95 +10").unwrap_err().to_string();
        assert!(e.contains("needs a unit"), "{e}");
        let e = parse("p95 +10pp").unwrap_err().to_string();
        assert!(e.contains("rates only"), "{e}");
        let e = parse("max +10%").unwrap_err().to_string();
        assert!(e.contains("extreme"), "{e}");
        let e = parse("p95 < 10ms").unwrap_err().to_string();
        assert!(e.contains("expected `[request.]metric +N%`"), "{e}");
        let e = parse("p95 +10pq").unwrap_err().to_string();
        assert!(e.contains("unknown unit `pq`"), "{e}");
    }
}
