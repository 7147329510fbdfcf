//! Once a second: close the recorder's current second (time series) and
//! publish [`Progress`].

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::progress::Progress;
use super::user::Activity;
use crate::core::summary::WindowVerdict;
use crate::metrics::recorder::Recorder;
use crate::slo::window::Judge;

/// The per-second clock of a run.
pub struct Ticker<'a> {
    recorder: &'a Recorder,
    judge: Judge,
    abort: watch::Sender<Option<String>>,
    activity: &'a Activity,
    start: Instant,
    progress: Option<watch::Sender<Progress>>,
    last: Progress,
    last_tick: Instant,
    next_t: u64,
}

impl<'a> Ticker<'a> {
    /// A ticker for a load that started at `start` and is planned to last `duration`.
    /// Windowed objectives go to `judge`; the first breach that aborts is
    /// sent on `abort`.
    pub fn new(
        recorder: &'a Recorder,
        activity: &'a Activity,
        (start, duration): (Instant, Duration),
        (judge, abort): (Judge, watch::Sender<Option<String>>),
        progress: Option<watch::Sender<Progress>>,
    ) -> Self {
        Self {
            recorder,
            judge,
            abort,
            activity,
            start,
            progress,
            last: Progress {
                duration,
                ..Progress::default()
            },
            last_tick: start,
            next_t: 0,
        }
    }

    /// Ticks while `work` runs, then finishes (see [`Ticker::finish`]):
    /// `work`'s output and the windowed verdicts.
    pub async fn beside<T>(self, work: impl Future<Output = T>) -> (T, Vec<WindowVerdict>) {
        let (done_tx, done_rx) = watch::channel(false);
        let work = async {
            let out = work.await;
            done_tx.send_replace(true);
            out
        };
        let (out, ticker) = tokio::join!(work, self.run(done_rx));
        (out, ticker.finish())
    }

    /// Ticks at every whole second after the start until `done` turns true.
    /// A late tick is not made up: its point covers the longer span.
    async fn run(mut self, mut done: watch::Receiver<bool>) -> Self {
        let period = Duration::from_secs(1);
        let mut clock = tokio::time::interval_at(self.start + period, period);
        clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                biased;
                _ = done.wait_for(|&d| d) => return self,
                at = clock.tick() => {
                    // Point t covers [t, t+1): the tick at second k closes second k-1.
                    let t = at.duration_since(self.start).as_secs().saturating_sub(1);
                    self.tick(t.max(self.next_t));
                }
            }
        }
    }

    /// Closes the last, partial second if anything completed in it,
    /// publishes the final progress, and returns the windowed verdicts.
    fn finish(mut self) -> Vec<WindowVerdict> {
        if self.recorder.has_pending() {
            self.tick(self.next_t);
        } else {
            self.last.elapsed = self.start.elapsed();
            self.last.users = self.activity.active();
            self.publish();
        }
        self.judge.finish()
    }

    fn tick(&mut self, t: u64) {
        let users = self.activity.active();
        let second = self.recorder.close_second(t, users);
        if let Some(reason) = self.judge.second(t, &second.per_request) {
            self.abort.send_if_modified(|slot| {
                let first = slot.is_none();
                slot.get_or_insert(reason);
                first
            });
        }
        let now = Instant::now();
        let span = now.duration_since(self.last_tick).as_secs_f64();
        self.last_tick = now;
        self.next_t = t + 1;
        self.last.elapsed = now.duration_since(self.start);
        self.last.users = users;
        self.last.requests += second.requests;
        self.last.errors += second.errors;
        self.last.rps = if span > 0.0 {
            second.requests as f64 / span
        } else {
            0.0
        };
        self.last.p95_ms = second.p95_ms;
        self.publish();
    }

    fn publish(&self) {
        if let Some(sender) = &self.progress {
            sender.send_replace(self.last);
        }
    }
}
