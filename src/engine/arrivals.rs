//! The open model's arrival schedule: a pure function of time, never of
//! responses.
//!
//! The rate is piecewise linear: it starts at `start_rate`, ramps linearly
//! through each stage, then holds the last rate. Arrival `k` (0-based) is
//! intended at the time `t` where the expected number of arrivals so far,
//! `N(t) = ∫₀ᵗ rate`, reaches `k` (so the first arrival is at 0 s); a constant
//! 500/s for 10 s gives exactly
//! 5,000 arrivals at `k / 500` s, and a ramp 0 → 400/s over 10 s gives exactly
//! 2,000.

use std::time::Duration;

use crate::plan::valid::OpenLoad;

/// The arrival schedule of an open workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    segments: Vec<Segment>,
}

/// One linear piece of the rate: `rate(t) = from + slope·(t − start)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    /// Seconds from the start of the load.
    start: f64,
    /// End of the piece in seconds; infinite for the last, held rate.
    end: f64,
    /// Rate at `start`, per second.
    from: f64,
    /// Change of rate per second.
    slope: f64,
    /// Expected arrivals before `start`.
    before: f64,
}

impl Segment {
    /// Expected arrivals within this piece up to `t` (clamped to the piece).
    fn arrivals_until(&self, t: f64) -> f64 {
        let tau = (t.min(self.end) - self.start).max(0.0);
        self.from * tau + self.slope * tau * tau / 2.0
    }
}

impl Arrivals {
    /// The schedule of `load`.
    pub fn new(load: &OpenLoad) -> Self {
        let mut segments = Vec::with_capacity(load.stages.len() + 1);
        let (mut start, mut rate, mut before) = (0.0_f64, load.start_rate, 0.0_f64);
        for stage in &load.stages {
            let over = stage.over.as_secs_f64();
            if over <= 0.0 {
                rate = stage.rate;
                continue;
            }
            let segment = Segment {
                start,
                end: start + over,
                from: rate,
                slope: (stage.rate - rate) / over,
                before,
            };
            before += segment.arrivals_until(segment.end);
            segments.push(segment);
            start += over;
            rate = stage.rate;
        }
        segments.push(Segment {
            start,
            end: f64::INFINITY,
            from: rate,
            slope: 0.0,
            before,
        });
        Arrivals { segments }
    }

    /// The rate in arrivals per second at `t`.
    pub fn rate_at(&self, t: Duration) -> f64 {
        let t = t.as_secs_f64();
        self.segments
            .iter()
            .find(|s| t < s.end)
            .map_or(0.0, |s| s.from + s.slope * (t - s.start))
    }

    /// Expected arrivals strictly before `t`: `N(t)`.
    pub fn expected(&self, t: Duration) -> f64 {
        let t = t.as_secs_f64();
        self.segments
            .iter()
            .rev()
            .find(|s| t >= s.start)
            .map_or(0.0, |s| s.before + s.arrivals_until(t))
    }

    /// How many arrivals are intended strictly before `t`: the number of `k`
    /// with `time_of(k) < t`.
    pub fn count_before(&self, t: Duration) -> u64 {
        let n = self.expected(t);
        // `k` arrives before `t` when N(time_of(k)) = k < N(t), i.e. k < ceil(N(t)).
        let mut count = n.ceil().max(0.0) as u64;
        // Guard the float edge: make the count agree with `time_of`.
        while count > 0 && self.time_of(count - 1).is_none_or(|at| at >= t) {
            count -= 1;
        }
        while self.time_of(count).is_some_and(|at| at < t) {
            count += 1;
        }
        count
    }

    /// When arrival `k` (0-based) is intended, from the start of the load;
    /// `None` when the rate never reaches it (a rate that ends at 0).
    pub fn time_of(&self, k: u64) -> Option<Duration> {
        let k = k as f64;
        let segment = self
            .segments
            .iter()
            .find(|s| k < s.before + s.arrivals_until(s.end) || s.end.is_infinite())?;
        let d = k - segment.before;
        if d <= 0.0 {
            return Some(Duration::from_secs_f64(segment.start));
        }
        // Solve from·τ + slope·τ²/2 = d for the smallest τ ≥ 0, in the form
        // that stays accurate when the slope is 0 or tiny.
        let root = segment.from * segment.from + 2.0 * segment.slope * d;
        let denominator = segment.from + root.max(0.0).sqrt();
        if denominator <= 0.0 || !denominator.is_finite() {
            return None;
        }
        let t = segment.start + 2.0 * d / denominator;
        (t.is_finite() && t < 1e12).then(|| Duration::from_secs_f64(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::valid::RateStage;

    fn load(start_rate: f64, stages: &[(f64, u64)]) -> OpenLoad {
        OpenLoad {
            start_rate,
            stages: stages
                .iter()
                .map(|&(rate, secs)| RateStage {
                    rate,
                    over: Duration::from_secs(secs),
                })
                .collect(),
            duration: Duration::from_secs(10),
            warmup: Duration::ZERO,
            seed: 1,
            grace: Duration::from_secs(1),
            max_in_flight: 100,
            tolerance: 0.02,
            max_lag: Duration::from_millis(100),
        }
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn constant_rate_arrives_on_exact_ticks() {
        let a = Arrivals::new(&load(500.0, &[]));
        assert_eq!(a.time_of(0), Some(Duration::ZERO));
        assert_eq!(a.time_of(1), Some(Duration::from_millis(2)));
        assert_eq!(a.time_of(500), Some(Duration::from_secs(1)));
        assert_eq!(a.count_before(Duration::from_secs(10)), 5_000);
        assert_eq!(a.count_before(Duration::from_secs(1)), 500);
        // Exactly at an arrival's time it is not yet "before".
        assert_eq!(a.count_before(Duration::from_millis(2)), 1);
        assert_eq!(a.count_before(Duration::from_micros(2001)), 2);
        assert_eq!(a.rate_at(Duration::from_secs(3)), 500.0);
    }

    #[test]
    fn a_ramp_from_zero_delivers_its_integral() {
        let a = Arrivals::new(&load(0.0, &[(400.0, 10)]));
        assert_eq!(a.count_before(Duration::from_secs(10)), 2_000);
        assert_eq!(a.time_of(0), Some(Duration::ZERO));
        // N(t) = 20 t² → arrival 20 at 1 s, 80 at 2 s.
        assert_eq!(a.time_of(20), Some(Duration::from_secs(1)));
        let t = a.time_of(80).unwrap().as_secs_f64();
        assert!((t - 2.0).abs() < 1e-9, "{t}");
        assert!((a.rate_at(secs(5.0)) - 200.0).abs() < 1e-9);
        // After the ramp the last rate holds.
        assert_eq!(a.count_before(Duration::from_secs(11)), 2_400);
    }

    #[test]
    fn stages_chain_and_ramp_down() {
        let a = Arrivals::new(&load(100.0, &[(300.0, 2), (100.0, 2)]));
        // 0..2 s: 100→300 = 400 arrivals; 2..4 s: 300→100 = 400 more.
        assert_eq!(a.count_before(Duration::from_secs(2)), 400);
        assert_eq!(a.count_before(Duration::from_secs(4)), 800);
        assert!((a.rate_at(secs(3.0)) - 200.0).abs() < 1e-9);
        let mut last = Duration::ZERO;
        for k in 0..900 {
            let t = a.time_of(k).unwrap();
            assert!(t >= last, "arrivals are in order");
            last = t;
        }
    }

    #[test]
    fn a_zero_rate_never_arrives() {
        let a = Arrivals::new(&load(0.0, &[]));
        assert_eq!(a.time_of(0), Some(Duration::ZERO));
        assert_eq!(a.time_of(1), None);
        let a = Arrivals::new(&load(10.0, &[(0.0, 1)]));
        // 0..1 s: 10→0, N reaches 5 exactly at 1 s: arrivals 0..=5, then nothing.
        assert_eq!(a.count_before(Duration::from_secs(1)), 5);
        assert_eq!(a.time_of(5), Some(Duration::from_secs(1)));
        assert_eq!(a.count_before(Duration::from_secs(100)), 6);
        assert_eq!(a.time_of(6), None);
    }
}
