//! One action of a user or an arrival: a request, or a flow (its steps one
//! after the other, captures passed on, a failed step ending the
//! iteration), each request timed and recorded under its own name and a
//! flow's whole duration under the flow's.

use std::time::Duration;

use tokio::time::Instant;

use super::outcome::completion;
use super::transport::{Reply, Transport, TransportError};
use crate::checks::Response;
use crate::core::summary::{ErrorKind, RequestStats};
use crate::metrics::recorder::{Completion, Failure, Recorder, Totals};
use crate::plan::valid::{FlowDef, RequestDef, ValidPlan};
use crate::template::{BuildError, Templating, Who};

/// What sending needs, shared by every user (or arrival) of a run.
pub struct Sender<T> {
    /// Sends the requests; a closed-model user sends through its own clone.
    pub transport: T,
    /// The plan's requests, then its flows' steps.
    pub requests: Vec<RequestDef>,
    /// The flows.
    pub flows: Vec<FlowDef>,
    /// Where each request is recorded, by its index.
    pub recorder: Recorder,
    /// Where each flow is recorded, by its index.
    pub flow_recorder: Recorder,
    /// Templates and feeders.
    pub templating: std::sync::Arc<Templating>,
    /// When the load started.
    pub start: Instant,
    /// The warm-up excluded from the statistics.
    pub warmup: Duration,
}

/// When a request's latency starts.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// At the send (closed model).
    Send,
    /// At the intended send time (open model); the service time is then
    /// measured from the send.
    Intended(Instant),
}

/// The data ran out (`on_end: stop`): the run is told to end, and the
/// action counts as cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsedUp;

impl<T> Sender<T> {
    /// A sender for `plan` through `transport`, for a load that started at
    /// `start` with `warmup`, recording in shards for `workers` workers.
    pub fn new(
        plan: &ValidPlan,
        transport: T,
        (start, warmup): (Instant, Duration),
        workers: u32,
    ) -> Self {
        let shards = Recorder::shards_for(workers);
        let requests = plan.requests.iter().map(|r| r.name.clone()).collect();
        let flows = plan.flows.iter().map(|f| f.name.clone()).collect();
        Self {
            transport,
            requests: plan.requests.clone(),
            flows: plan.flows.clone(),
            recorder: Recorder::new(requests, shards),
            flow_recorder: Recorder::new(flows, shards),
            templating: std::sync::Arc::clone(&plan.templating),
            start,
            warmup,
        }
    }

    /// Merges what was recorded: the requests' totals and every flow's
    /// statistics; `measured` is the window rates are computed over.
    pub fn finish(&self, measured: Duration) -> (Totals, Vec<RequestStats>) {
        let flows = self.flow_recorder.finish(measured).requests;
        (self.recorder.finish(measured), flows)
    }
}

impl<T: Transport> Sender<T> {
    /// Sends action `which` (a request's index, or the requests' count plus
    /// a flow's) through `transport` for `who`, and records it: a request
    /// under its name once built, a flow under the flow's name and each of
    /// its steps under its own. `go_on` is asked before each step after a
    /// flow's first; when it says no (the run is ending) the iteration is
    /// abandoned and counts as cancelled.
    ///
    /// # Errors
    ///
    /// [`UsedUp`] when the data ran out before a request could be built.
    pub async fn act(
        &self,
        transport: &T,
        (worker, which): (usize, usize),
        who: &mut Who,
        clock: Clock,
        go_on: impl Fn() -> bool,
    ) -> Result<(), UsedUp> {
        let Some(flow_index) = which.checked_sub(self.requests.len()) else {
            return self
                .request(transport, (worker, which), who, clock)
                .await
                .map(drop);
        };
        let Some(flow) = self.flows.get(flow_index) else {
            return Ok(());
        };
        self.flow_recorder.start(worker, flow_index);
        let began = match clock {
            Clock::Send => Instant::now(),
            Clock::Intended(at) => at,
        };
        who.captured.clear();
        let mut failure = None;
        for (n, &step) in flow.steps.iter().enumerate() {
            if n > 0 && !go_on() {
                return Ok(());
            }
            let clock = match clock {
                Clock::Intended(_) if n > 0 => Clock::Intended(Instant::now()),
                other => other,
            };
            if let Some(f) = self.request(transport, (worker, step), who, clock).await? {
                let name = self.requests.get(step).map_or("", |r| r.name.as_str());
                failure = Some(Failure {
                    kind: f.kind,
                    message: format!("step `{name}`: {}", f.message),
                });
                break;
            }
        }
        let done = Instant::now();
        let completion = Completion {
            latency: failure.is_none().then(|| done.duration_since(began)),
            service: None,
            warmup: self.in_warmup(done),
            failure,
        };
        self.flow_recorder.complete(worker, flow_index, completion);
        Ok(())
    }

    /// Counts a dropped arrival of action `which` (open model).
    pub fn drop_arrival(&self, worker: usize, which: usize, warmup: bool) {
        match which.checked_sub(self.requests.len()) {
            None => self.recorder.drop_arrival(worker, which, warmup),
            Some(flow) => self.flow_recorder.drop_arrival(worker, flow, warmup),
        }
    }

    /// Builds, sends and records request `index`; its failure, if it failed.
    async fn request(
        &self,
        transport: &T,
        (worker, index): (usize, usize),
        who: &mut Who,
        clock: Clock,
    ) -> Result<Option<Failure>, UsedUp> {
        let Some(request) = self.requests.get(index) else {
            return Ok(None);
        };
        // Built before the clock starts: rendering is perfgate's work, not the target's.
        let built = match request.build(&self.templating, who) {
            Ok(built) => built,
            Err(BuildError::UsedUp) => return Err(UsedUp),
            Err(BuildError::Render(message)) => {
                self.recorder.start(worker, index);
                let err = TransportError {
                    kind: ErrorKind::Template,
                    message,
                };
                let warmup = self.in_warmup(Instant::now());
                let c = completion(request, Err(err), (Duration::ZERO, None), warmup);
                let failure = c.failure.clone();
                self.recorder.complete(worker, index, c);
                return Ok(failure);
            }
        };
        self.recorder.start(worker, index);
        let sent = std::time::Instant::now();
        let result = transport.send(&built).await;
        let timing = match clock {
            Clock::Send => (sent.elapsed(), None),
            Clock::Intended(at) => {
                let service = sent.elapsed();
                (at.elapsed(), Some(service))
            }
        };
        let captured = captures(request, &result);
        let mut c = completion(request, result, timing, self.in_warmup(Instant::now()));
        if c.failure.is_none() {
            match captured {
                Some(Ok(values)) => values.iter().for_each(|(n, v)| who.capture(n, v)),
                Some(Err(message)) => {
                    c.failure = Some(Failure {
                        kind: ErrorKind::Expectation,
                        message,
                    });
                }
                None => {}
            }
        }
        let failure = c.failure.clone();
        self.recorder.complete(worker, index, c);
        Ok(failure)
    }

    fn in_warmup(&self, at: Instant) -> bool {
        at.duration_since(self.start) < self.warmup
    }
}

/// The values `request` captures from its reply: `None` when it captures
/// nothing or the reply failed before captures apply.
fn captures(
    request: &RequestDef,
    result: &Result<Reply, TransportError>,
) -> Option<Result<Vec<(String, serde_json::Value)>, String>> {
    let captures = request.captures.as_deref()?;
    let reply = result.as_ref().ok()?;
    request.expect.accepts(reply.status).then(|| {
        captures.take(Response {
            body: reply.body.as_deref(),
            size: reply.size,
            headers: &reply.headers,
        })
    })
}
