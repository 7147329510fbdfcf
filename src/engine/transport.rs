//! The transport seam: how one request is sent. The engine times and judges
//! what comes back; a transport only sends and reads.

use std::future::Future;

use crate::checks::MAX_CHECKED_BODY;
use crate::core::summary::ErrorKind;
use std::time::Duration;

use crate::plan::valid::{RequestDef, ValidPlan};

/// Sends requests. One value is cloned into every closed-model user, so cloning
/// must be cheap (share the connection pool, or give each clone its own
/// connection); the open model sends every request through one value.
pub trait Transport: Clone + Send + Sync + 'static {
    /// Sends `req` and reads the whole response body before completing,
    /// keeping what [`Reply`] says (and what `req.checks` need) only.
    fn send(&self, req: &RequestDef) -> impl Future<Output = Result<Reply, TransportError>> + Send;
}

/// A response whose body was read to the end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The first bytes of the body, kept only when the request does not accept
    /// the status (for the error message); empty otherwise.
    pub body_start: Vec<u8>,
    /// The body's size in bytes.
    pub size: u64,
    /// The whole body, kept only when the request's checks or captures read it and it is
    /// at most [`MAX_CHECKED_BODY`] bytes.
    pub body: Option<Vec<u8>>,
    /// The headers the request's checks and captures read, names lower-case.
    pub headers: Vec<(String, String)>,
}

/// Why no complete response arrived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// [`ErrorKind::Connect`], [`ErrorKind::Timeout`], [`ErrorKind::Io`] or
    /// [`ErrorKind::Protocol`]; never
    /// [`ErrorKind::Status`], which the engine decides.
    pub kind: ErrorKind,
    /// A readable description, without the URL.
    pub message: String,
}

/// The `user-agent` every request (and the `serve:` readiness probe) carries
/// unless the plan sets one.
pub const USER_AGENT: &str = concat!("perfgate/", env!("CARGO_PKG_VERSION"));

/// Longest time spent connecting, whatever the request timeouts.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The connect timeout of every transport for `plan`: the longest request
/// timeout, at most 10 s.
pub fn connect_timeout(plan: &ValidPlan) -> Duration {
    plan.requests
        .iter()
        .map(|r| r.timeout)
        .max()
        .unwrap_or(MAX_CONNECT_TIMEOUT)
        .min(MAX_CONNECT_TIMEOUT)
}

/// How much of an unaccepted response's body is kept for its error message.
const BODY_START_BYTES: usize = 256;

/// What a transport keeps of a response while reading its body chunk by
/// chunk: the size always, the first bytes when the status is not accepted,
/// the whole body (up to a limit) and some headers when the request's checks
/// or captures need them. Every transport reads through one, so they keep the same.
#[derive(Debug)]
pub struct Collector {
    status: u16,
    keep_start: bool,
    body_start: Vec<u8>,
    body: Option<Vec<u8>>,
    size: u64,
    headers: Vec<(String, String)>,
}

impl Collector {
    /// Starts collecting the response to `req` with `status`; `header`
    /// looks a response header up by its lower-case name.
    pub fn new(req: &RequestDef, status: u16, header: impl Fn(&str) -> Option<String>) -> Self {
        let keep_start = !req.expect.accepts(status);
        let checks = req.checks.as_deref().filter(|_| !keep_start);
        let captures = req.captures.as_deref().filter(|_| !keep_start);
        let names = checks.into_iter().flat_map(|c| c.header_names());
        let names = names.chain(captures.into_iter().flat_map(|c| c.header_names()));
        let headers = names
            .filter_map(|name| Some((name.to_owned(), header(name)?)))
            .collect();
        let needs_body =
            checks.is_some_and(|c| c.needs_body()) || captures.is_some_and(|c| c.needs_body());
        Collector {
            status,
            keep_start,
            body_start: Vec::new(),
            body: needs_body.then(Vec::new),
            size: 0,
            headers,
        }
    }

    /// Takes in the next chunk of the body.
    pub fn push(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        if self.keep_start && self.body_start.len() < BODY_START_BYTES {
            // n <= chunk.len(), so the slice is in range.
            let n = chunk.len().min(BODY_START_BYTES - self.body_start.len());
            self.body_start.extend_from_slice(&chunk[..n]);
        }
        if let Some(kept) = &mut self.body {
            if kept.len() + chunk.len() <= MAX_CHECKED_BODY {
                kept.extend_from_slice(chunk);
            } else {
                self.body = None;
            }
        }
    }

    /// The reply, once the body has been read to its end.
    pub fn finish(self) -> Reply {
        Reply {
            status: self.status,
            body_start: self.body_start,
            size: self.size,
            body: self.body,
            headers: self.headers,
        }
    }
}
