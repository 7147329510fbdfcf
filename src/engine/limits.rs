//! The open-files limit: perfgate raises its own `RLIMIT_NOFILE` soft limit as
//! far as the hard limit allows, and refuses a plan before anything is sent
//! when even that is too few descriptors for the plan's concurrency, instead
//! of failing mid-run with `EMFILE`.
//!
//! [`decide`] and [`check`] are pure, so the arithmetic is unit-tested without
//! touching the process; [`ensure`] applies them to the running process.

use std::fmt;

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors perfgate needs besides one per concurrent connection: standard
/// streams, the async runtime's epoll and wake-up descriptors, report files,
/// the served command's pipes, the plan and data files.
pub const MARGIN: u64 = 64;

/// Open files a plan with `concurrency` concurrent connections (closed-model
/// users or the open model's `max_in_flight`) needs: one per connection plus
/// [`MARGIN`].
#[must_use]
pub fn needed(concurrency: u32) -> u64 {
    u64::from(concurrency) + MARGIN
}

/// The process's open-files limits; `None` is unlimited (`RLIM_INFINITY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The soft (effective) limit.
    pub soft: Option<u64>,
    /// The hard limit, the ceiling for the soft one.
    pub hard: Option<u64>,
}

impl Limits {
    /// The open-files limits of the running process.
    #[must_use]
    pub fn current() -> Limits {
        let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
        Limits {
            soft: current,
            hard: maximum,
        }
    }
}

/// The soft limit to set before the run, or `None` to leave it: the hard
/// limit when that is above the soft one. With an unlimited hard limit (some
/// systems cap the soft limit lower than that, so it cannot be set to
/// infinity) it is `needed`, when that is above the soft one.
#[must_use]
pub fn decide(needed: u64, limits: Limits) -> Option<u64> {
    let soft = limits.soft?;
    let target = limits.hard.unwrap_or(needed);
    (target > soft).then_some(target)
}

/// Too few open files for the plan, even after raising the soft limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooFew {
    /// The plan's concurrency (users or `max_in_flight`).
    pub concurrency: u32,
    /// Descriptors the plan needs: [`needed`] of the concurrency.
    pub needed: u64,
    /// The limits in force after trying to raise the soft one.
    pub limits: Limits,
}

impl fmt::Display for TooFew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<u64>| v.map_or_else(|| "unlimited".to_owned(), |n| n.to_string());
        write!(
            f,
            "too few open files for this plan: it needs about {needed} ({concurrency} concurrent \
             connections + {MARGIN} for perfgate itself), but the open-files limit is {soft} \
             (soft) and {hard} (hard), and perfgate can raise the soft limit only up to the hard \
             one; nothing was sent\n  help: raise the limit in the shell that starts perfgate \
             (`ulimit -n {needed}`, which may need root to go above the hard limit; \
             `LimitNOFILE=` under systemd, `--ulimit nofile={needed}:{needed}` under Docker), \
             or lower the plan's users or max_in_flight",
            needed = self.needed,
            concurrency = self.concurrency,
            soft = show(self.limits.soft),
            hard = show(self.limits.hard),
        )
    }
}

impl std::error::Error for TooFew {}

/// Whether `limits` (the ones in force after raising) give a plan with
/// `concurrency` concurrent connections enough open files.
///
/// # Errors
///
/// [`TooFew`] with the numbers when the soft limit is below [`needed`].
pub fn check(concurrency: u32, limits: Limits) -> Result<(), TooFew> {
    let needed = needed(concurrency);
    match limits.soft {
        Some(soft) if soft < needed => Err(TooFew {
            concurrency,
            needed,
            limits,
        }),
        _ => Ok(()),
    }
}

/// Raises this process's open-files soft limit as far as the hard limit
/// allows, then checks that it is enough for `concurrency` concurrent
/// connections. Commands the run starts (`serve:`) inherit the raised limit.
///
/// # Errors
///
/// [`TooFew`] when even the raised limit is below [`needed`]; nothing has
/// been sent or started then.
pub fn ensure(concurrency: u32) -> Result<Limits, TooFew> {
    let before = Limits::current();
    if let Some(soft) = decide(needed(concurrency), before) {
        // A refusal (e.g. a soft limit capped below an unlimited hard one) is
        // not an error in itself: the check below judges what is in force.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(soft),
                maximum: before.hard,
            },
        );
    }
    let after = Limits::current();
    check(concurrency, after).map(|()| after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(soft: Option<u64>, hard: Option<u64>) -> Limits {
        Limits { soft, hard }
    }

    #[test]
    fn needed_is_concurrency_plus_margin() {
        assert_eq!(needed(0), MARGIN);
        assert_eq!(needed(500), 564);
        assert_eq!(needed(u32::MAX), u64::from(u32::MAX) + MARGIN);
    }

    #[test]
    fn decide_raises_the_soft_limit_to_the_hard_one() {
        assert_eq!(
            decide(564, limits(Some(1024), Some(524_288))),
            Some(524_288)
        );
        // Raised even when the soft limit is already enough: as far as allowed.
        assert_eq!(decide(100, limits(Some(1024), Some(4096))), Some(4096));
        // Raised even when the hard limit is too low: the check reports it.
        assert_eq!(decide(564, limits(Some(64), Some(256))), Some(256));
    }

    #[test]
    fn decide_leaves_a_soft_limit_at_the_hard_one_or_unlimited() {
        assert_eq!(decide(564, limits(Some(64), Some(64))), None);
        assert_eq!(decide(564, limits(None, None)), None);
        assert_eq!(decide(564, limits(None, Some(64))), None);
    }

    #[test]
    fn decide_with_an_unlimited_hard_limit_asks_for_what_is_needed() {
        assert_eq!(decide(20_064, limits(Some(10_240), None)), Some(20_064));
        assert_eq!(decide(564, limits(Some(10_240), None)), None);
    }

    #[test]
    fn check_passes_at_exactly_what_is_needed() {
        assert_eq!(check(500, limits(Some(564), Some(564))), Ok(()));
        assert_eq!(check(500, limits(None, None)), Ok(()));
        assert_eq!(check(10_000, limits(Some(524_288), Some(524_288))), Ok(()));
    }

    #[test]
    fn check_refuses_below_what_is_needed_with_the_numbers() {
        let err = check(500, limits(Some(563), Some(563))).unwrap_err();
        assert_eq!(err.needed, 564);
        assert_eq!(err.concurrency, 500);
        let text = err.to_string();
        for part in [
            "564",
            "500 concurrent",
            "563 (soft)",
            "563 (hard)",
            "ulimit -n 564",
        ] {
            assert!(text.contains(part), "{part:?} missing from {text}");
        }
    }

    #[test]
    fn ensure_leaves_the_process_enough_for_a_small_plan() {
        let after = ensure(1).expect("any usable machine allows 65 open files");
        let now = Limits::current();
        assert_eq!(after, now);
        if let (Some(soft), Some(hard)) = (now.soft, now.hard) {
            assert_eq!(soft, hard, "the soft limit is raised to the hard one");
        }
    }
}
