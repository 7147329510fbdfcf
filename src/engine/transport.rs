//! The transport seam: how one request is sent. The engine times and judges
//! what comes back; a transport only sends and reads.

use std::future::Future;

use crate::metrics::summary::ErrorKind;
use crate::plan::valid::RequestDef;

/// Sends requests. One value is cloned into every closed-model user, so cloning
/// must be cheap (share the connection pool, or give each clone its own
/// connection); the open model sends every request through one value.
pub trait Transport: Clone + Send + Sync + 'static {
    /// Sends `req` and reads the whole response body before completing.
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
