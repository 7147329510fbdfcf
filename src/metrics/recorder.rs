//! The recorder: HDR histograms (µs, 3 significant figures), one per worker
//! shard per request name, merged at the end. Nothing stores every sample.
//!
//! Worker `w` writes shard `w % shards`; each shard has its own lock, so the
//! per-request path takes no lock shared by all users. Each shard also keeps a
//! current-second window (counts and a 2-significant-figure histogram) that
//! [`Recorder::close_second`] swaps out once a second to build the time series;
//! the windows swapped out are cleared and kept for the next second, so
//! closing a second allocates no histogram per shard and memory stays flat
//! however long the run.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::core::histogram::{
    MAX_TRACKABLE_US, encode, new_latency, percentile_ms, record, summarise,
};
use crate::core::summary::{ErrorCounts, ErrorExample, ErrorKind, RequestStats, SeriesPoint};

/// Most distinct error messages kept per kind per request (and overall).
pub const MAX_EXAMPLES_PER_KIND: usize = 5;

/// Most shards, whatever the machine.
const MAX_SHARDS: usize = 32;

/// A failed request: its kind and a readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// The message (deduplicated into error examples).
    pub message: String,
}

/// One completed request.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// Time from send to the end of the body; `None` when no response arrived
    /// (connect, timeout and I/O failures are counted but not timed).
    pub latency: Option<Duration>,
    /// Open model: time from the actual send to the end of the body (the
    /// latency is then measured from the intended send time).
    pub service: Option<Duration>,
    /// Whether it completed during the warm-up (time series only, no statistics).
    pub warmup: bool,
    /// Why it failed, if it did.
    pub failure: Option<Failure>,
}

/// One second of the run, all requests together, as [`Recorder::close_second`] saw it.
#[derive(Debug)]
pub struct Second {
    /// Requests completed (warm-up included).
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// 95th percentile latency in ms, `None` when nothing was timed.
    pub p95_ms: Option<f64>,
    /// The second of each request name, in plan order.
    pub per_request: Vec<Window>,
}

/// Everything recorded, merged.
#[derive(Debug, Clone)]
pub struct Totals {
    /// All requests together (name `all`), post-warm-up.
    pub overall: RequestStats,
    /// One entry per request name, in the order given to [`Recorder::new`].
    pub requests: Vec<RequestStats>,
    /// Requests started, warm-up included.
    pub started: u64,
    /// Requests completed during the warm-up.
    pub warmup: u64,
    /// Requests started and never completed (cancelled at the end).
    pub cancelled: u64,
}

/// Per-shard, per-request-name recorder of a run.
#[derive(Debug)]
pub struct Recorder {
    names: Vec<String>,
    shards: Box<[Mutex<Shard>]>,
    series: Mutex<Series>,
    /// Cleared windows, one per request name, swapped into each shard at
    /// the next [`Recorder::close_second`].
    spare: Mutex<Vec<Window>>,
}

#[derive(Debug)]
struct Shard {
    slots: Vec<Slot>,
}

/// One request name in one shard.
#[derive(Debug)]
struct Slot {
    started: u64,
    warmup: u64,
    measured: Measured,
    window: Window,
}

/// Post-warm-up statistics of one request name.
#[derive(Debug)]
struct Measured {
    requests: u64,
    dropped: u64,
    errors: ErrorCounts,
    examples: Vec<ErrorExample>,
    hist: Histogram<u64>,
    /// Allocated on the first service-time sample (open model only).
    service: Option<Histogram<u64>>,
}

/// The current second of one request name (or, merged, of a longer window):
/// counts and a 2-significant-figure histogram.
#[derive(Debug)]
pub struct Window {
    /// Requests completed.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Their latencies in µs (2 significant figures).
    pub hist: Histogram<u64>,
}

#[derive(Debug, Default)]
struct Series {
    overall: Vec<SeriesPoint>,
    requests: Vec<Vec<SeriesPoint>>,
}

impl Recorder {
    /// A recorder for requests named `names` (plan order) with `shards` shards (at least 1).
    pub fn new(names: Vec<String>, shards: usize) -> Self {
        let shards = (0..shards.max(1))
            .map(|_| {
                Mutex::new(Shard {
                    slots: names.iter().map(|_| Slot::new()).collect(),
                })
            })
            .collect();
        let series = Series {
            overall: Vec::new(),
            requests: vec![Vec::new(); names.len()],
        };
        let spare = names.iter().map(|_| Window::new()).collect();
        Self {
            names,
            shards,
            series: Mutex::new(series),
            spare: Mutex::new(spare),
        }
    }

    /// The number of shards for `workers` workers: twice the available
    /// parallelism, at least 4, at most 32, never more than the workers.
    pub fn shards_for(workers: u32) -> usize {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = usize::try_from(workers).unwrap_or(usize::MAX).max(1);
        (cpus * 2).clamp(4, MAX_SHARDS).min(workers)
    }

    /// Counts a request started by `worker` (warm-up included).
    pub fn start(&self, worker: usize, request: usize) {
        if let Some(slot) = self.shard(worker).slots.get_mut(request) {
            slot.started += 1;
        }
    }

    /// Records a completed request of `worker`.
    pub fn complete(&self, worker: usize, request: usize, completion: Completion) {
        let mut shard = self.shard(worker);
        let Some(slot) = shard.slots.get_mut(request) else {
            return;
        };
        let micros = completion
            .latency
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        let window = &mut slot.window;
        window.requests += 1;
        window.errors += u64::from(completion.failure.is_some());
        if let Some(us) = micros {
            record(&mut window.hist, us);
        }
        if completion.warmup {
            slot.warmup += 1;
            return;
        }
        let measured = &mut slot.measured;
        measured.requests += 1;
        if let Some(us) = micros {
            record(&mut measured.hist, us);
        }
        if let Some(service) = completion.service {
            let us = u64::try_from(service.as_micros()).unwrap_or(u64::MAX);
            record(measured.service.get_or_insert_with(new_latency), us);
        }
        if let Some(failure) = completion.failure {
            measured.errors.add(failure.kind, 1);
            add_example(&mut measured.examples, failure);
        }
    }

    /// Counts an arrival of `request` dropped because too many requests were
    /// in flight (open model); only post-warm-up drops reach the statistics.
    pub fn drop_arrival(&self, worker: usize, request: usize, warmup: bool) {
        if warmup {
            return;
        }
        if let Some(slot) = self.shard(worker).slots.get_mut(request) {
            slot.measured.dropped += 1;
        }
    }

    /// Ends the current second: swaps out every shard's window, appends point
    /// `t` to each request's series and to the overall series (with `users`),
    /// and returns the overall numbers. The caller keeps `t` increasing.
    pub fn close_second(&self, t: u64, users: u32) -> Second {
        let mut merged: Vec<Window> = self.names.iter().map(|_| Window::new()).collect();
        let mut spare = lock(&self.spare);
        for shard in self.shards.iter() {
            {
                let mut shard = lock(shard);
                for (slot, new) in shard.slots.iter_mut().zip(spare.iter_mut()) {
                    std::mem::swap(&mut slot.window, new);
                }
            }
            // `spare` now holds the windows taken out: merged outside the
            // lock, then cleared for the next shard (or second).
            for (into, from) in merged.iter_mut().zip(spare.iter_mut()) {
                into.merge(from);
                from.clear();
            }
        }
        drop(spare);
        let mut overall = Window::new();
        let mut series = lock(&self.series);
        for (points, window) in series.requests.iter_mut().zip(&merged) {
            overall.merge(window);
            points.push(window.point(t, None));
        }
        series.overall.push(overall.point(t, Some(users)));
        Second {
            requests: overall.requests,
            errors: overall.errors,
            p95_ms: percentile_ms(&overall.hist, 95.0),
            per_request: merged,
        }
    }

    /// Whether any completion is waiting in the current second's windows.
    pub fn has_pending(&self) -> bool {
        self.shards.iter().any(|shard| {
            lock(shard)
                .slots
                .iter()
                .any(|slot| slot.window.requests > 0)
        })
    }

    /// Merges every shard into the final statistics; `measured` is the window
    /// rps is computed over (0 s gives 0 rps). Takes the time series out.
    pub fn finish(&self, measured: Duration) -> Totals {
        let mut merged: Vec<Measured> = self.names.iter().map(|_| Measured::new()).collect();
        let (mut started, mut warmup) = (0u64, 0u64);
        for shard in self.shards.iter() {
            let shard = lock(shard);
            for (into, slot) in merged.iter_mut().zip(&shard.slots) {
                started += slot.started;
                warmup += slot.warmup;
                into.merge(&slot.measured);
            }
        }
        let series = std::mem::take(&mut *lock(&self.series));
        let mut request_series = series.requests.into_iter();
        let mut overall = Measured::new();
        let requests: Vec<RequestStats> = self
            .names
            .iter()
            .zip(&merged)
            .map(|(name, m)| {
                overall.merge(m);
                m.stats(name, measured, request_series.next().unwrap_or_default())
            })
            .collect();
        let cancelled = started.saturating_sub(warmup + overall.requests);
        Totals {
            overall: overall.stats("all", measured, series.overall),
            requests,
            started,
            warmup,
            cancelled,
        }
    }

    fn shard(&self, worker: usize) -> MutexGuard<'_, Shard> {
        // In range: `new` makes at least one shard.
        lock(&self.shards[worker % self.shards.len()])
    }
}

/// A poisoned lock still holds consistent counters: every update is a few
/// additions that cannot panic half-way.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Slot {
    fn new() -> Self {
        Self {
            started: 0,
            warmup: 0,
            measured: Measured::new(),
            window: Window::new(),
        }
    }
}

impl Measured {
    fn new() -> Self {
        Self {
            requests: 0,
            dropped: 0,
            errors: ErrorCounts::default(),
            examples: Vec::new(),
            hist: new_latency(),
            service: None,
        }
    }

    fn merge(&mut self, other: &Measured) {
        self.requests += other.requests;
        self.dropped += other.dropped;
        if let Some(theirs) = &other.service {
            add_histogram(self.service.get_or_insert_with(new_latency), theirs);
        }
        self.errors.merge(&other.errors);
        for example in &other.examples {
            match self
                .examples
                .iter_mut()
                .find(|e| e.kind == example.kind && e.message == example.message)
            {
                Some(e) => e.count += example.count,
                None => self.examples.push(example.clone()),
            }
        }
        add_histogram(&mut self.hist, &other.hist);
    }

    fn stats(&self, name: &str, measured: Duration, series: Vec<SeriesPoint>) -> RequestStats {
        let seconds = measured.as_secs_f64();
        let rps = if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        };
        RequestStats {
            name: name.to_owned(),
            requests: self.requests,
            errors: self.errors,
            error_examples: top_examples(&self.examples),
            rps,
            dropped: self.dropped,
            latency: summarise(&self.hist),
            histogram: encode(&self.hist),
            series,
            service: self.service.as_ref().and_then(summarise),
            service_histogram: self.service.as_ref().map(encode),
        }
    }
}

impl Default for Window {
    fn default() -> Self {
        Self::new()
    }
}

impl Window {
    /// An empty window.
    pub fn new() -> Self {
        // 2 significant figures keep a window ~27 KB instead of ~190 KB; the
        // series percentiles are within 1 %. The bounds are constants that
        // `Histogram::new_with_bounds` accepts; the fallback is never taken.
        let hist =
            Histogram::new_with_bounds(1, MAX_TRACKABLE_US, 2).unwrap_or_else(|_| new_latency());
        Self {
            requests: 0,
            errors: 0,
            hist,
        }
    }

    /// Empties the window, keeping its histogram's memory.
    pub fn clear(&mut self) {
        self.requests = 0;
        self.errors = 0;
        self.hist.reset();
    }

    /// Adds another window's counts and latencies.
    pub fn merge(&mut self, other: &Window) {
        self.requests += other.requests;
        self.errors += other.errors;
        add_histogram(&mut self.hist, &other.hist);
    }

    fn point(&self, t: u64, users: Option<u32>) -> SeriesPoint {
        SeriesPoint {
            t,
            requests: self.requests,
            errors: self.errors,
            users,
            p50: percentile_ms(&self.hist, 50.0),
            p95: percentile_ms(&self.hist, 95.0),
            p99: percentile_ms(&self.hist, 99.0),
        }
    }
}

/// Adds `from` into `into`. Both were made with the same bounds and every
/// value was clamped into them, so the addition cannot run out of range; if it
/// ever did, the values are recorded one bucket at a time, saturating.
fn add_histogram(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    if into.add(from).is_err() {
        for v in from.iter_recorded() {
            into.saturating_record_n(v.value_iterated_to(), v.count_at_value());
        }
    }
}

/// Counts `failure` under its message, keeping at most
/// [`MAX_EXAMPLES_PER_KIND`] distinct messages per kind.
fn add_example(examples: &mut Vec<ErrorExample>, failure: Failure) {
    if let Some(e) = examples
        .iter_mut()
        .find(|e| e.kind == failure.kind && e.message == failure.message)
    {
        e.count += 1;
        return;
    }
    let same_kind = examples.iter().filter(|e| e.kind == failure.kind).count();
    if same_kind < MAX_EXAMPLES_PER_KIND {
        examples.push(ErrorExample {
            kind: failure.kind,
            message: failure.message,
            count: 1,
        });
    }
}

/// The most frequent examples, at most [`MAX_EXAMPLES_PER_KIND`] per kind,
/// most frequent first (then by kind and message, so the order is stable).
fn top_examples(examples: &[ErrorExample]) -> Vec<ErrorExample> {
    let mut sorted = examples.to_vec();
    sorted.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.message.cmp(&b.message))
    });
    let mut kept: Vec<ErrorExample> = Vec::new();
    for example in sorted {
        if kept.iter().filter(|e| e.kind == example.kind).count() < MAX_EXAMPLES_PER_KIND {
            kept.push(example);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(ms: u64, warmup: bool) -> Completion {
        Completion {
            latency: Some(Duration::from_millis(ms)),
            service: None,
            warmup,
            failure: None,
        }
    }

    fn failed(kind: ErrorKind, message: &str, timed: bool) -> Completion {
        Completion {
            latency: timed.then_some(Duration::from_millis(1)),
            service: None,
            warmup: false,
            failure: Some(Failure {
                kind,
                message: message.to_owned(),
            }),
        }
    }

    fn recorder(shards: usize) -> Recorder {
        Recorder::new(vec!["a".into(), "b".into()], shards)
    }

    #[test]
    fn shards_merge_into_requests_and_overall() {
        let r = recorder(3);
        for worker in 0..6 {
            r.start(worker, 0);
            r.complete(worker, 0, ok(10 * (worker as u64 + 1), false));
        }
        r.start(1, 1);
        r.complete(1, 1, failed(ErrorKind::Status, "HTTP 500", true));
        r.start(2, 1);
        let totals = r.finish(Duration::from_secs(2));
        assert_eq!(totals.requests[0].requests, 6);
        assert_eq!(totals.requests[1].requests, 1);
        assert_eq!(totals.overall.name, "all");
        assert_eq!(totals.overall.requests, 7);
        assert_eq!(totals.overall.errors.status, 1);
        assert_eq!(totals.overall.errors.total, 1);
        assert_eq!((totals.started, totals.warmup, totals.cancelled), (8, 0, 1));
        assert!((totals.overall.rps - 3.5).abs() < 1e-9);
        let lat = totals.requests[0].latency.unwrap();
        assert!((lat.max - 60.0).abs() < 0.1, "{lat:?}");
        assert!((lat.min - 10.0).abs() < 0.1, "{lat:?}");
    }

    #[test]
    fn warmup_goes_to_the_series_only() {
        let r = recorder(2);
        for w in 0..4 {
            r.start(w, 0);
            r.complete(w, 0, ok(5, true));
        }
        let first = r.close_second(0, 4);
        assert_eq!((first.requests, first.errors), (4, 0));
        assert!(first.p95_ms.is_some());
        r.start(0, 1);
        r.complete(0, 1, ok(7, false));
        assert!(r.has_pending());
        r.close_second(1, 4);
        assert!(!r.has_pending());
        let totals = r.finish(Duration::ZERO);
        assert_eq!((totals.started, totals.warmup, totals.cancelled), (5, 4, 0));
        assert_eq!(totals.overall.requests, 1);
        assert_eq!(totals.overall.rps, 0.0);
        let series = &totals.overall.series;
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].requests, 4);
        assert_eq!(series[0].users, Some(4));
        assert_eq!(series[1].requests, 1);
        assert_eq!(totals.requests[0].series[0].requests, 4);
        assert_eq!(totals.requests[0].series[0].users, None);
        assert_eq!(totals.requests[1].series[1].requests, 1);
        assert!(r.finish(Duration::ZERO).overall.series.is_empty());
    }

    #[test]
    fn transport_failures_are_counted_not_timed() {
        let r = recorder(1);
        r.complete(0, 0, failed(ErrorKind::Connect, "refused", false));
        r.complete(0, 0, failed(ErrorKind::Timeout, "timed out", false));
        let totals = r.finish(Duration::from_secs(1));
        let a = &totals.requests[0];
        assert_eq!(a.requests, 2);
        assert_eq!(
            (a.errors.connect, a.errors.timeout, a.errors.total),
            (1, 1, 2)
        );
        assert!(a.latency.is_none());
        assert!(totals.requests[1].latency.is_none());
    }

    #[test]
    fn examples_are_deduplicated_and_capped_per_kind() {
        let r = recorder(2);
        for i in 0..20u64 {
            let message = format!("HTTP 500 #{}", i % 8);
            r.complete(i as usize, 0, failed(ErrorKind::Status, &message, true));
        }
        for _ in 0..3 {
            r.complete(0, 1, failed(ErrorKind::Io, "reset", false));
        }
        r.complete(1, 1, failed(ErrorKind::Io, "reset", false));
        let totals = r.finish(Duration::from_secs(1));
        let a = &totals.requests[0];
        assert_eq!(a.errors.status, 20);
        assert_eq!(a.error_examples.len(), MAX_EXAMPLES_PER_KIND);
        let b = &totals.requests[1];
        assert_eq!(b.error_examples.len(), 1);
        assert_eq!(b.error_examples[0].count, 4);
        let overall = &totals.overall.error_examples;
        assert_eq!(overall.len(), MAX_EXAMPLES_PER_KIND + 1);
        assert_eq!(overall[0].message, "reset");
        assert!(overall.windows(2).all(|w| w[0].count >= w[1].count));
    }

    #[test]
    fn shard_count_is_bounded() {
        assert_eq!(Recorder::shards_for(1), 1);
        assert_eq!(Recorder::shards_for(0), 1);
        let many = Recorder::shards_for(10_000);
        assert!((4..=MAX_SHARDS).contains(&many), "{many}");
    }

    #[test]
    fn unknown_request_indexes_are_ignored() {
        let r = recorder(1);
        r.start(0, 9);
        r.complete(0, 9, ok(1, false));
        let totals = r.finish(Duration::from_secs(1));
        assert_eq!((totals.started, totals.overall.requests), (0, 0));
    }
}
