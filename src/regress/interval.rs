//! Confidence intervals for one run's figure: the per-side figures a
//! regression result shows. The verdict itself comes from one interval for the
//! change between the runs ([`super::change`]), built from these.
//!
//! * Quantiles: binomial order-statistic bounds, which need no assumption about
//!   the latency distribution, only that the latencies are independent. The
//!   number of samples below the true q-quantile is Binomial(n, q), so the
//!   ranks `n·q ∓ z·√(n·q·(1−q))` (normal approximation, widened by one rank)
//!   bracket it with the asked confidence; the HDR histogram maps the ranks back
//!   to latencies, taking the lowest value of the lower rank's bucket and the
//!   highest of the upper one's. When a rank falls outside `1..=n` the sample is
//!   too small: no interval.
//! * Rates: Wilson score interval.
//! * Throughput: the mean of the requests completed in each full second of the
//!   measured window, with a Student t interval (`k − 1` degrees of freedom for
//!   `k` seconds). Closed-loop throughput is not a Poisson count (users wait for
//!   their replies, so the counts are far less dispersed, and a busy machine
//!   slows whole seconds at once); the seconds' own spread measures its noise.

use hdrhistogram::Histogram;

/// A point estimate with its confidence interval, in the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The value observed.
    pub point: f64,
    /// The interval, `None` when the sample is too small to bound it.
    pub interval: Option<(f64, f64)>,
    /// Samples behind the estimate.
    pub samples: u64,
}

/// The two-sided standard normal quantile for a confidence level in (0, 1):
/// 1.96 for 0.95.
pub fn z_for(confidence: f64) -> f64 {
    inverse_normal(0.5 + confidence / 2.0)
}

/// The standard normal quantile function (Acklam's rational approximation,
/// relative error below 1.2e-9 over (0, 1)).
fn inverse_normal(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const LOW: f64 = 0.024_25;
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The 1-based ranks that bracket the `quantile` (in (0, 1)) of `n` samples
/// with confidence `z`, or `None` when the sample is too small.
pub fn quantile_ranks(n: u64, quantile: f64, z: f64) -> Option<(u64, u64)> {
    let nf = n as f64;
    let centre = nf * quantile;
    let half = z * (nf * quantile * (1.0 - quantile)).sqrt();
    let lower = (centre - half).floor();
    let upper = (centre + half).ceil() + 1.0;
    (lower >= 1.0 && upper <= nf).then_some((lower as u64, upper as u64))
}

/// The `quantile` (in (0, 1)) of a latency histogram in milliseconds, with its
/// distribution-free confidence interval.
pub fn quantile(hist: &Histogram<u64>, quantile: f64, z: f64) -> Estimate {
    let n = hist.len();
    let point = if n == 0 {
        0.0
    } else {
        hist.value_at_quantile(quantile) as f64 / 1000.0
    };
    let interval = quantile_ranks(n, quantile, z).map(|(lo, hi)| {
        let ms = |us: u64| us as f64 / 1000.0;
        (
            ms(hist.lowest_equivalent(value_at_rank(hist, lo))),
            ms(hist.highest_equivalent(value_at_rank(hist, hi))),
        )
    });
    Estimate {
        point,
        interval,
        samples: n,
    }
}

/// The value of the `rank`-th smallest sample (1-based) in a histogram.
fn value_at_rank(hist: &Histogram<u64>, rank: u64) -> u64 {
    let mut seen = 0;
    for bucket in hist.iter_recorded() {
        seen += bucket.count_at_value();
        if seen >= rank {
            return bucket.value_iterated_to();
        }
    }
    hist.max()
}

/// The rate `hits / n` with its Wilson score interval; no interval when `n` is 0.
pub fn wilson(hits: u64, n: u64, z: f64) -> Estimate {
    if n == 0 {
        return Estimate {
            point: 0.0,
            interval: None,
            samples: 0,
        };
    }
    let nf = n as f64;
    let p = hits as f64 / nf;
    let z2 = z * z;
    let denominator = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denominator;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denominator;
    Estimate {
        point: p,
        interval: Some(((centre - half).max(0.0), (centre + half).min(1.0))),
        samples: n,
    }
}

/// The mean of `per_second` (requests completed in each full second), with
/// its Student t interval; no interval for fewer than two seconds.
pub fn mean_rate(per_second: &[f64], confidence: f64) -> Estimate {
    let samples = per_second.iter().sum::<f64>() as u64;
    let Some((mean, variance)) = mean_and_variance(per_second) else {
        return Estimate {
            point: per_second.first().copied().unwrap_or(0.0),
            interval: None,
            samples,
        };
    };
    let df = per_second.len() as u64 - 1;
    let half = t_for(confidence, df) * (variance / per_second.len() as f64).sqrt();
    Estimate {
        point: mean,
        interval: Some(((mean - half).max(0.0), mean + half)),
        samples,
    }
}

/// The mean and the sample variance (divisor `k − 1`) of `values`; `None`
/// for fewer than two.
pub fn mean_and_variance(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let k = values.len() as f64;
    let mean = values.iter().sum::<f64>() / k;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0);
    Some((mean, variance))
}

/// The two-sided Student t quantile with `df` degrees of freedom for a
/// confidence level in (0, 1): 12.706 for 1 and 0.95, 2.776 for 4, tending to
/// [`z_for`]. Exact to double precision: the central probability
/// `P(|T| ≤ √df·tan θ)` has a closed form for whole degrees of freedom
/// (Abramowitz & Stegun 26.7.3–4), increasing in θ, which bisection inverts.
/// `df` 0 is taken as 1.
pub fn t_for(confidence: f64, df: u64) -> f64 {
    let df = df.max(1);
    let (mut lo, mut hi) = (0.0, std::f64::consts::FRAC_PI_2);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if t_central(mid, df) < confidence {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (df as f64).sqrt() * (0.5 * (lo + hi)).tan()
}

/// `P(|T| ≤ √df·tan θ)` for Student's t with `df` ≥ 1 degrees of freedom,
/// θ in [0, π/2] (Abramowitz & Stegun 26.7.3 for odd, 26.7.4 for even `df`).
fn t_central(theta: f64, df: u64) -> f64 {
    let (sin, cos) = theta.sin_cos();
    let cos2 = cos * cos;
    if df % 2 == 1 {
        // θ + sin θ·(cos θ + 2/3·cos³θ + 2·4/(3·5)·cos⁵θ + …), up to cos^(df−2)θ.
        let (mut term, mut sum) = (cos, 0.0);
        for j in 1..=(df - 1) / 2 {
            sum += term;
            term *= cos2 * (2 * j) as f64 / (2 * j + 1) as f64;
        }
        std::f64::consts::FRAC_2_PI * (theta + sin * sum)
    } else {
        // sin θ·(1 + 1/2·cos²θ + 1·3/(2·4)·cos⁴θ + …), up to cos^(df−2)θ.
        let (mut term, mut sum) = (1.0, 0.0);
        for j in 1..=df / 2 {
            sum += term;
            term *= cos2 * (2 * j - 1) as f64 / (2 * j) as f64;
        }
        sin * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::histogram::{new_latency, record};

    #[test]
    fn z_matches_the_tables() {
        assert!((z_for(0.95) - 1.959_964).abs() < 1e-5);
        assert!((z_for(0.99) - 2.575_829).abs() < 1e-5);
        assert!((z_for(0.90) - 1.644_854).abs() < 1e-5);
        assert!((inverse_normal(0.001) + 3.090_232).abs() < 1e-5);
    }

    #[test]
    fn p95_needs_about_110_samples_at_95_percent() {
        let z = z_for(0.95);
        assert!(quantile_ranks(30, 0.95, z).is_none());
        assert!(quantile_ranks(100, 0.95, z).is_none());
        let (lo, hi) = quantile_ranks(110, 0.95, z).unwrap();
        assert!(lo < 105 && hi <= 110 && hi > 105, "{lo} {hi}");
        let (lo, hi) = quantile_ranks(1000, 0.95, z).unwrap();
        assert!(
            (935..=945).contains(&lo) && (955..=965).contains(&hi),
            "{lo} {hi}"
        );
    }

    #[test]
    fn quantile_interval_brackets_the_point_and_narrows_with_samples() {
        let z = z_for(0.95);
        let mut small = new_latency();
        let mut large = new_latency();
        for i in 1..=200u64 {
            record(&mut small, i * 1000);
        }
        for i in 1..=20_000u64 {
            record(&mut large, (i % 200 + 1) * 1000);
        }
        let s = quantile(&small, 0.95, z);
        let (lo, hi) = s.interval.unwrap();
        assert!(lo <= s.point && s.point <= hi, "{s:?}");
        let l = quantile(&large, 0.95, z);
        let (llo, lhi) = l.interval.unwrap();
        assert!(lhi - llo < hi - lo, "{l:?} vs {s:?}");
        assert!(quantile(&new_latency(), 0.95, z).interval.is_none());
    }

    #[test]
    fn wilson_intervals() {
        let z = z_for(0.95);
        let w = wilson(0, 1000, z);
        let (lo, hi) = w.interval.unwrap();
        assert!(lo.abs() < 1e-12);
        assert!(hi > 0.003 && hi < 0.005, "{w:?}");
        let w = wilson(50, 100, z);
        let (lo, hi) = w.interval.unwrap();
        assert!(
            (lo - 0.4038).abs() < 1e-3 && (hi - 0.5962).abs() < 1e-3,
            "{w:?}"
        );
        assert!(wilson(0, 0, z).interval.is_none());
    }

    #[test]
    fn t_matches_the_tables() {
        for (df, conf, t) in [
            (1, 0.95, 12.706_205),
            (2, 0.95, 4.302_653),
            (3, 0.95, 3.182_446),
            (4, 0.95, 2.776_445),
            (9, 0.99, 3.249_836),
            (10, 0.95, 2.228_139),
            (30, 0.90, 1.697_261),
            (1000, 0.95, 1.962_339),
        ] {
            assert!((t_for(conf, df) - t).abs() < 1e-5, "t({df}, {conf})");
        }
        assert!((t_for(0.95, 100_000) - z_for(0.95)).abs() < 1e-4);
        assert!((t_for(0.95, 0) - t_for(0.95, 1)).abs() < 1e-12);
    }

    #[test]
    fn throughput_interval_is_a_t_interval_on_the_seconds() {
        let e = mean_rate(&[98.0, 100.0, 102.0, 100.0], 0.95);
        assert!((e.point - 100.0).abs() < 1e-12);
        assert_eq!(e.samples, 400);
        // s = √(8/3), half = t(3)·s/2.
        let half = 3.182_446 * (8.0f64 / 3.0).sqrt() / 2.0;
        let (lo, hi) = e.interval.unwrap();
        assert!((lo - (100.0 - half)).abs() < 1e-4 && (hi - (100.0 + half)).abs() < 1e-4);
        let one = mean_rate(&[90.0], 0.95);
        assert_eq!((one.point, one.interval, one.samples), (90.0, None, 90));
        assert_eq!(mean_rate(&[], 0.95).interval, None);
    }
}
