//! The closed model's user stages (`stages: [{ users, over }]`), as a pure
//! function of time: when each user is active.
//!
//! The user count ramps linearly from `start_users` through each stage and
//! then holds the last value. User `i` (0-based) is active while the count is
//! at least `i + 1`; so ramping 0 → 10 users over 10 s starts user `i` at
//! `i + 1` seconds, and ramping back down stops the highest-numbered users
//! first. A stopped user finishes the request it has in flight.

use std::time::Duration;

use crate::plan::valid::ClosedLoad;

/// One span of one user's activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The user index.
    pub user: u32,
    /// When it starts, from the start of the load.
    pub from: Duration,
    /// When it stops starting requests (at most the planned duration).
    pub until: Duration,
}

/// Every span of user activity of a staged closed load, ordered by user
/// then time; spans that would start at or after the end are left out.
pub fn spans(load: &ClosedLoad) -> Vec<Span> {
    // The corners of the piecewise-linear user count, ending with a hold.
    let mut corners = vec![(0.0_f64, f64::from(load.start_users))];
    let mut t = 0.0;
    for stage in &load.stages {
        t += stage.over.as_secs_f64();
        corners.push((t, f64::from(stage.users)));
    }
    let end = load.duration.as_secs_f64();
    if let Some(&(last_t, last_u)) = corners.last()
        && last_t < end
    {
        corners.push((end, last_u));
    }
    let mut out = Vec::new();
    for user in 0..load.users {
        let level = f64::from(user) + 1.0;
        let mut from = (corners[0].1 >= level).then_some(0.0);
        for pair in corners.windows(2) {
            let [(t0, u0), (t1, u1)] = [pair[0], pair[1]];
            match from {
                None if u1 >= level && u0 < level => {
                    from = Some(t0 + (level - u0) / (u1 - u0) * (t1 - t0));
                }
                Some(start) if u1 < level && u0 >= level => {
                    let stop = t0 + (u0 - level) / (u0 - u1) * (t1 - t0);
                    push(&mut out, user, start, stop, end);
                    from = None;
                }
                _ => {}
            }
        }
        if let Some(start) = from {
            push(&mut out, user, start, end, end);
        }
    }
    out
}

fn push(out: &mut Vec<Span>, user: u32, from: f64, until: f64, end: f64) {
    let until = until.min(end);
    if from < end && until > from {
        out.push(Span {
            user,
            from: Duration::from_secs_f64(from),
            until: Duration::from_secs_f64(until),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::values::ThinkTime;
    use crate::plan::valid::UserStage;

    fn load(start_users: u32, stages: &[(u32, u64)], duration: u64) -> ClosedLoad {
        let stages: Vec<UserStage> = stages
            .iter()
            .map(|&(users, s)| UserStage {
                users,
                over: Duration::from_secs(s),
            })
            .collect();
        let peak = stages
            .iter()
            .map(|s| s.users)
            .max()
            .unwrap_or(0)
            .max(start_users);
        ClosedLoad {
            users: peak,
            stages,
            start_users,
            spawn_rate: 1.0,
            duration: Duration::from_secs(duration),
            think_time: ThinkTime::default(),
            warmup: Duration::ZERO,
            seed: 1,
            grace: Duration::from_secs(1),
        }
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn ramp_up_hold_and_down() {
        // 0 → 10 users over 10 s, hold 10 s, 10 → 0 over 10 s.
        let spans = spans(&load(0, &[(10, 10), (10, 10), (0, 10)], 30));
        assert_eq!(spans.len(), 10);
        assert_eq!(
            spans[0],
            Span {
                user: 0,
                from: secs(1.0),
                until: secs(29.0)
            }
        );
        assert_eq!(
            spans[9],
            Span {
                user: 9,
                from: secs(10.0),
                until: secs(20.0)
            }
        );
        // Halfway down (25 s) 5 users remain: users 0..=4 are still active.
        let active_at = |t: f64| {
            spans
                .iter()
                .filter(|s| s.from <= secs(t) && secs(t) < s.until)
                .count()
        };
        assert_eq!(active_at(25.0), 4);
        assert_eq!(active_at(15.0), 10);
        assert_eq!(active_at(5.5), 5);
    }

    #[test]
    fn up_down_up_gives_two_spans() {
        // 2 → 0 users over 2 s, then 0 → 2 over 2 s: user 0 leaves at 1 s and
        // is back at 3 s; user 1 leaves at once and is back at 4 s.
        let spans = spans(&load(2, &[(0, 2), (2, 2)], 10));
        let user0: Vec<_> = spans.iter().filter(|s| s.user == 0).collect();
        assert_eq!(user0.len(), 2, "{spans:?}");
        assert_eq!((user0[0].from, user0[0].until), (Duration::ZERO, secs(1.0)));
        assert_eq!((user0[1].from, user0[1].until), (secs(3.0), secs(10.0)));
        let user1: Vec<_> = spans.iter().filter(|s| s.user == 1).collect();
        assert_eq!(user1.len(), 1, "{spans:?}");
        assert_eq!((user1[0].from, user1[0].until), (secs(4.0), secs(10.0)));
    }

    #[test]
    fn the_last_value_holds_until_the_end() {
        let spans = spans(&load(0, &[(4, 2)], 60));
        assert_eq!(spans.len(), 4);
        assert!(spans.iter().all(|s| s.until == secs(60.0)));
        assert_eq!(spans[3].from, secs(2.0));
    }
}
