//! Judging regression rules: one confidence interval for the change between
//! the baseline and the new run ([`super::change`]), and a verdict by where
//! that interval lies against the allowance.
//!
//! The change is `new / base − 1` for a relative allowance (`p95 +10%` allows
//! up to +0.10, `rps -5%` down to −0.05) and `new − base` for one in points
//! (`error_rate +0.5pp` allows up to +0.005). With its interval `[low, high]`
//! at the confidence level, a rule whose metric is worse when it rises
//! * **passes** when `high` is within the allowance: the change is credibly
//!   within it;
//! * **fails** when `low` is beyond it: the change credibly exceeds it;
//! * is **inconclusive** when the interval straddles the allowance, or when the
//!   samples cannot bound the change. Throughput mirrors this (worse when it
//!   falls: passes when `low` is within, fails when `high` is beyond).
//!
//! Each end of a two-sided 95% interval is a one-sided 97.5% bound, so a rule
//! whose true change is within the allowance fails with a probability of at
//! most 2.5% (nominally: the intervals are approximations, and assume
//! independent samples, see [`super::change`]), and one whose true change
//! exceeds the allowance passes with at most 2.5%.
//!
//! The interval, by metric:
//! * `pN`: the ratio of the two quantiles, from their order-statistic intervals
//!   (the two HDR histograms) combined by MOVER-R;
//! * `error_rate`: Wilson intervals of both rates, combined by MOVER-D
//!   (Newcombe's interval for the difference) for `pp`, by MOVER-R for `%`;
//! * `rps`: the requests completed in each full second of both measured windows
//!   (series points from the end of the warm-up, rounded up to a whole second,
//!   to the second the load stopped; completions in the grace period come
//!   after it), paired by second since the start of the load, and Fieller's
//!   interval for the ratio of their means. The figures shown are the means
//!   over the seconds both runs measured, each with its t interval. A scope
//!   whose report keeps no per-second series (a flow) falls back on its request
//!   count over the measured window, as a Poisson count.
//!
//! With several baseline reports, each rule uses the one whose figure is the
//! median (the lower median for an even count), as its own baseline.

use std::collections::BTreeMap;

use super::change::{Change, difference, paired_ratio, poisson_ratio, ratio};
use super::interval::{self, Estimate};
use super::rule::{Allowance, Rule, RuleMetric};
use crate::core::histogram;
use crate::core::regression::{Figure, RegressionOutcome, RegressionResult, change, figure};
use crate::core::scope::ALL;
use crate::core::summary::{LoadExecuted, RequestStats, Summary};

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

/// One run's side of a rule: its figure and, for throughput, the requests
/// completed in each full second of its measured window.
#[derive(Debug, Clone, PartialEq)]
struct Side {
    /// The rule's metric in this run, with its interval.
    estimate: Estimate,
    /// `rps` rules: requests per full second of the measured window, by second
    /// since the start of the load; `None` for other rules, and when the report
    /// keeps no per-second series for the scope.
    seconds: Option<BTreeMap<u64, f64>>,
}

/// Judges every rule of `rules` between `baselines` (one report, or several of
/// which, per rule, the one with the median value is used) and `new`.
pub fn evaluate(
    rules: &[Rule],
    baselines: &[&Summary],
    new: &Summary,
    confidence: f64,
) -> Result<Vec<RegressionResult>, RegressError> {
    rules
        .iter()
        .map(|rule| {
            let mut bases = baselines
                .iter()
                .map(|b| side(rule, b, confidence, "baseline"))
                .collect::<Result<Vec<_>, _>>()?;
            bases.sort_by(|a, b| a.estimate.point.total_cmp(&b.estimate.point));
            let new = side(rule, new, confidence, "new")?;
            let median = bases.len().saturating_sub(1) / 2;
            let base = bases.into_iter().nth(median).unwrap_or(Side {
                estimate: Estimate {
                    point: 0.0,
                    interval: None,
                    samples: 0,
                },
                seconds: None,
            });
            Ok(judge(rule, &base, &new, confidence))
        })
        .collect()
}

/// The rule's metric in one report, with its interval.
fn side(
    rule: &Rule,
    summary: &Summary,
    confidence: f64,
    side: &'static str,
) -> Result<Side, RegressError> {
    let stats = stats_for(rule, summary, side)?;
    let z = interval::z_for(confidence);
    let estimate = match rule.metric {
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
            let seconds = measured_seconds(stats, &summary.load);
            let counts: Vec<f64> = seconds.values().copied().collect();
            let mut estimate = interval::mean_rate(&counts, confidence);
            if counts.is_empty() {
                // No full second measured: the run's own rate, unbounded.
                estimate.point = stats.rps;
                estimate.samples = stats.requests;
            }
            let seconds = (!stats.series.is_empty()).then_some(seconds);
            return Ok(Side { estimate, seconds });
        }
    };
    Ok(Side {
        estimate,
        seconds: None,
    })
}

/// Requests completed in each full second of the measured window, by second
/// since the start of the load: the series points from the end of the warm-up
/// (rounded up to a whole second, as windowed objectives do) whose second
/// ended by the time the load stopped (`elapsed_s`). A second cut by the
/// warm-up or the stop, and the grace period's completions, are left out.
fn measured_seconds(stats: &RequestStats, load: &LoadExecuted) -> BTreeMap<u64, f64> {
    // `as` saturates: a negative or NaN warm-up is 0, an infinite one excludes all.
    let first = load.warmup_s.ceil() as u64;
    let mut seconds = BTreeMap::new();
    for point in &stats.series {
        if point.t >= first && (point.t as f64 + 1.0) <= load.elapsed_s + 1e-9 {
            *seconds.entry(point.t).or_insert(0.0) += point.requests as f64;
        }
    }
    seconds
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

/// The verdict of one rule from both sides.
fn judge(rule: &Rule, base: &Side, new: &Side, confidence: f64) -> RegressionResult {
    let (base_figure, new_figure, interval) = match (rule.metric, rule.allowance) {
        (RuleMetric::Rps, _) => throughput(base, new, confidence),
        (_, Allowance::Relative(_)) => (
            base.estimate,
            new.estimate,
            ratio(new.estimate, base.estimate),
        ),
        (_, Allowance::Points(_)) => (
            base.estimate,
            new.estimate,
            difference(new.estimate, base.estimate),
        ),
    };
    // In the rule's terms: a ratio becomes a relative change.
    let (point, low, high) = match rule.allowance {
        Allowance::Relative(_) => (
            if base_figure.point > 0.0 {
                interval.point - 1.0
            } else {
                0.0
            },
            interval.low.map(|v| v - 1.0),
            interval.high.map(|v| v - 1.0),
        ),
        Allowance::Points(_) => (interval.point, interval.low, interval.high),
    };
    let (outcome, why) = verdict(rule, low, high);
    let mut result = RegressionResult {
        rule: rule.source.clone(),
        scope: rule.scope.clone().unwrap_or_else(|| ALL.to_string()),
        metric: rule.metric.to_string(),
        unit: rule.metric.unit().to_string(),
        base: base_figure.into(),
        new: new_figure.into(),
        change: point,
        threshold: rule.allowance.amount(),
        confidence,
        outcome,
        message: String::new(),
    };
    result.message = message(&result, rule, (low, high), why);
    result
}

/// Throughput over the seconds both runs measured: each side's mean with its
/// t interval, and Fieller's interval for their ratio. With no second in
/// common, each side's own figure and no interval for the ratio; without a
/// per-second series on a side, both sides' totals as Poisson counts.
fn throughput(base: &Side, new: &Side, confidence: f64) -> (Estimate, Estimate, Change) {
    let (Some(base_seconds), Some(new_seconds)) = (&base.seconds, &new.seconds) else {
        // Requests over seconds: for a side with a series, its full seconds.
        let total = |e: &Estimate| {
            let seconds = if e.point > 0.0 {
                e.samples as f64 / e.point
            } else {
                0.0
            };
            (e.samples, seconds)
        };
        let z = interval::z_for(confidence);
        let change = poisson_ratio(total(&new.estimate), total(&base.estimate), z);
        return (base.estimate, new.estimate, change);
    };
    let pairs: Vec<(f64, f64)> = new_seconds
        .iter()
        .filter_map(|(t, n)| base_seconds.get(t).map(|b| (*n, *b)))
        .collect();
    if pairs.is_empty() {
        let point = if base.estimate.point > 0.0 {
            new.estimate.point / base.estimate.point
        } else {
            0.0
        };
        return (base.estimate, new.estimate, Change::unbounded(point));
    }
    let (news, bases): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    (
        interval::mean_rate(&bases, confidence),
        interval::mean_rate(&news, confidence),
        paired_ratio(&pairs, confidence),
    )
}

/// The outcome, and why, from the change's interval in the rule's terms.
fn verdict(rule: &Rule, low: Option<f64>, high: Option<f64>) -> (RegressionOutcome, &'static str) {
    let higher_is_worse = rule.metric.worse_when_higher();
    let amount = rule.allowance.amount();
    let beyond = |v: f64| {
        if higher_is_worse {
            v > amount
        } else {
            v < -amount
        }
    };
    // The end most favourable to "no regression", and the least.
    let (best, worst) = if higher_is_worse {
        (low, high)
    } else {
        (high, low)
    };
    match (best, worst) {
        (Some(b), _) if beyond(b) => (
            RegressionOutcome::Fail,
            "the change's confidence interval lies beyond the allowance",
        ),
        (_, Some(w)) if !beyond(w) => (
            RegressionOutcome::Pass,
            "the change's confidence interval lies within the allowance",
        ),
        (None, None) => (
            RegressionOutcome::Inconclusive,
            "too few samples for a confidence interval of the change",
        ),
        _ => (
            RegressionOutcome::Inconclusive,
            "the change's confidence interval straddles the allowance: the samples cannot tell \
             the change from noise",
        ),
    }
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

/// The one-sentence message of a judged rule: both figures, the change with
/// its interval (`(low, high)` in the terms of `result.change`), the
/// allowance and why.
fn message(
    result: &RegressionResult,
    rule: &Rule,
    (low, high): (Option<f64>, Option<f64>),
    why: &str,
) -> String {
    let in_terms = |v: f64| match rule.allowance {
        Allowance::Relative(_) => format!("{:+.1}%", v * 100.0),
        Allowance::Points(_) => format!("{:+.2}pp", v * 100.0),
    };
    let allowed = match rule.allowance {
        Allowance::Relative(f) => format!("{:.1}%", f * 100.0),
        Allowance::Points(p) => format!("{:.2}pp", p * 100.0),
    };
    let bounds = match (low, high) {
        (None, None) => "(no CI)".to_string(),
        _ => {
            let end = |v: Option<f64>| v.map_or_else(|| "unbounded".to_string(), in_terms);
            format!("[{}, {}]", end(low), end(high))
        }
    };
    format!(
        "{} {}: {} ({}): base {}, new {} ({} samples), change {} {}, allowed {} at {:.0}% confidence: {}",
        result.rule,
        result.outcome.label(),
        result.metric,
        result.scope,
        figure(&result.unit, &result.base),
        figure(&result.unit, &result.new),
        result.new.samples,
        change(result),
        bounds,
        allowed,
        result.confidence * 100.0,
        why
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture;
    use crate::core::summary::SeriesPoint;
    use crate::regress::rule::parse;

    fn est(point: f64, lo: f64, hi: f64) -> Side {
        Side {
            estimate: Estimate {
                point,
                interval: Some((lo, hi)),
                samples: 1000,
            },
            seconds: None,
        }
    }

    #[test]
    fn latency_rules_judge_the_change_itself() {
        let rule = parse("p95 +10%").unwrap();
        let base = est(20.0, 19.8, 20.3);
        let same = judge(&rule, &base, &est(20.1, 19.9, 20.4), 0.95);
        assert_eq!(same.outcome, RegressionOutcome::Pass, "{same:?}");
        assert!(same.message.contains("within the allowance"), "{same:?}");
        let slower = judge(&rule, &base, &est(30.0, 29.7, 30.4), 0.95);
        assert_eq!(slower.outcome, RegressionOutcome::Fail, "{slower:?}");
        assert!((slower.change - 0.5).abs() < 1e-9);
        assert!(
            slower.message.contains("change +50.0% [+47.3%, +52.5%]"),
            "{}",
            slower.message
        );
        // Beyond the allowance on the point values, but not credibly.
        let noisy = judge(&rule, &est(20.0, 15.0, 25.0), &est(23.0, 18.0, 28.0), 0.95);
        assert_eq!(noisy.outcome, RegressionOutcome::Inconclusive, "{noisy:?}");
        assert!(noisy.message.contains("straddles"), "{}", noisy.message);
        let tiny = Side {
            estimate: Estimate {
                point: 40.0,
                interval: None,
                samples: 30,
            },
            seconds: None,
        };
        let few = judge(&rule, &base, &tiny, 0.95);
        assert_eq!(few.outcome, RegressionOutcome::Inconclusive);
        assert!(few.message.contains("too few samples"), "{}", few.message);
        assert!(few.message.contains("(no CI)"), "{}", few.message);
    }

    #[test]
    fn a_change_within_the_allowance_passes_although_the_ends_overlap_it() {
        // +4% with ±3% on each side: the old end-to-end reading (107 against
        // 97·1.1 = 106.7) was inconclusive; the change's own interval,
        // about +4% ± 4.4%, is within +10%.
        let rule = parse("p95 +10%").unwrap();
        let result = judge(
            &rule,
            &est(100.0, 97.0, 103.0),
            &est(104.0, 101.0, 107.0),
            0.95,
        );
        assert_eq!(result.outcome, RegressionOutcome::Pass, "{result:?}");
        // The same interval is not narrow enough for a 4% allowance.
        let tight = parse("p95 +4%").unwrap();
        let result = judge(
            &tight,
            &est(100.0, 97.0, 103.0),
            &est(104.0, 101.0, 107.0),
            0.95,
        );
        assert_eq!(
            result.outcome,
            RegressionOutcome::Inconclusive,
            "{result:?}"
        );
    }

    /// A run whose overall series has these requests per second, starting at
    /// second 0, with `warmup_s` of warm-up and `elapsed_s` of load.
    fn run(per_second: &[u64], warmup_s: f64, elapsed_s: f64) -> Summary {
        let mut summary = fixture::summary(vec![fixture::stats("get", &[10.0; 200], 0)]);
        summary.overall.series = per_second
            .iter()
            .enumerate()
            .map(|(t, &requests)| SeriesPoint {
                requests,
                ..SeriesPoint::empty(t as u64)
            })
            .collect();
        summary.load.warmup_s = warmup_s;
        summary.load.elapsed_s = elapsed_s;
        summary
    }

    fn rps(base: &[u64], new: &[u64]) -> RegressionResult {
        let rule = parse("rps -5%").unwrap();
        let (base, new) = (run(base, 1.0, 6.0), run(new, 1.0, 6.0));
        evaluate(&[rule], &[&base], &new, 0.95).unwrap().remove(0)
    }

    #[test]
    fn throughput_pairs_the_full_seconds_of_the_measured_window() {
        // Second 0 is warm-up and second 6 the grace period's: both left out.
        let base = [400, 900, 910, 895, 905, 900, 12];
        let same = rps(&base, &[300, 890, 905, 890, 900, 895, 3]);
        assert_eq!(same.outcome, RegressionOutcome::Pass, "{same:?}");
        assert!((same.base.value - 902.0).abs() < 1e-9, "{same:?}");
        assert!((same.new.value - 896.0).abs() < 1e-9, "{same:?}");
        assert_eq!(same.new.samples, 4480);
        assert!((same.change - (896.0 / 902.0 - 1.0)).abs() < 1e-12);
        let drop = rps(&base, &[400, 810, 820, 805, 815, 810, 12]);
        assert_eq!(drop.outcome, RegressionOutcome::Fail, "{drop:?}");
        assert!((drop.change + 0.1).abs() < 1e-3, "{drop:?}");
        let rise = rps(&base, &[400, 990, 1000, 985, 995, 990, 12]);
        assert_eq!(rise.outcome, RegressionOutcome::Pass, "{rise:?}");
        // A disturbed second widens the interval across the allowance.
        let stalled = rps(&base, &[400, 900, 600, 895, 905, 900, 12]);
        assert_eq!(
            stalled.outcome,
            RegressionOutcome::Inconclusive,
            "{stalled:?}"
        );
    }

    #[test]
    fn an_identical_rerun_passes_on_throughput() {
        // The case: closed-loop runs 1% apart, seconds within ~1%, the
        // first second ramping up. Poisson intervals on the totals (±2% each)
        // made this inconclusive.
        let rule = parse("rps -5%").unwrap();
        let base = run(&[480, 930, 925, 935, 928], 0.0, 4.0);
        let new = run(&[470, 921, 915, 926, 921], 0.0, 4.0);
        let result = evaluate(&[rule], &[&base], &new, 0.95).unwrap().remove(0);
        assert_eq!(result.outcome, RegressionOutcome::Pass, "{result:?}");
    }

    #[test]
    fn throughput_without_two_common_seconds_is_inconclusive() {
        let rule = parse("rps -5%").unwrap();
        let (base, tiny) = (run(&[900, 900, 900], 0.0, 3.0), run(&[500, 40], 0.0, 0.7));
        let result = evaluate(std::slice::from_ref(&rule), &[&base], &tiny, 0.95)
            .unwrap()
            .remove(0);
        assert_eq!(result.outcome, RegressionOutcome::Inconclusive);
        assert!(
            result.message.contains("too few samples"),
            "{}",
            result.message
        );
        // No full second: the report's own rate stands as the figure.
        assert!(
            (result.new.value - tiny.overall.rps).abs() < 1e-12,
            "{result:?}"
        );
        let one = run(&[900, 880], 0.0, 1.0);
        let result = evaluate(&[rule], &[&base], &one, 0.95).unwrap().remove(0);
        assert_eq!(result.outcome, RegressionOutcome::Inconclusive);
        assert!((result.change - (900.0 / 900.0 - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn a_scope_without_a_series_counts_its_requests_as_poisson() {
        // Flows keep no per-second series: their totals decide.
        let rule = parse("rps -5%").unwrap();
        let flow = |requests: &[u64]| {
            let mut summary = run(requests, 0.0, 10.0);
            summary.overall.series.clear();
            summary.overall.requests = requests.iter().sum();
            summary.overall.rps = summary.overall.requests as f64 / 10.0;
            summary
        };
        let base = flow(&[10_000]);
        let judged = |new: &Summary| {
            evaluate(std::slice::from_ref(&rule), &[&base], new, 0.95)
                .unwrap()
                .remove(0)
        };
        let same = judged(&flow(&[9_950]));
        assert_eq!(same.outcome, RegressionOutcome::Pass, "{same:?}");
        assert!((same.change + 0.005).abs() < 1e-9, "{same:?}");
        let drop = judged(&flow(&[9_000]));
        assert_eq!(drop.outcome, RegressionOutcome::Fail, "{drop:?}");
        // Against a run with a series: its full seconds' total.
        let mixed = judged(&run(
            &[1000, 990, 1010, 1000, 995, 1005, 1000, 1000, 990, 1010],
            0.0,
            10.0,
        ));
        assert_eq!(mixed.outcome, RegressionOutcome::Pass, "{mixed:?}");
        assert!(mixed.change.abs() < 1e-9, "{mixed:?}");
    }

    #[test]
    fn the_median_baseline_is_used_per_rule() {
        let rule = parse("rps -5%").unwrap();
        let slow = run(&[500, 500, 500, 500], 0.0, 4.0);
        let mid = run(&[900, 905, 895, 900], 0.0, 4.0);
        let fast = run(&[2000, 2000, 2010, 1990], 0.0, 4.0);
        let new = run(&[902, 898, 900, 899], 0.0, 4.0);
        let result = evaluate(&[rule], &[&fast, &slow, &mid], &new, 0.95)
            .unwrap()
            .remove(0);
        assert!((result.base.value - 900.0).abs() < 1e-9, "{result:?}");
        assert_eq!(result.outcome, RegressionOutcome::Pass, "{result:?}");
    }

    #[test]
    fn error_rate_in_points() {
        let rule = parse("error_rate +0.5pp").unwrap();
        let z = interval::z_for(0.95);
        let side = |hits, n| Side {
            estimate: interval::wilson(hits, n, z),
            seconds: None,
        };
        let base = side(0, 2000);
        let clean = judge(&rule, &base, &side(1, 2000), 0.95);
        assert_eq!(clean.outcome, RegressionOutcome::Pass, "{clean:?}");
        let broken = judge(&rule, &base, &side(200, 2000), 0.95);
        assert_eq!(broken.outcome, RegressionOutcome::Fail, "{broken:?}");
        assert!((broken.change - 0.1).abs() < 1e-9);
        assert!(
            broken.message.contains("change +10.00pp ["),
            "{}",
            broken.message
        );
        // +0.45pp on 2000 requests a side cannot be told from +0.5pp.
        let near = judge(&rule, &side(10, 2000), &side(19, 2000), 0.95);
        assert_eq!(near.outcome, RegressionOutcome::Inconclusive, "{near:?}");
        // Relative to a baseline with no errors, a ratio has no upper bound.
        let relative = parse("error_rate +10%").unwrap();
        let zero = judge(&relative, &base, &side(0, 2000), 0.95);
        assert_eq!(zero.outcome, RegressionOutcome::Inconclusive, "{zero:?}");
        assert!(zero.message.contains("unbounded]"), "{}", zero.message);
        let many = judge(&relative, &base, &side(200, 2000), 0.95);
        assert_eq!(many.outcome, RegressionOutcome::Fail, "{many:?}");
    }
}
