//! A closed-model user: pick a request or a flow, send it, record it,
//! think, repeat, until told to stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::choices::{Choices, Weights};
use super::step::{Clock, Sender};
use super::transport::Transport;
use crate::plan::valid::ClosedLoad;
use crate::template::Who;

/// What every user of a run shares.
pub struct Crew<T> {
    /// Sends and records requests and flows.
    pub sender: Sender<T>,
    /// The weights of the requests, then the flows; `None` when none is
    /// positive (users then do nothing).
    pub weights: Option<Weights>,
    /// The workload (think time, warm-up, seed).
    pub load: ClosedLoad,
    /// Users active now, and the most at once.
    pub activity: Activity,
}

/// Active users (or, in the open model, requests in flight) now and the most at once.
#[derive(Debug, Default)]
pub struct Activity {
    active: AtomicU32,
    peak: AtomicU32,
}

impl Activity {
    /// Users active now.
    pub fn active(&self) -> u32 {
        self.active.load(Ordering::Relaxed)
    }

    /// The most users active at once.
    pub fn peak(&self) -> u32 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Counts a user as active until the guard is dropped (also when its task is aborted).
    fn enter(&self) -> ActiveGuard<'_> {
        self.arrive();
        ActiveGuard(self)
    }

    /// Counts one more active (a user, or an open-model request in flight).
    pub fn arrive(&self) {
        let now = self.active.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    /// Counts one fewer active; pairs with [`Activity::arrive`].
    pub fn leave(&self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
    }
}

struct ActiveGuard<'a>(&'a Activity);

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Runs user `index` over `(from, until)`: waits until `from` after the
/// start, then loops until `stop` turns true or `until` is reached (a stage
/// ramping down, or the planned duration). A stop cuts the start wait and think time short; a request in
/// flight is never cut here (the run's grace period decides its fate).
pub async fn run<T: Transport>(
    crew: Arc<Crew<T>>,
    index: u32,
    (from, until): (Duration, Duration),
    mut stop: watch::Receiver<bool>,
) {
    tokio::select! {
        biased;
        _ = stop.wait_for(|&s| s) => return,
        () = tokio::time::sleep_until(crew.sender.start + from) => {}
    }
    let Some(weights) = crew.weights.clone() else {
        return;
    };
    let _active = crew.activity.enter();
    // The user's own clone: a transport may keep a connection per clone.
    let transport = crew.sender.transport.clone();
    let mut choices = Choices::new(crew.load.seed, index, weights, crew.load.think_time);
    let worker = usize::try_from(index).unwrap_or(usize::MAX);
    let end = crew.sender.start + until.min(crew.load.duration);
    let mut who = Who {
        user: index,
        users: crew.load.users,
        ..Who::default()
    };
    loop {
        // The clock too, so that a late stop signal never lets a request start after the end.
        let go_on = || !*stop.borrow() && Instant::now() < end;
        if !go_on() {
            return;
        }
        let which = choices.next_request();
        let acted = crew
            .sender
            .act(&transport, (worker, which), &mut who, Clock::Send, go_on)
            .await;
        if acted.is_err() {
            // The data ran out: the run is told to end.
            return;
        }
        let think = choices.think();
        if think.is_zero() {
            // Let the stop signal and other tasks in even when replies are instant.
            tokio::task::yield_now().await;
        } else {
            tokio::select! {
                biased;
                _ = stop.wait_for(|&s| s) => return,
                () = tokio::time::sleep_until(end) => return,
                () = tokio::time::sleep(think) => {}
            }
        }
    }
}
