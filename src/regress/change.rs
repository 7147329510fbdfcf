//! One confidence interval for the change between a baseline and a new run:
//! the ratio `new / base` for a relative allowance (`p95 +10%`, `rps -5%`),
//! the difference `new − base` for one in points (`error_rate +0.5pp`).
//!
//! Judging the change itself is what keeps an identical rerun from coming out
//! inconclusive: two separate 95% intervals whose ends are compared amount to a
//! far stricter test than 95% (their half-widths add, where the change's
//! interval only needs them added in quadrature).
//!
//! * **Difference** (MOVER-D, Newcombe's hybrid score interval when the sides
//!   are Wilson intervals; Newcombe 1998, Zou & Donner 2008). With each side's
//!   point `pᵢ` and interval `[lᵢ, uᵢ]`, the difference `p₁ − p₂` has the
//!   interval `p₁ − p₂ − √((p₁−l₁)² + (u₂−p₂)²)` to
//!   `p₁ − p₂ + √((u₁−p₁)² + (p₂−l₂)²)`: each side's interval yields the
//!   variance near the bound it reaches, which keeps their asymmetry (a rate
//!   near 0, a skewed quantile).
//! * **Ratio of two independent estimates** (MOVER-R, Donner & Zou 2012): the
//!   ratio `R` is in the interval when 0 is in the MOVER-D interval of
//!   `p₁ − R·p₂`, which gives the bounds as roots of a quadratic. The upper bound
//!   is unbounded when the baseline's interval reaches 0 (a ratio to what may be
//!   nothing). For quantiles the sides are the order-statistic intervals of the
//!   two histograms, for relative error-rate rules the Wilson intervals.
//! * **Ratio of paired means** (Fieller 1954): throughput compares the requests
//!   completed in the same seconds of the two runs (second `t` since the start of
//!   the load in both), so the load's own shape (users spawning, stages) is
//!   common to both and cancels. `R` is in the interval when the mean of
//!   `newₜ − R·baseₜ` is within a Student t interval of 0 (`k − 1` degrees of
//!   freedom for `k` seconds), a quadratic inequality in `R`. Unbounded when the
//!   baseline's mean is not clearly above 0.
//! * **Ratio of two Poisson rates**, for a scope whose report keeps no
//!   per-second series (a flow): given the total `k₁ + k₂`, the new run's count
//!   `k₁` is binomial with `p = λ₁t₁ / (λ₁t₁ + λ₂t₂)`, so the Wilson interval of
//!   `p` maps to one for `λ₁/λ₂ = p/(1−p) · t₂/t₁`. Closed-loop counts vary less
//!   than Poisson ones, which makes this the wider reading.
//!
//! The intervals assume independent samples within each run (latencies for
//! quantiles and rates, seconds for throughput), as every distribution-free
//! interval does; a machine whose load changes between the two runs breaks
//! that assumption, and no statistic of the two runs alone can tell that from a
//! regression.

use super::interval::{self, Estimate};

/// The change between two runs in its own terms (a ratio or a difference),
/// with its confidence interval; an end is `None` when the samples cannot
/// bound it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// The observed ratio or difference.
    pub point: f64,
    /// The lower end of the interval.
    pub low: Option<f64>,
    /// The upper end of the interval.
    pub high: Option<f64>,
}

impl Change {
    /// A change with no interval: too few samples to bound it.
    pub fn unbounded(point: f64) -> Self {
        Change {
            point,
            low: None,
            high: None,
        }
    }
}

/// `new − base` with its MOVER-D interval; no interval unless both sides have one.
pub fn difference(new: Estimate, base: Estimate) -> Change {
    let point = new.point - base.point;
    match (new.interval, base.interval) {
        (Some((l1, u1)), Some((l2, u2))) => Change {
            point,
            low: Some(point - (new.point - l1).hypot(u2 - base.point)),
            high: Some(point + (u1 - new.point).hypot(base.point - l2)),
        },
        _ => Change::unbounded(point),
    }
}

/// `new / base` of two independent non-negative estimates with its MOVER-R
/// interval; no interval unless both sides have one. The point is 0 when
/// `base` is 0 (the ratio is then undefined; the interval still says what
/// can be said).
pub fn ratio(new: Estimate, base: Estimate) -> Change {
    let (p1, p2) = (new.point, base.point);
    let point = if p2 > 0.0 { p1 / p2 } else { 0.0 };
    let (Some((l1, u1)), Some((l2, u2))) = (new.interval, base.interval) else {
        return Change::unbounded(point);
    };
    let b = p1 * p2;
    // Lower bound: the root of (p₁ − R·p₂)² = (p₁−l₁)² + R²(u₂−p₂)² with
    // p₁ − R·p₂ ≥ 0, i.e. of a·R² − 2b·R + c = 0 with a = u₂(2p₂ − u₂) and
    // c = l₁(2p₁ − l₁) ≥ 0, written as c / (b + √(b² − a·c)) so that it holds
    // for a ≤ 0 too (b² − a·c ≥ 0 always: for a > 0 the quadratic is ≤ 0 at
    // p₁/p₂). It exists whenever the baseline's interval leaves 0 (u₂ > 0).
    let low = if u2 <= 0.0 {
        None
    } else {
        let a = u2 * (2.0 * p2 - u2);
        let c = l1 * (2.0 * p1 - l1);
        let root = (b * b - a * c).max(0.0).sqrt();
        Some(if c <= 0.0 { 0.0 } else { c / (b + root) })
    };
    // Upper bound: the larger root of a'·R² − 2b·R + c' = 0 with
    // a' = l₂(2p₂ − l₂) > 0 and c' = u₁(2p₁ − u₁); none when l₂ is 0, since
    // then p₁ − R·p₂ + √((u₁−p₁)² + R²(p₂−l₂)²) ≥ p₁ ≥ 0 for every R.
    let high = {
        let a = l2 * (2.0 * p2 - l2);
        let c = u1 * (2.0 * p1 - u1);
        (l2 > 0.0 && a > 0.0).then(|| (b + (b * b - a * c).max(0.0).sqrt()) / a)
    };
    Change {
        point,
        low: low.filter(|v| v.is_finite()),
        high: high.filter(|v| v.is_finite()),
    }
}

/// The ratio of the means of paired samples `(new, base)` with Fieller's
/// interval at `confidence`; no interval for fewer than two pairs, an
/// unbounded one when the baseline's mean is not clearly above 0.
pub fn paired_ratio(pairs: &[(f64, f64)], confidence: f64) -> Change {
    let k = pairs.len() as f64;
    let news: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let bases: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let (Some((m1, v1)), Some((m2, v2))) = (
        interval::mean_and_variance(&news),
        interval::mean_and_variance(&bases),
    ) else {
        let point = match pairs {
            [(new, base)] if *base > 0.0 => new / base,
            _ => 0.0,
        };
        return Change::unbounded(point);
    };
    let point = if m2 > 0.0 { m1 / m2 } else { 0.0 };
    let covariance = pairs.iter().map(|(n, b)| (n - m1) * (b - m2)).sum::<f64>() / (k - 1.0);
    // R is in the interval when (m₁ − R·m₂)² ≤ g·(v₁ − 2R·c + R²·v₂), with
    // g = t²/k: A·R² − 2B·R + C ≤ 0.
    let t = interval::t_for(confidence, pairs.len() as u64 - 1);
    let g = t * t / k;
    let a = m2 * m2 - g * v2;
    let b = m1 * m2 - g * covariance;
    let c = m1 * m1 - g * v1;
    if a <= 0.0 {
        return Change::unbounded(point);
    }
    // The quadratic is ≤ 0 at m₁/m₂, so its roots are real.
    let root = (b * b - a * c).max(0.0).sqrt();
    Change {
        point,
        low: Some(((b - root) / a).max(0.0)),
        high: Some((b + root) / a),
    }
}

/// The ratio of the rates `new.0 / new.1` and `base.0 / base.1` (events,
/// seconds) of two Poisson counts, with the conditional (binomial) interval
/// at `z`; no interval when nothing was counted or no time passed, no upper
/// bound when the baseline's count may be 0.
pub fn poisson_ratio(new: (u64, f64), base: (u64, f64), z: f64) -> Change {
    let ((k1, t1), (k2, t2)) = (new, base);
    let valid = |t: f64| t > 0.0 && t.is_finite();
    if !valid(t1) || !valid(t2) {
        return Change::unbounded(0.0);
    }
    let point = if k2 > 0 {
        (k1 as f64 / t1) / (k2 as f64 / t2)
    } else {
        0.0
    };
    let share = interval::wilson(k1, k1 + k2, z);
    let Some((lo, hi)) = share.interval else {
        return Change::unbounded(point);
    };
    let odds = |p: f64| (p < 1.0).then(|| p / (1.0 - p) * t2 / t1);
    Change {
        point,
        low: odds(lo),
        high: odds(hi),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regress::interval::{wilson, z_for};

    fn est(point: f64, lo: f64, hi: f64) -> Estimate {
        Estimate {
            point,
            interval: Some((lo, hi)),
            samples: 1000,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-4)
    }

    #[test]
    fn newcombe_matches_the_published_example() {
        // Newcombe (1998), table II, example (a): 56/70 − 48/80, method 10:
        // +0.2000 [0.0524, 0.3339].
        let z = z_for(0.95);
        let d = difference(wilson(56, 70, z), wilson(48, 80, z));
        assert!((d.point - 0.2).abs() < 1e-12);
        assert!(close(d.low, 0.0524) && close(d.high, 0.3339), "{d:?}");
        // Example (h): 0/10 − 0/20 → [−0.1611, 0.2775].
        let d = difference(wilson(0, 10, z), wilson(0, 20, z));
        assert!(close(d.low, -0.1611) && close(d.high, 0.2775), "{d:?}");
        let none = difference(wilson(0, 0, z), wilson(1, 10, z));
        assert_eq!((none.low, none.high), (None, None));
    }

    #[test]
    fn mover_ratio_is_narrower_than_comparing_the_ends() {
        let base = est(20.0, 19.0, 21.0);
        let new = est(22.0, 20.9, 23.1);
        let r = ratio(new, base);
        assert!((r.point - 1.1).abs() < 1e-12);
        let (lo, hi) = (r.low.unwrap(), r.high.unwrap());
        // Inside the end-to-end reading [20.9/21, 23.1/19], around the point.
        assert!(lo > 20.9 / 21.0 && hi < 23.1 / 19.0, "{r:?}");
        assert!(lo < 1.1 && hi > 1.1, "{r:?}");
        // Each bound makes 0 an end of the MOVER-D interval of new − R·base.
        let lower_end = 22.0 - lo * 20.0 - (22.0f64 - 20.9).hypot(lo * (21.0 - 20.0));
        let upper_end = 22.0 - hi * 20.0 + (23.1f64 - 22.0).hypot(hi * (20.0 - 19.0));
        assert!(lower_end.abs() < 1e-9 && upper_end.abs() < 1e-9);
        // Degenerate intervals give the ratio itself.
        let exact = ratio(est(3.0, 3.0, 3.0), est(2.0, 2.0, 2.0));
        assert!(close(exact.low, 1.5) && close(exact.high, 1.5), "{exact:?}");
    }

    #[test]
    fn ratio_to_a_baseline_that_may_be_zero_has_no_upper_bound() {
        let z = z_for(0.95);
        let broken = ratio(wilson(200, 2000, z), wilson(0, 2000, z));
        assert_eq!(broken.high, None);
        assert!(broken.low.unwrap() > 10.0, "{broken:?}");
        let clean = ratio(wilson(0, 2000, z), wilson(0, 2000, z));
        assert_eq!((clean.low, clean.high), (Some(0.0), None));
        let too_few = Estimate {
            point: 1.0,
            interval: None,
            samples: 10,
        };
        let few = ratio(est(1.0, 0.5, 2.0), too_few);
        assert_eq!((few.low, few.high), (None, None));
    }

    #[test]
    fn fieller_cancels_the_shape_both_runs_share() {
        // A ramp (the first second at half rate) in both runs, 2% more in the
        // new run, second-to-second noise of about 1%.
        let base = [450.0, 900.0, 910.0, 890.0, 905.0];
        let noise = [1.0, -1.0, 0.5, 1.5, -0.5];
        let pairs: Vec<(f64, f64)> = base
            .iter()
            .zip(noise)
            .map(|(b, e)| (b * 1.02 + e * 9.0, *b))
            .collect();
        let r = paired_ratio(&pairs, 0.95);
        let (lo, hi) = (r.low.unwrap(), r.high.unwrap());
        assert!(lo < 1.02 && hi > 1.02 && hi - lo < 0.04, "{r:?}");
        // Unpaired, the ramp alone would make the mean's interval ±40%.
        let alone = interval::mean_rate(&base, 0.95);
        let (alo, ahi) = alone.interval.unwrap();
        assert!((ahi - alo) / alone.point > 0.5, "{alone:?}");
    }

    #[test]
    fn poisson_ratio_conditions_on_the_total() {
        let z = z_for(0.95);
        // 1000 events in 10 s against 1000 in 10 s: p = 0.5 ± 2.19%.
        let r = poisson_ratio((1000, 10.0), (1000, 10.0), z);
        let (lo, hi) = (r.low.unwrap(), r.high.unwrap());
        assert!((r.point - 1.0).abs() < 1e-12);
        assert!((lo * hi - 1.0).abs() < 1e-9, "symmetric in the log: {r:?}");
        assert!((hi - 1.091_58).abs() < 1e-4, "{r:?}");
        // Rates, not counts: 500 in 5 s is the same rate as 1000 in 10 s.
        let half = poisson_ratio((500, 5.0), (1000, 10.0), z);
        assert!((half.point - 1.0).abs() < 1e-12, "{half:?}");
        assert!(half.high.unwrap() > hi, "fewer events, a wider interval");
        let none = poisson_ratio((10, 1.0), (0, 1.0), z);
        assert_eq!(none.high, None);
        assert!(none.low.unwrap() > 1.0, "{none:?}");
        assert_eq!(poisson_ratio((0, 1.0), (0, 1.0), z).low, None);
        assert_eq!(poisson_ratio((5, 0.0), (5, 1.0), z).low, None);
    }

    #[test]
    fn fieller_matches_a_worked_ratio() {
        // Pairs with new = 0.9·base exactly but for one second: the interval
        // solves (m₁ − R·m₂)² = g·(v₁ − 2R·c + R²·v₂) at both ends.
        let pairs = [(90.0, 100.0), (99.0, 110.0), (80.0, 90.0), (100.0, 105.0)];
        let r = paired_ratio(&pairs, 0.95);
        let m1 = 369.0 / 4.0;
        let m2 = 405.0 / 4.0;
        assert!((r.point - m1 / m2).abs() < 1e-12);
        let d = |rr: f64| pairs.iter().map(|(n, b)| n - rr * b).collect::<Vec<_>>();
        for end in [r.low.unwrap(), r.high.unwrap()] {
            let (mean, var) = interval::mean_and_variance(&d(end)).unwrap();
            let t = mean / (var / 4.0).sqrt();
            assert!(
                (t.abs() - interval::t_for(0.95, 3)).abs() < 1e-6,
                "{end} {t}"
            );
        }
        assert_eq!(paired_ratio(&[(90.0, 100.0)], 0.95).low, None);
        assert!((paired_ratio(&[(90.0, 100.0)], 0.95).point - 0.9).abs() < 1e-12);
        let nothing = paired_ratio(&[(5.0, 0.0), (6.0, 1.0), (5.0, 0.0)], 0.95);
        assert_eq!((nothing.low, nothing.high), (None, None));
    }
}
