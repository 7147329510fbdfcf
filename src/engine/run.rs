//! One run, start to Summary. The closed model is here: spawn users on the
//! schedule, stop them at the end (or on interrupt), give in-flight requests
//! their grace, cancel the rest, merge the recorder. The open model is in
//! [`super::open`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::choices::Weights;
use super::progress::Progress;
use super::schedule::Schedule;
use super::step::Sender;
use super::ticker::Ticker;
use super::transport::Transport;
use super::user::{self, Activity, Crew};
use super::{cpu, open, stages};
use crate::core::summary::{LoadExecuted, PlanInfo, Summary, ToolInfo};
use crate::metrics::recorder::Totals;
use crate::plan::valid::{ClosedLoad, ValidPlan, Workload};
use crate::slo::window::Judge;

/// Runs `plan`'s closed workload through `transport` and returns what happened.
///
/// * Users start on the [`Schedule`] and stop starting requests at the planned
///   duration, or as soon as `interrupt` completes (then `partial` is true).
/// * Requests in flight at that moment get the plan's `grace`; those that
///   complete within it are counted normally, the rest are cancelled and
///   counted in `load.cancelled` only.
/// * `load.elapsed_s` is the time from the start of the load until users were
///   stopped (the planned duration at most); the measured window for every
///   `rps` is `elapsed − warmup` (0 rps when that is 0). Requests completing
///   during the grace period count in the statistics but not in that window.
/// * `progress`, when given, receives a [`Progress`] about once a second and
///   once more at the end.
pub async fn run<T: Transport>(
    plan: &ValidPlan,
    transport: T,
    interrupt: impl Future<Output = ()> + Send,
    progress: Option<watch::Sender<Progress>>,
) -> Summary {
    let cpu_before = cpu::used();
    let names: Vec<String> = plan.requests.iter().map(|r| r.name.clone()).collect();
    let judge = Judge::new(&plan.objectives, &names, plan.load.warmup());
    let (abort_tx, mut abort_rx) = watch::channel(None);
    let data_end = plan.templating.feeders.ended();
    let stop = async move {
        tokio::select! {
            () = interrupt => {}
            _ = abort_rx.wait_for(Option::is_some) => {}
            _ = data_end => {}
        }
    };
    let windows = (judge, abort_tx.clone());
    let mut summary = match &plan.load {
        Workload::Closed(load) => closed(plan, load, transport, stop, windows, progress).await,
        Workload::Open(load) => open::run(plan, load, transport, stop, windows, progress).await,
    };
    if let Some(reason) = abort_tx.borrow().clone() {
        // Stopped by a breach, not by the user: the verdict is the SLOs'.
        summary.partial = false;
        summary.load.aborted = Some(reason);
    } else if let Some(reason) = plan.templating.feeders.end_reason() {
        // The data ran out as the plan said it may: a complete run.
        summary.partial = false;
        summary.load.data_end = Some(reason);
    }
    summary.load.cpu_s = cpu::used()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before).as_secs_f64());
    summary.load.peak_rss_bytes = cpu::peak_rss();
    summary
}

/// The closed model: users on the spawn schedule, each waiting for its reply.
async fn closed<T: Transport>(
    plan: &ValidPlan,
    load: &ClosedLoad,
    transport: T,
    interrupt: impl Future<Output = ()> + Send,
    windows: (Judge, watch::Sender<Option<String>>),
    progress: Option<watch::Sender<Progress>>,
) -> Summary {
    let load = load.clone();
    let started_at = Utc::now();
    let start = Instant::now();
    let crew = Arc::new(Crew {
        sender: Sender::new(plan, transport, (start, load.warmup), load.users),
        weights: Weights::new(plan.action_weights()),
        load: load.clone(),
        activity: Activity::default(),
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut users = JoinSet::new();
    if load.stages.is_empty() {
        for (index, offset) in Schedule::closed(&load).starts_before(load.duration) {
            let span = (offset, load.duration);
            users.spawn(user::run(Arc::clone(&crew), index, span, stop_rx.clone()));
        }
    } else {
        for s in stages::spans(&load) {
            let span = (s.from, s.until);
            users.spawn(user::run(Arc::clone(&crew), s.user, span, stop_rx.clone()));
        }
    }

    let ticker = Ticker::new(
        &crew.sender.recorder,
        &crew.activity,
        (start, load.duration),
        windows,
        progress,
    );
    let end = async {
        let interrupted = tokio::select! {
            biased;
            () = interrupt => true,
            () = tokio::time::sleep_until(start + load.duration) => false,
        };
        let elapsed = start.elapsed().min(load.duration);
        let ended_at = Utc::now();
        stop_tx.send_replace(true);
        // Users finish their request in flight, then see the stop and return.
        drain_within(load.grace, &mut users).await;
        (interrupted, elapsed, ended_at)
    };
    let ((interrupted, elapsed, ended_at), windows) = ticker.beside(end).await;

    let (totals, flows) = crew.sender.finish(elapsed.saturating_sub(load.warmup));
    let load = LoadExecuted {
        model: "closed".to_owned(),
        users: load.users,
        peak_users: crew.activity.peak(),
        spawn_rate: if load.spawn_rate.is_finite() {
            load.spawn_rate
        } else {
            0.0
        },
        think_time: load.think_time.to_string(),
        ..executed_base(
            (load.duration, elapsed),
            (load.warmup, load.grace),
            load.seed,
            &totals,
        )
    };
    let mut summary = summary(plan, (started_at, ended_at), interrupted, load, totals);
    summary.windows = windows;
    summary.flows = flows;
    summary
}

/// The load as executed, as far as both workload models have it: the
/// durations, the seed and the request counts. The model's own fields are
/// left empty for the caller to fill in.
pub(super) fn executed_base(
    (duration, elapsed): (Duration, Duration),
    (warmup, grace): (Duration, Duration),
    seed: u64,
    totals: &Totals,
) -> LoadExecuted {
    LoadExecuted {
        model: String::new(),
        users: 0,
        peak_users: 0,
        spawn_rate: 0.0,
        think_time: String::new(),
        duration_s: duration.as_secs_f64(),
        elapsed_s: elapsed.as_secs_f64(),
        warmup_s: warmup.as_secs_f64(),
        seed,
        grace_s: grace.as_secs_f64(),
        requests_started: totals.started,
        warmup_requests: totals.warmup,
        cancelled: totals.cancelled,
        cpu_s: None,
        peak_rss_bytes: None,
        open: None,
        aborted: None,
        data_end: None,
    }
}

/// Assembles the Summary of a run.
pub(super) fn summary(
    plan: &ValidPlan,
    (started_at, ended_at): (DateTime<Utc>, DateTime<Utc>),
    partial: bool,
    load: LoadExecuted,
    totals: Totals,
) -> Summary {
    Summary {
        tool: ToolInfo {
            name: "perfgate".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        plan: PlanInfo {
            name: plan.name.clone(),
            file: plan.file.clone(),
            hash: plan.hash.clone(),
            host: plan.host.clone(),
            regression: plan.regression.iter().map(|r| r.source.clone()).collect(),
            workload: plan.workload.clone(),
        },
        started_at,
        ended_at,
        partial,
        load,
        overall: totals.overall,
        requests: totals.requests,
        flows: Vec::new(),
        serve: None,
        shard: plan.shard,
        windows: Vec::new(),
    }
}

/// Waits for every task of `set` to end (finished or aborted).
async fn drain(set: &mut JoinSet<()>) {
    while set.join_next().await.is_some() {}
}

/// Waits up to `grace` for every task of `set` to end, then aborts the rest
/// and waits for them.
pub(super) async fn drain_within(grace: Duration, set: &mut JoinSet<()>) {
    if tokio::time::timeout(grace, drain(set)).await.is_err() {
        set.abort_all();
        drain(set).await;
    }
}
