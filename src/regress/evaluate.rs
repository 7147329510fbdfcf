//! Judging regression rules: a baseline and a new run, each rule's metric
//! estimated with its confidence interval on both sides, and a verdict that
//! tells a real change from noise.
//!
//! With `limit(x)` the worst acceptable new value for a baseline value `x`
//! (`x·1.1` for `p95 +10%`, `x·0.95` for `rps -5%`, `x+0.005` for
//! `error_rate +0.5pp`), a rule whose metric gets worse when it rises
//! * **fails** when the new value is beyond `limit(base)` *and* the new
//!   interval's lower end is beyond `limit` of the baseline interval's upper
//!   end: the regression exceeds the allowance even in the most favourable
//!   reading of both samples;
//! * **passes** when the new interval's upper end is within `limit` of the
//!   baseline interval's lower end: credibly within the allowance;
//! * is **inconclusive** otherwise, or when either side has too few samples
//!   for an interval. Throughput mirrors this (worse when it falls).

use super::interval::{self, Estimate};
use super::rule::{Allowance, Rule, RuleMetric};
use crate::core::histogram;
use crate::core::regression::{Figure, RegressionOutcome, RegressionResult, change, figure};
use crate::core::summary::{RequestStats, Summary};

/// Why a rule could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum RegressError {
    /// The rule names a request a report does not have.
    #[error(
        "regression rule `{rule}` names request `{scope}`, which the {side} report does not have"
    )]
    UnknownScope {
        /// The rule as written.
        rule: String,
        /// The request name.
        scope: String,
        /// `baseline` or `new`.
        side: &'static str,
    },
    /// A histogram in a report does not decode.
    #[error("the {side} report's histogram of `{scope}` is unreadable: {source}")]
    Histogram {
        /// The request name.
        scope: String,
        /// `baseline` or `new`.
        side: &'static str,
        /// The decoding error.
        #[source]
        source: histogram::DecodeError,
    },
}

/// Judges every rule of `rules` between `baselines` (one report, or several of
/// which, per rule, the one with the median value is used) and `new`.
pub fn evaluate(
    rules: &[Rule],
    baselines: &[&Summary],
    new: &Summary,
    confidence: f64,
) -> Result<Vec<RegressionResult>, RegressError> {
    let z = interval::z_for(confidence);
    rules
        .iter()
        .map(|rule| {
            let mut bases = baselines
                .iter()
                .map(|b| estimate(rule, b, z, "baseline"))
                .collect::<Result<Vec<_>, _>>()?;
            bases.sort_by(|a, b| a.point.total_cmp(&b.point));
            let new = estimate(rule, new, z, "new")?;
            let base = bases.get(bases.len().saturating_sub(1) / 2).copied();
            let base = base.unwrap_or(Estimate {
                point: 0.0,
                interval: None,
                samples: 0,
            });
            Ok(judge(rule, base, new, confidence))
        })
        .collect()
}

/// The rule's metric in one report, with its interval.
fn estimate(
    rule: &Rule,
    summary: &Summary,
    z: f64,
    side: &'static str,
) -> Result<Estimate, RegressError> {
    let stats = stats_for(rule, summary, side)?;
    Ok(match rule.metric {
        RuleMetric::Percentile(p) => {
            let hist =
                histogram::decode(&stats.histogram).map_err(|source| RegressError::Histogram {
                    scope: stats.name.clone(),
                    side,
                    source,
                })?;
            interval::quantile(&hist, p / 100.0, z)
        }
        RuleMetric::ErrorRate => interval::wilson(stats.errors.total, stats.requests, z),
        RuleMetric::Rps => {
            let seconds = if stats.rps > 0.0 {
                stats.requests as f64 / stats.rps
            } else {
                0.0
            };
            interval::poisson_rate(stats.requests, seconds, z)
        }
    })
}

/// The statistics a rule reads: its request's or flow's, or the overall ones.
fn stats_for<'a>(
    rule: &Rule,
    summary: &'a Summary,
    side: &'static str,
) -> Result<&'a RequestStats, RegressError> {
    match &rule.scope {
        None => Ok(&summary.overall),
        Some(scope) => summary
            .scoped(scope)
            .ok_or_else(|| RegressError::UnknownScope {
                rule: rule.source.clone(),
                scope: scope.clone(),
                side,
            }),
    }
}

/// The verdict of one rule from both estimates.
pub fn judge(rule: &Rule, base: Estimate, new: Estimate, confidence: f64) -> RegressionResult {
    let higher_is_worse = rule.metric.worse_when_higher();
    let limit = |x: f64| rule.allowance.limit(x, higher_is_worse);
    let beyond = |value: f64, limit: f64| {
        if higher_is_worse {
            value > limit
        } else {
            value < limit
        }
    };
    let (threshold, change) = match rule.allowance {
        Allowance::Relative(f) => (
            f,
            if base.point > 0.0 {
                new.point / base.point - 1.0
            } else {
                0.0
            },
        ),
        Allowance::Points(p) => (p, new.point - base.point),
    };
    let (outcome, why) = match (base.interval, new.interval) {
        (Some((base_lo, base_hi)), Some((new_lo, new_hi))) => {
            // The reading most favourable to "no regression", and the least.
            let (base_best, base_worst) = if higher_is_worse {
                (base_hi, base_lo)
            } else {
                (base_lo, base_hi)
            };
            let (new_best, new_worst) = if higher_is_worse {
                (new_lo, new_hi)
            } else {
                (new_hi, new_lo)
            };
            if beyond(new.point, limit(base.point)) && beyond(new_best, limit(base_best)) {
                (RegressionOutcome::Fail, "credibly beyond the allowance")
            } else if !beyond(new_worst, limit(base_worst)) {
                (RegressionOutcome::Pass, "credibly within the allowance")
            } else {
                (
                    RegressionOutcome::Inconclusive,
                    "the confidence intervals cannot tell the change from noise",
                )
            }
        }
        _ => (
            RegressionOutcome::Inconclusive,
            "too few samples for a confidence interval",
        ),
    };
    let unit = match rule.metric {
        RuleMetric::Percentile(_) => "ms",
        RuleMetric::ErrorRate => "ratio",
        RuleMetric::Rps => "/s",
    };
    let mut result = RegressionResult {
        rule: rule.source.clone(),
        scope: rule.scope.clone().unwrap_or_else(|| "all".to_string()),
        metric: rule.metric.to_string(),
        unit: unit.to_string(),
        base: base.into(),
        new: new.into(),
        change,
        threshold,
        confidence,
        outcome,
        message: String::new(),
    };
    result.message = message(&result, rule, why);
    result
}

impl From<Estimate> for Figure {
    fn from(e: Estimate) -> Self {
        Figure {
            value: e.point,
            low: e.interval.map(|i| i.0),
            high: e.interval.map(|i| i.1),
            samples: e.samples,
        }
    }
}

/// The one-sentence message of a judged rule.
pub fn message(result: &RegressionResult, rule: &Rule, why: &str) -> String {
    let allowed = match rule.allowance {
        Allowance::Relative(f) => format!("{:.1}%", f * 100.0),
        Allowance::Points(p) => format!("{:.2}pp", p * 100.0),
    };
    format!(
        "{} {}: {} ({}): base {}, new {} ({} samples), change {}, allowed {} at {:.0}% confidence: {}",
        result.rule,
        result.outcome.label(),
        result.metric,
        result.scope,
        figure(&result.unit, &result.base),
        figure(&result.unit, &result.new),
        result.new.samples,
        change(result),
        allowed,
        result.confidence * 100.0,
        why
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regress::rule::parse;

    fn est(point: f64, lo: f64, hi: f64) -> Estimate {
        Estimate {
            point,
            interval: Some((lo, hi)),
            samples: 1000,
        }
    }

    #[test]
    fn latency_rules_need_a_credible_change() {
        let rule = parse("p95 +10%").unwrap();
        let base = est(20.0, 19.8, 20.3);
        let same = judge(&rule, base, est(20.1, 19.9, 20.4), 0.95);
        assert_eq!(same.outcome, RegressionOutcome::Pass, "{same:?}");
        let slower = judge(&rule, base, est(30.0, 29.7, 30.4), 0.95);
        assert_eq!(slower.outcome, RegressionOutcome::Fail, "{slower:?}");
        assert!((slower.change - 0.5).abs() < 1e-9);
        assert!(slower.message.contains("+50.0%"), "{}", slower.message);
        // Beyond the allowance on the point values, but the intervals overlap it.
        let noisy = judge(&rule, est(20.0, 15.0, 25.0), est(23.0, 18.0, 28.0), 0.95);
        assert_eq!(noisy.outcome, RegressionOutcome::Inconclusive, "{noisy:?}");
        let tiny = Estimate {
            point: 40.0,
            interval: None,
            samples: 30,
        };
        let few = judge(&rule, base, tiny, 0.95);
        assert_eq!(few.outcome, RegressionOutcome::Inconclusive);
        assert!(few.message.contains("too few samples"), "{}", few.message);
    }

    #[test]
    fn throughput_is_worse_when_it_falls() {
        let rule = parse("rps -5%").unwrap();
        let base = est(100.0, 99.0, 101.0);
        assert_eq!(
            judge(&rule, base, est(80.0, 79.0, 81.0), 0.95).outcome,
            RegressionOutcome::Fail
        );
        assert_eq!(
            judge(&rule, base, est(120.0, 119.0, 121.0), 0.95).outcome,
            RegressionOutcome::Pass
        );
    }

    #[test]
    fn error_rate_in_points() {
        let rule = parse("error_rate +0.5pp").unwrap();
        let z = interval::z_for(0.95);
        let base = interval::wilson(0, 2000, z);
        let clean = judge(&rule, base, interval::wilson(1, 2000, z), 0.95);
        assert_eq!(clean.outcome, RegressionOutcome::Pass, "{clean:?}");
        let broken = judge(&rule, base, interval::wilson(200, 2000, z), 0.95);
        assert_eq!(broken.outcome, RegressionOutcome::Fail, "{broken:?}");
        assert!((broken.change - 0.1).abs() < 1e-9);
    }
}
