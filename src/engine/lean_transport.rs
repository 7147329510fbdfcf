//! The lean transport: HTTP/1.1 on plain TCP connections, for `http://`
//! targets, with the exchange itself in [`super::wire`].
//!
//! With a connection per user (the closed model's default) every clone
//! starts without a connection and opens its own on first use, so a user
//! (which holds its own clone) keeps one connection for the whole run,
//! reconnecting when the target closes it or it breaks. With a shared pool
//! (`connections: shared`, and always in the open model) every clone takes an
//! idle connection from one pool, or opens one when none is idle, and puts it
//! back after the response. What can be built once is built once per request
//! definition: the request line and every header as bytes, the body as
//! shared bytes. An idle connection is its socket alone: no task, no channel and
//! no buffers, so that 10,000 users cost little more than their sockets.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderName, HeaderValue, USER_AGENT,
};
use tokio::net::TcpStream;

use super::reqwest_transport::method;
use super::transport::{self, Reply, Transport, TransportError, connect_timeout};
use super::wire::{self, Outgoing, WireError};
use crate::core::summary::ErrorKind;
use crate::plan::client::Connections;
use crate::plan::valid::{RequestDef, ValidPlan, Workload};

/// Sends requests over HTTP/1.1, one connection per clone.
///
/// Redirects are not followed, no proxy is used. Only `http://` URLs are
/// supported: [`LeanTransport::new`] refuses anything else.
#[derive(Debug)]
pub struct LeanTransport {
    shared: Arc<Shared>,
    idle: Idle,
}

/// Where idle connections wait for the next request.
#[derive(Debug)]
enum Idle {
    /// This clone's own connection; taken while a request is in flight.
    Own(Mutex<Option<TcpStream>>),
    /// One pool for every clone.
    Pool(Arc<Mutex<Vec<TcpStream>>>),
}

impl Clone for LeanTransport {
    /// Shares the prepared requests, and the pool when there is one; with a
    /// connection per user the clone opens its own.
    fn clone(&self) -> Self {
        let idle = match &self.idle {
            Idle::Own(_) => Idle::Own(Mutex::new(None)),
            Idle::Pool(pool) => Idle::Pool(Arc::clone(pool)),
        };
        Self {
            shared: Arc::clone(&self.shared),
            idle,
        }
    }
}

/// What every clone shares.
#[derive(Debug)]
struct Shared {
    /// The plan's requests, prepared, in plan order.
    prepared: Vec<Prepared>,
    connect_timeout: Duration,
}

/// A request definition turned into bytes, once.
#[derive(Debug)]
struct Prepared {
    /// The definition it was built from.
    def: RequestDef,
    /// Where to connect: host and port.
    authority: (String, u16),
    /// The request line and the headers: `Host`, the plan's, and the
    /// defaults the plan did not set.
    head: Box<[u8]>,
    body: Arc<[u8]>,
    /// Whether a `content-length` is sent even for an empty body.
    length: bool,
    /// Whether it is a `HEAD` request.
    head_only: bool,
}

/// The plan cannot be sent with this transport.
#[derive(Debug, thiserror::Error)]
pub enum UnsupportedError {
    /// Only plain `http://` is supported.
    #[error("`{0}` is not a plain http:// URL")]
    Scheme(String),
    /// The URL has no host.
    #[error("`{0}` has no host")]
    NoHost(String),
    /// A URL, header name or header value that HTTP does not allow.
    #[error("request `{name}`: {what}")]
    Invalid {
        /// The request's name.
        name: String,
        /// What is wrong.
        what: String,
    },
}

impl LeanTransport {
    /// A transport for `plan`: every request prepared, a connect timeout of
    /// the longest request timeout (at most 10 s).
    ///
    /// # Errors
    ///
    /// When a request's URL is not plain `http://`, or a part of a request
    /// cannot be expressed in HTTP/1.1.
    pub fn new(plan: &ValidPlan) -> Result<Self, UnsupportedError> {
        let prepared = plan
            .requests
            .iter()
            .map(prepare)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            shared: Arc::new(Shared {
                prepared,
                connect_timeout: connect_timeout(plan),
            }),
            idle: if shares_connections(plan) {
                Idle::Pool(Arc::default())
            } else {
                Idle::Own(Mutex::new(None))
            },
        })
    }

    /// Whether every URL of `plan` is one this transport can send to.
    #[must_use]
    pub fn supports(plan: &ValidPlan) -> bool {
        plan.requests.iter().all(|r| prepare(r).is_ok())
    }

    /// The prepared form of `req`: the one built at start; its head with
    /// `req`'s body when only the body was rendered for this send; or (for a
    /// request whose head is not in the plan) built now.
    fn prepared(&self, req: &RequestDef) -> Result<PreparedRef<'_>, TransportError> {
        let found = self.shared.prepared.iter().find(|p| p.same_head(req));
        match (found, &req.body) {
            (Some(p), _) if p.same_body(req) => Ok(PreparedRef::Shared(p)),
            (Some(p), Some(body)) => Ok(PreparedRef::Body(p, Arc::clone(&body.bytes))),
            _ => prepare(req)
                .map(|p| PreparedRef::Owned(Box::new(p)))
                .map_err(|e| TransportError {
                    kind: ErrorKind::Connect,
                    message: e.to_string(),
                }),
        }
    }

    /// Takes an idle connection (this clone's, or one from the pool) that
    /// the target has not closed meanwhile.
    fn take_idle(&self) -> Option<TcpStream> {
        match &self.idle {
            Idle::Own(cell) => lock(cell).take().filter(still_open),
            Idle::Pool(pool) => {
                let mut pool = lock(pool);
                std::iter::from_fn(|| pool.pop()).find(still_open)
            }
        }
    }

    /// Keeps `conn` for a next request. A clone with its own connection
    /// keeps one (another send of a shared value may have put one back
    /// first; then this one is closed); the pool keeps every one.
    fn put_idle(&self, conn: TcpStream) {
        match &self.idle {
            Idle::Own(cell) => {
                let mut cell = lock(cell);
                if cell.is_none() {
                    *cell = Some(conn);
                }
            }
            Idle::Pool(pool) => lock(pool).push(conn),
        }
    }

    async fn exchange(
        &self,
        req: &RequestDef,
        (p, body): (&Prepared, &[u8]),
    ) -> Result<Reply, TransportError> {
        let out = Outgoing {
            head: &p.head,
            body,
            length: p.length,
            head_only: p.head_only,
        };
        let idle = self.take_idle();
        let reused = idle.is_some();
        let mut conn = match idle {
            Some(conn) => conn,
            None => connect(&p.authority, self.shared.connect_timeout).await?,
        };
        let done = match wire::exchange(&mut conn, req, out).await {
            Ok(done) => done,
            // The target closed the idle connection just now, so the request
            // could not be written: send it on a new connection.
            Err(WireError::Closed(_)) if reused => {
                conn = connect(&p.authority, self.shared.connect_timeout).await?;
                wire::exchange(&mut conn, req, out)
                    .await
                    .map_err(classify)?
            }
            Err(e) => return Err(classify(e)),
        };
        if done.reusable {
            self.put_idle(conn);
        }
        Ok(done.reply)
    }
}

impl Transport for LeanTransport {
    async fn send(&self, req: &RequestDef) -> Result<Reply, TransportError> {
        let prepared = self.prepared(req)?;
        match tokio::time::timeout(req.timeout, self.exchange(req, prepared.parts())).await {
            Ok(result) => result,
            Err(_) => Err(TransportError {
                kind: ErrorKind::Timeout,
                message: format!(
                    "operation timed out after {}",
                    humantime::format_duration(req.timeout)
                ),
            }),
        }
    }
}

impl Prepared {
    /// Whether this was built from a definition whose head (method, URL,
    /// query, headers, and whether a body of which content type follows) is
    /// what `req` sends: a request whose head was rendered for one send is not.
    fn same_head(&self, req: &RequestDef) -> bool {
        let d = &self.def;
        let same_kind = match (&d.body, &req.body) {
            (None, None) => true,
            (Some(a), Some(b)) => a.content_type == b.content_type,
            _ => false,
        };
        d.name == req.name
            && d.method == req.method
            && d.url == req.url
            && d.query == req.query
            && d.headers == req.headers
            && same_kind
    }

    /// Whether `req` sends the body this was built with.
    fn same_body(&self, req: &RequestDef) -> bool {
        match (&self.def.body, &req.body) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(&a.bytes, &b.bytes) || a.bytes == b.bytes,
            _ => false,
        }
    }
}

/// A prepared request: shared, a shared head with a body rendered for this
/// send, or built for this send.
enum PreparedRef<'a> {
    Shared(&'a Prepared),
    Body(&'a Prepared, Arc<[u8]>),
    Owned(Box<Prepared>),
}

impl PreparedRef<'_> {
    /// The head to send, and the body.
    fn parts(&self) -> (&Prepared, &[u8]) {
        match self {
            PreparedRef::Shared(p) => (p, &p.body),
            PreparedRef::Body(p, body) => (p, body),
            PreparedRef::Owned(p) => (p, &p.body),
        }
    }
}

/// Whether `plan`'s requests share one pool of connections: the open model,
/// or `connections: shared`.
fn shares_connections(plan: &ValidPlan) -> bool {
    matches!(plan.load, Workload::Open(_)) || plan.client.connections == Connections::Shared
}

/// The value behind `mutex`, even when a panic poisoned it (what it holds
/// stays consistent: a connection or none, a list of connections).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether an idle connection can still carry a request: the target has
/// not closed it, and sent nothing unasked on it.
fn still_open(conn: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    matches!(conn.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// Opens a connection to `(host, port)`.
async fn connect(
    (host, port): &(String, u16),
    timeout: Duration,
) -> Result<TcpStream, TransportError> {
    let open = async {
        let stream = TcpStream::connect((host.as_str(), *port)).await?;
        stream.set_nodelay(true)?;
        Ok::<_, std::io::Error>(stream)
    };
    match tokio::time::timeout(timeout, open).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(connect_error(&format!("tcp connect error: {e}"))),
        Err(_) => Err(connect_error("tcp connect error: connect timed out")),
    }
}

fn connect_error(message: &str) -> TransportError {
    TransportError {
        kind: ErrorKind::Connect,
        message: message.to_owned(),
    }
}

/// A response that is not HTTP is a `protocol` failure, anything else `io`.
fn classify(err: WireError) -> TransportError {
    let kind = match err {
        WireError::Protocol(_) => ErrorKind::Protocol,
        WireError::Closed(_) | WireError::Io(_) => ErrorKind::Io,
    };
    TransportError {
        kind,
        message: err.to_string(),
    }
}

/// Turns `req` into the bytes sent.
fn prepare(req: &RequestDef) -> Result<Prepared, UnsupportedError> {
    let invalid = |what: String| UnsupportedError::Invalid {
        name: req.name.clone(),
        what,
    };
    let mut url = url::Url::parse(&req.url).map_err(|e| invalid(format!("{}: {e}", req.url)))?;
    if url.scheme() != "http" {
        return Err(UnsupportedError::Scheme(req.url.clone()));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        None => return Err(UnsupportedError::NoHost(req.url.clone())),
    };
    let port = url.port_or_known_default().unwrap_or(80);
    if !req.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&req.query);
    }
    let origin = &url[url::Position::BeforePath..url::Position::AfterQuery];
    if origin
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(invalid(format!("{origin}: not a valid request target")));
    }
    let host_header = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or(&host)),
        None => url.host_str().unwrap_or(&host).to_owned(),
    };
    let method = method(req.method);
    let mut head = format!("{method} {origin} HTTP/1.1\r\n").into_bytes();
    let mut set = |name: &str, value: &str| -> Result<(), UnsupportedError> {
        // Values are not quoted in errors: a header may carry a credential.
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| invalid(format!("header {name:?}: {e}")))?;
        let value =
            HeaderValue::from_str(value).map_err(|e| invalid(format!("header `{name}`: {e}")))?;
        for part in [name.as_str().as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            head.extend_from_slice(part);
        }
        Ok(())
    };
    let has = |name: &HeaderName| {
        let name = name.as_str();
        req.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if !has(&HOST) {
        set(HOST.as_str(), &host_header)?;
    }
    for (name, value) in &req.headers {
        set(name, value)?;
    }
    if !has(&USER_AGENT) {
        set(USER_AGENT.as_str(), transport::USER_AGENT)?;
    }
    if !has(&ACCEPT) {
        set(ACCEPT.as_str(), "*/*")?;
    }
    let body = match &req.body {
        Some(body) => {
            if !has(&CONTENT_TYPE) {
                set(CONTENT_TYPE.as_str(), body.content_type)?;
            }
            Arc::clone(&body.bytes)
        }
        None => Arc::from(&[][..]),
    };
    let length = !has(&CONTENT_LENGTH)
        && (req.body.is_some() || matches!(method.as_str(), "POST" | "PUT" | "PATCH"));
    Ok(Prepared {
        def: req.clone(),
        authority: (host, port),
        head: head.into_boxed_slice(),
        body,
        length,
        head_only: method.as_str() == "HEAD",
    })
}
