//! A closed-model user: pick a request, send it, record it, think, repeat,
//! until told to stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::choices::{Choices, Weights};
use super::outcome::completion;
use super::transport::{Transport, TransportError};
use crate::metrics::recorder::Recorder;
use crate::metrics::summary::ErrorKind;
use crate::plan::valid::{ClosedLoad, RequestDef};
use crate::template::{BuildError, Templating, Who};

/// What every user of a run shares.
pub struct Crew<T> {
    /// Sends the requests; each user sends through its own clone.
    pub transport: T,
    /// The plan's requests, in plan order.
    pub requests: Vec<RequestDef>,
    /// Their weights; `None` when none is positive (users then do nothing).
    pub weights: Option<Weights>,
    /// The workload (think time, warm-up, seed).
    pub load: ClosedLoad,
    /// Where results go.
    pub recorder: Recorder,
    /// When the load started.
    pub start: Instant,
    /// Users active now, and the most at once.
    pub activity: Activity,
    /// Templates and feeders.
    pub templating: Arc<Templating>,
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
        () = tokio::time::sleep_until(crew.start + from) => {}
    }
    let Some(weights) = crew.weights.clone() else {
        return;
    };
    let _active = crew.activity.enter();
    // The user's own clone: a transport may keep a connection per clone.
    let transport = crew.transport.clone();
    let mut choices = Choices::new(crew.load.seed, index, weights, crew.load.think_time);
    let worker = usize::try_from(index).unwrap_or(usize::MAX);
    let end = crew.start + until.min(crew.load.duration);
    let mut who = Who {
        user: index,
        users: crew.load.users,
        ..Who::default()
    };
    loop {
        // The clock too, so that a late stop signal never lets a request start after the end.
        if *stop.borrow() || Instant::now() >= end {
            return;
        }
        let which = choices.next_request();
        let Some(request) = crew.requests.get(which) else {
            return;
        };
        // Built before the clock starts: rendering is perfgate's work, not the target's.
        let built = crew.templating.build(request, &mut who);
        crew.recorder.start(worker, which);
        let warmup = || crew.start.elapsed() < crew.load.warmup;
        let completion = match built {
            Ok(built) => {
                let sent = std::time::Instant::now();
                let result = transport.send(&built).await;
                let latency = sent.elapsed();
                completion(request, result, (latency, None), warmup())
            }
            // The run is told to end; this request counts as cancelled.
            Err(BuildError::UsedUp) => return,
            Err(BuildError::Render(message)) => {
                let err = TransportError {
                    kind: ErrorKind::Template,
                    message,
                };
                completion(request, Err(err), (Duration::ZERO, None), warmup())
            }
        };
        crew.recorder.complete(worker, which, completion);
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
