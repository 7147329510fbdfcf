//! A user's seeded random choices: which request to send, how long to think.
//! The same plan seed and user index give the same sequence.

use std::sync::Arc;
use std::time::Duration;

use crate::core::values::ThinkTime;

/// Cumulative request weights, shared by every user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights {
    cumulative: Arc<[u64]>,
    total: u64,
}

impl Weights {
    /// The weights in plan order; `None` when no request has a positive weight.
    pub fn new(weights: impl IntoIterator<Item = u32>) -> Option<Self> {
        let mut total = 0u64;
        let cumulative: Arc<[u64]> = weights
            .into_iter()
            .map(|w| {
                total += u64::from(w);
                total
            })
            .collect();
        (total > 0).then_some(Self { cumulative, total })
    }
}

/// One user's random source.
#[derive(Debug, Clone)]
pub struct Choices {
    rng: fastrand::Rng,
    weights: Weights,
    think: ThinkTime,
}

impl Choices {
    /// The choices of user `user` in a run seeded with `seed`.
    pub fn new(seed: u64, user: u32, weights: Weights, think: ThinkTime) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(user_seed(seed, user)),
            weights,
            think,
        }
    }

    /// The index of the next request: request `i` with probability
    /// `weight[i] / total`; a zero weight is never chosen.
    pub fn next_request(&mut self) -> usize {
        let r = self.rng.u64(0..self.weights.total);
        // The first request whose cumulative weight exceeds r.
        self.weights.cumulative.partition_point(|&c| c <= r)
    }

    /// The next think time, uniform in `[min, max]` (nanosecond resolution).
    pub fn think(&mut self) -> Duration {
        let min = nanos(self.think.min);
        let max = nanos(self.think.max).max(min);
        Duration::from_nanos(self.rng.u64(min..=max))
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Decorrelates users' streams: SplitMix64 of the seed stepped by the user index.
fn user_seed(seed: u64, user: u32) -> u64 {
    let mut z = seed.wrapping_add((u64::from(user) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(seed: u64, user: u32, weights: &[u32]) -> Choices {
        let weights = Weights::new(weights.iter().copied()).unwrap();
        Choices::new(seed, user, weights, ThinkTime::default())
    }

    fn sequence(seed: u64, user: u32) -> Vec<usize> {
        let mut c = choices(seed, user, &[3, 0, 5, 2]);
        (0..200).map(|_| c.next_request()).collect()
    }

    #[test]
    fn same_seed_and_user_same_sequence() {
        assert_eq!(sequence(42, 7), sequence(42, 7));
        assert_ne!(sequence(42, 7), sequence(42, 8));
        assert_ne!(sequence(42, 7), sequence(43, 7));
    }

    #[test]
    fn zero_weight_is_never_chosen_and_proportions_hold() {
        let mut c = choices(1, 0, &[0, 9, 0, 1, 0]);
        let mut counts = [0u32; 5];
        for _ in 0..100_000 {
            counts[c.next_request()] += 1;
        }
        assert_eq!(counts[0] + counts[2] + counts[4], 0, "{counts:?}");
        let share = f64::from(counts[1]) / 100_000.0;
        assert!((share - 0.9).abs() < 0.01, "{counts:?}");
    }

    #[test]
    fn no_positive_weight_no_choices() {
        assert!(Weights::new([0, 0]).is_none());
        assert!(Weights::new([]).is_none());
        let mut single = choices(5, 0, &[1]);
        assert!((0..100).all(|_| single.next_request() == 0));
    }

    #[test]
    fn think_time_stays_in_range() {
        let weights = Weights::new([1]).unwrap();
        let think = ThinkTime {
            min: Duration::from_millis(3),
            max: Duration::from_millis(5),
        };
        let mut c = Choices::new(9, 1, weights.clone(), think);
        let waits: Vec<_> = (0..1000).map(|_| c.think()).collect();
        assert!(waits.iter().all(|w| think.min <= *w && *w <= think.max));
        assert!(waits.iter().any(|w| *w < Duration::from_millis(4)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(4)));
        let mut none = Choices::new(9, 1, weights, ThinkTime::default());
        assert_eq!(none.think(), Duration::ZERO);
    }
}
