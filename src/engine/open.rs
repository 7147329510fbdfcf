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
use std::time::Duration;

use chrono::Utc;
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::arrivals::Arrivals;
use super::choices::{Choices, Weights};
use super::outcome::completion;
use super::progress::Progress;
use super::run::{drain, summary};
use super::ticker::Ticker;
use super::transport::{Transport, TransportError};
use super::user::Activity;
use super::windows::Judge;
use crate::metrics::histogram::{new_latency, percentile_ms, record};
use crate::metrics::recorder::Recorder;
use crate::metrics::summary::{ErrorKind, LoadExecuted, OpenExecuted, Summary};
use crate::plan::valid::{OpenLoad, RequestDef, ValidPlan};
use crate::plan::values::ThinkTime;
use crate::template::{BuildError, Templating, Who};

/// An arrival dispatched later than this after its intended time is late.
pub const LATE: Duration = Duration::from_millis(10);

/// What every in-flight request shares.
struct Shared<T> {
    transport: T,
    requests: Vec<RequestDef>,
    recorder: Recorder,
    activity: Activity,
    start: Instant,
    warmup: Duration,
    templating: Arc<Templating>,
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
    let names = plan.requests.iter().map(|r| r.name.clone()).collect();
    let started_at = Utc::now();
    let start = Instant::now();
    let shared = Arc::new(Shared {
        transport,
        requests: plan.requests.clone(),
        recorder: Recorder::new(names, Recorder::shards_for(load.max_in_flight)),
        activity: Activity::default(),
        start,
        warmup: load.warmup,
        templating: Arc::clone(&plan.templating),
    });
    let (done_tx, done_rx) = watch::channel(false);
    let ticker = Ticker::new(
        &shared.recorder,
        &shared.activity,
        (start, load.duration),
        windows,
        progress,
    );
    let work = async {
        let mut in_flight = JoinSet::new();
        let (interrupted, account) =
            dispatch(&shared, load, &arrivals, &mut in_flight, interrupt).await;
        let elapsed = start.elapsed().min(load.duration);
        let ended_at = Utc::now();
        if tokio::time::timeout(load.grace, drain(&mut in_flight))
            .await
            .is_err()
        {
            in_flight.abort_all();
            drain(&mut in_flight).await;
        }
        done_tx.send_replace(true);
        (interrupted, account, elapsed, ended_at)
    };
    let ((interrupted, account, elapsed, ended_at), ticker) =
        tokio::join!(work, ticker.run(done_rx));
    let windows = ticker.finish();

    let totals = shared.recorder.finish(elapsed.saturating_sub(load.warmup));
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
        users: 0,
        peak_users: shared.activity.peak(),
        spawn_rate: 0.0,
        think_time: ThinkTime::default().to_string(),
        duration_s: load.duration.as_secs_f64(),
        elapsed_s: seconds,
        warmup_s: load.warmup.as_secs_f64(),
        seed: load.seed,
        grace_s: load.grace.as_secs_f64(),
        requests_started: totals.started,
        warmup_requests: totals.warmup,
        cancelled: totals.cancelled,
        cpu_s: None,
        peak_rss_bytes: None,
        open: Some(open),
        aborted: None,
        data_end: None,
    };
    let mut summary = summary(plan, (started_at, ended_at), interrupted, executed, totals);
    summary.windows = windows;
    summary
}

/// Walks the schedule until its end or `interrupt`; returns whether it was
/// interrupted and the dispatcher's account.
async fn dispatch<T: Transport>(
    shared: &Arc<Shared<T>>,
    load: &OpenLoad,
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
    let Some(weights) = Weights::new(shared.requests.iter().map(|r| r.weight)) else {
        return (false, account);
    };
    let mut choices = Choices::new(load.seed, 0, weights, ThinkTime::default());
    let end = shared.start + load.duration;
    let mut k: u64 = 0;
    loop {
        // A dispatcher still behind at the end stops there: the arrivals it did
        // not reach count against the achieved rate.
        let next = arrivals
            .time_of(k)
            .map(|offset| shared.start + offset)
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
            let warmup = intended.duration_since(shared.start) < load.warmup;
            shared.recorder.drop_arrival(worker, which, warmup);
            continue;
        }
        shared.activity.arrive();
        shared.recorder.start(worker, which);
        in_flight.spawn(send(Arc::clone(shared), worker, which, intended));
    }
}

/// Sends one arrival and records it; leaves the in-flight count when done or
/// cancelled.
async fn send<T: Transport>(
    shared: Arc<Shared<T>>,
    worker: usize,
    which: usize,
    intended: Instant,
) {
    let _leave = Leave(Arc::clone(&shared));
    let Some(request) = shared.requests.get(which) else {
        return;
    };
    // Each arrival is its own user: arrival `worker`, on its first request.
    let mut who = Who {
        user: u32::try_from(worker).unwrap_or(u32::MAX),
        users: 1,
        ..Who::default()
    };
    let built = match shared.templating.build(request, &mut who) {
        Ok(built) => built,
        // The run is told to end; this arrival counts as cancelled.
        Err(BuildError::UsedUp) => return,
        Err(BuildError::Render(message)) => {
            let warmup = intended.duration_since(shared.start) < shared.warmup;
            let err = TransportError {
                kind: ErrorKind::Template,
                message,
            };
            let completion = completion(request, Err(err), (Duration::ZERO, None), warmup);
            shared.recorder.complete(worker, which, completion);
            return;
        }
    };
    let sent = Instant::now();
    let result = shared.transport.send(&built).await;
    let done = Instant::now();
    let warmup = done.duration_since(shared.start) < shared.warmup;
    let timing = (
        done.duration_since(intended),
        Some(done.duration_since(sent)),
    );
    let completion = completion(request, result, timing, warmup);
    shared.recorder.complete(worker, which, completion);
}

/// Takes a request out of the in-flight count when dropped.
struct Leave<T>(Arc<Shared<T>>);

impl<T> Drop for Leave<T> {
    fn drop(&mut self) {
        self.0.activity.leave();
    }
}
