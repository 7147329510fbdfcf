//! The open model: arrivals on a clock, whatever the responses do.
//!
//! One dispatcher walks the [`Arrivals`] schedule. Each arrival carries its
//! intended send time; a late dispatcher releases every due arrival at once,
//! each stamped with its own intended time, so neither the tokio timer's
//! granularity nor a stall biases the schedule. Latency is completion minus
//! the intended time (queueing inside the generator counts: no coordinated
//! omission); service time is completion minus the actual send. Arrivals
//! beyond `max_in_flight` are dropped and counted, never delayed.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::arrivals::Arrivals;
use super::choices::{Choices, Weights};
use super::progress::Progress;
use super::run::{drain_within, executed_base, summary};
use super::step::{Clock, Sender};
use super::ticker::Ticker;
use super::transport::Transport;
use super::user::Activity;
use crate::core::histogram::{new_latency, percentile_ms, record};
use crate::core::summary::{LoadExecuted, OpenExecuted, Summary};
use crate::core::values::ThinkTime;
use crate::plan::valid::{OpenLoad, ValidPlan};
use crate::slo::window::Judge;
use crate::template::Who;

/// An arrival dispatched later than this after its intended time is late.
pub const LATE: Duration = Duration::from_millis(10);

/// What every in-flight request shares.
struct Shared<T> {
    sender: Sender<T>,
    activity: Activity,
    /// Set once no arrival is due any more: flows in flight start no further step.
    ended: AtomicBool,
}

/// The dispatcher's own account of the schedule.
struct Dispatch {
    dispatched: u64,
    dropped: u64,
    late: u64,
    lag: Histogram<u64>,
}

/// Runs `load` through `transport` and returns what happened.
pub(super) async fn run<T: Transport>(
    plan: &ValidPlan,
    load: &OpenLoad,
    transport: T,
    interrupt: impl Future<Output = ()> + Send,
    windows: (Judge, watch::Sender<Option<String>>),
    progress: Option<watch::Sender<Progress>>,
) -> Summary {
    let arrivals = Arrivals::new(load);
    let started_at = Utc::now();
    let start = Instant::now();
    let shared = Arc::new(Shared {
        sender: Sender::new(plan, transport, (start, load.warmup), load.max_in_flight),
        activity: Activity::default(),
        ended: AtomicBool::new(false),
    });
    let weights = Weights::new(plan.action_weights());
    let ticker = Ticker::new(
        &shared.sender.recorder,
        &shared.activity,
        (start, load.duration),
        windows,
        progress,
    );
    let work = async {
        let mut in_flight = JoinSet::new();
        let (interrupted, account) = dispatch(
            &shared,
            (load, weights),
            &arrivals,
            &mut in_flight,
            interrupt,
        )
        .await;
        shared.ended.store(true, Ordering::Relaxed);
        let elapsed = start.elapsed().min(load.duration);
        let ended_at = Utc::now();
        drain_within(load.grace, &mut in_flight).await;
        (interrupted, account, elapsed, ended_at)
    };
    let ((interrupted, account, elapsed, ended_at), windows) = ticker.beside(work).await;

    let (totals, flows) = shared.sender.finish(elapsed.saturating_sub(load.warmup));
    let scheduled = arrivals.count_before(elapsed);
    let seconds = elapsed.as_secs_f64();
    let per_second = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    let open = OpenExecuted {
        target_rate: per_second(scheduled),
        achieved_rate: per_second(account.dispatched),
        scheduled,
        dispatched: account.dispatched,
        sent: account.dispatched - account.dropped,
        dropped: account.dropped,
        late: account.late,
        lag_max_ms: account.lag.max() as f64 / 1000.0,
        lag_p99_ms: percentile_ms(&account.lag, 99.0).unwrap_or(0.0),
        max_in_flight: load.max_in_flight,
        tolerance: load.tolerance,
        max_lag_ms: load.max_lag.as_secs_f64() * 1000.0,
    };
    let executed = LoadExecuted {
        model: "open".to_owned(),
        peak_users: shared.activity.peak(),
        think_time: ThinkTime::default().to_string(),
        open: Some(open),
        ..executed_base(
            (load.duration, elapsed),
            (load.warmup, load.grace),
            load.seed,
            &totals,
        )
    };
    let mut summary = summary(plan, (started_at, ended_at), interrupted, executed, totals);
    summary.windows = windows;
    summary.flows = flows;
    summary
}

/// Walks the schedule until its end or `interrupt`; returns whether it was
/// interrupted and the dispatcher's account.
async fn dispatch<T: Transport>(
    shared: &Arc<Shared<T>>,
    (load, weights): (&OpenLoad, Option<Weights>),
    arrivals: &Arrivals,
    in_flight: &mut JoinSet<()>,
    interrupt: impl Future<Output = ()> + Send,
) -> (bool, Dispatch) {
    tokio::pin!(interrupt);
    let mut account = Dispatch {
        dispatched: 0,
        dropped: 0,
        late: 0,
        lag: new_latency(),
    };
    let Some(weights) = weights else {
        return (false, account);
    };
    let mut choices = Choices::new(load.seed, 0, weights, ThinkTime::default());
    let start = shared.sender.start;
    let end = start + load.duration;
    let mut k: u64 = 0;
    loop {
        // A dispatcher still behind at the end stops there: the arrivals it did
        // not reach count against the achieved rate.
        let next = arrivals
            .time_of(k)
            .map(|offset| start + offset)
            .filter(|&at| at < end && Instant::now() < end);
        let Some(intended) = next else {
            // Nothing more is due: wait for the end (or an interrupt).
            let interrupted = tokio::select! {
                biased;
                () = &mut interrupt => true,
                () = tokio::time::sleep_until(end) => false,
            };
            return (interrupted, account);
        };
        if intended > Instant::now() {
            tokio::select! {
                biased;
                () = &mut interrupt => return (true, account),
                () = tokio::time::sleep_until(intended) => {}
            }
        }
        while in_flight.try_join_next().is_some() {}
        let lag = Instant::now().saturating_duration_since(intended);
        record(
            &mut account.lag,
            u64::try_from(lag.as_micros()).unwrap_or(u64::MAX),
        );
        account.late += u64::from(lag > LATE);
        account.dispatched += 1;
        let which = choices.next_request();
        let worker = usize::try_from(k).unwrap_or(usize::MAX);
        k += 1;
        if shared.activity.active() >= load.max_in_flight {
            account.dropped += 1;
            let warmup = intended.duration_since(start) < load.warmup;
            shared.sender.drop_arrival(worker, which, warmup);
            continue;
        }
        shared.activity.arrive();
        in_flight.spawn(send(Arc::clone(shared), worker, which, intended));
    }
}

/// Sends one arrival (a request or a flow) and records it; leaves the
/// in-flight count when done or cancelled.
async fn send<T: Transport>(
    shared: Arc<Shared<T>>,
    worker: usize,
    which: usize,
    intended: Instant,
) {
    let _leave = Leave(Arc::clone(&shared));
    // Each arrival is its own user: arrival `worker`, on its first request.
    let mut who = Who {
        user: u32::try_from(worker).unwrap_or(u32::MAX),
        users: 1,
        ..Who::default()
    };
    let go_on = || !shared.ended.load(Ordering::Relaxed);
    let sender = &shared.sender;
    let clock = Clock::Intended(intended);
    // A `UsedUp` has told the run to end; nothing more to do here.
    let _ = sender
        .act(&sender.transport, (worker, which), &mut who, clock, go_on)
        .await;
}

/// Takes a request out of the in-flight count when dropped.
struct Leave<T>(Arc<Shared<T>>);

impl<T> Drop for Leave<T> {
    fn drop(&mut self) {
        self.0.activity.leave();
    }
}
