//! When load starts: pure functions of the plan, never of responses.

use std::time::Duration;

use crate::plan::valid::ClosedLoad;

/// When each worker starts, relative to the start of the load.
///
/// Only the closed model exists today; the open model (arrivals on a clock)
/// joins as another variant whose offsets are intended send times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// `users` users started at `spawn_rate` per second, the first at once.
    Closed {
        /// How many users.
        users: u32,
        /// Users started per second (finite, > 0).
        spawn_rate: f64,
    },
}

impl Schedule {
    /// The schedule of a closed workload.
    pub fn closed(load: &ClosedLoad) -> Self {
        Schedule::Closed {
            users: load.users,
            spawn_rate: load.spawn_rate,
        }
    }

    /// When user `index` starts: `index / spawn_rate` seconds after the start,
    /// rounded to the nanosecond; `None` for an index beyond the last user or
    /// a rate that is not finite and positive.
    pub fn start_offset(&self, index: u32) -> Option<Duration> {
        match *self {
            Schedule::Closed { users, spawn_rate } => {
                if index >= users || !spawn_rate.is_finite() || spawn_rate <= 0.0 {
                    return None;
                }
                // Nanoseconds first: exact for decimal rates such as 10/s (3 → 300 ms).
                let nanos = (f64::from(index) * 1e9 / spawn_rate).round();
                // `as` saturates; an offset of ~584 years is never reached anyway.
                Some(Duration::from_nanos(nanos as u64))
            }
        }
    }

    /// The users that start strictly before `end`, with their offsets, in order.
    pub fn starts_before(&self, end: Duration) -> impl Iterator<Item = (u32, Duration)> + '_ {
        let users = match *self {
            Schedule::Closed { users, .. } => users,
        };
        (0..users)
            .map_while(move |i| self.start_offset(i).map(|offset| (i, offset)))
            .take_while(move |&(_, offset)| offset < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(users: u32, spawn_rate: f64) -> Schedule {
        Schedule::Closed { users, spawn_rate }
    }

    #[test]
    fn offsets_are_index_over_rate() {
        let s = closed(5, 2.0);
        assert_eq!(s.start_offset(0), Some(Duration::ZERO));
        assert_eq!(s.start_offset(1), Some(Duration::from_millis(500)));
        assert_eq!(s.start_offset(4), Some(Duration::from_secs(2)));
        assert_eq!(s.start_offset(5), None);
    }

    #[test]
    fn decimal_and_slow_rates_are_exact() {
        let s = closed(100, 10.0);
        assert_eq!(s.start_offset(3), Some(Duration::from_millis(300)));
        assert_eq!(s.start_offset(99), Some(Duration::from_millis(9_900)));
        assert_eq!(closed(3, 0.5).start_offset(2), Some(Duration::from_secs(4)));
        assert_eq!(
            closed(2, 3.0).start_offset(1),
            Some(Duration::from_nanos(333_333_333))
        );
    }

    #[test]
    fn a_user_due_exactly_at_the_end_never_starts() {
        let s = closed(10, 4.0);
        let starts: Vec<_> = s.starts_before(Duration::from_secs(1)).collect();
        assert_eq!(
            starts,
            vec![
                (0, Duration::ZERO),
                (1, Duration::from_millis(250)),
                (2, Duration::from_millis(500)),
                (3, Duration::from_millis(750)),
            ]
        );
        let one_more = s.starts_before(Duration::from_nanos(1_000_000_001));
        assert_eq!(one_more.count(), 5);
        assert_eq!(s.starts_before(Duration::ZERO).count(), 0);
        assert_eq!(s.starts_before(Duration::from_secs(60)).count(), 10);
    }

    #[test]
    fn bad_rates_start_nobody() {
        assert_eq!(closed(3, 0.0).start_offset(0), None);
        assert_eq!(closed(3, f64::NAN).start_offset(0), None);
        assert_eq!(closed(0, 1.0).starts_before(Duration::MAX).count(), 0);
    }
}
