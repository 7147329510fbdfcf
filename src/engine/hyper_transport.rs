//! The lean transport: HTTP/1.1 on hyper's connection API, one keep-alive
//! connection per user, for plain `http://` targets.
//!
//! Every clone starts without a connection and opens its own on first use,
//! so a closed-model user (which holds its own clone) keeps one connection for
//! the whole run, reconnecting when the target closes it or it breaks. What can
//! be built once is built once per request definition: the URI with its query
//! string, the `Host` header and every header value, the body as [`Bytes`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST, HeaderName, HeaderValue, USER_AGENT};
use hyper::{HeaderMap, Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::protocol;
use super::reqwest_transport::{describe, method};
use super::transport::{self, Collector, Reply, Transport, TransportError, connect_timeout};
use crate::metrics::summary::ErrorKind;
use crate::plan::valid::{RequestDef, ValidPlan};

/// The request body type.
type Body = Full<Bytes>;

/// Sends requests over HTTP/1.1, one connection per clone.
///
/// Redirects are not followed, no proxy is used. Only `http://` URLs are
/// supported: [`HyperTransport::new`] refuses anything else.
#[derive(Debug)]
pub struct HyperTransport {
    shared: Arc<Shared>,
    /// This clone's idle connection; taken while a request is in flight.
    conn: Mutex<Option<SendRequest<Body>>>,
}

impl Clone for HyperTransport {
    /// Shares the prepared requests; the clone opens its own connection.
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            conn: Mutex::new(None),
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

/// A request definition turned into hyper's types, once.
#[derive(Debug)]
struct Prepared {
    /// The definition it was built from.
    def: RequestDef,
    method: Method,
    /// Where to connect: host and port.
    authority: (String, u16),
    /// Origin-form: path and query string.
    uri: Uri,
    /// `Host`, the plan's headers, and the defaults the plan did not set.
    headers: HeaderMap,
    body: Bytes,
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

impl HyperTransport {
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
            conn: Mutex::new(None),
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
            (Some(p), Some(body)) => {
                Ok(PreparedRef::Body(p, Bytes::from_owner(body.bytes.clone())))
            }
            _ => prepare(req)
                .map(|p| PreparedRef::Owned(Box::new(p)))
                .map_err(|e| TransportError {
                    kind: ErrorKind::Connect,
                    message: e.to_string(),
                }),
        }
    }

    /// Takes this clone's idle connection, if it has one that is still open.
    fn take_idle(&self) -> Option<SendRequest<Body>> {
        let mut cell = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        cell.take().filter(|c| !c.is_closed())
    }

    /// Keeps `conn` for the next request (another send of a shared value may
    /// have put one back first; then this one is closed).
    fn put_idle(&self, conn: SendRequest<Body>) {
        let mut cell = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        if cell.is_none() {
            *cell = Some(conn);
        }
    }

    async fn exchange(
        &self,
        req: &RequestDef,
        (p, body): (&Prepared, &Bytes),
    ) -> Result<Reply, TransportError> {
        let idle = self.take_idle();
        let reused = idle.is_some();
        let mut conn = match idle {
            Some(conn) => conn,
            None => connect(&p.authority, self.shared.connect_timeout).await?,
        };
        let response = match send_on(&mut conn, p, body).await {
            Ok(response) => response,
            // The target closed the idle connection meanwhile, or before
            // reading the request: nothing was sent, so send it once more on
            // a new connection.
            Err(e) if reused && (e.is_canceled() || e.is_closed()) => {
                conn = connect(&p.authority, self.shared.connect_timeout).await?;
                send_on(&mut conn, p, body).await.map_err(classify)?
            }
            Err(e) => return Err(classify(e)),
        };
        let status = response.status().as_u16();
        let headers = response.headers();
        let mut reply = Collector::new(req, status, |name| {
            let value = headers.get(name)?;
            Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
        });
        let mut body = response.into_body();
        // Read the whole body, chunk by chunk.
        while let Some(frame) = body.frame().await {
            if let Some(chunk) = frame.map_err(classify)?.data_ref() {
                reply.push(chunk);
            }
        }
        self.put_idle(conn);
        Ok(reply.finish())
    }
}

impl Transport for HyperTransport {
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
    Body(&'a Prepared, Bytes),
    Owned(Box<Prepared>),
}

impl PreparedRef<'_> {
    /// The head to send, and the body.
    fn parts(&self) -> (&Prepared, &Bytes) {
        match self {
            PreparedRef::Shared(p) => (p, &p.body),
            PreparedRef::Body(p, body) => (p, body),
            PreparedRef::Owned(p) => (p, &p.body),
        }
    }
}

/// Sends `p`'s head with `body` on `conn` once it is ready (the one wait for
/// readiness: a closed idle connection fails here, before anything is sent);
/// returns at the response head.
async fn send_on(
    conn: &mut SendRequest<Body>,
    p: &Prepared,
    body: &Bytes,
) -> Result<hyper::Response<hyper::body::Incoming>, hyper::Error> {
    conn.ready().await?;
    let mut request = Request::new(Full::new(body.clone()));
    *request.method_mut() = p.method.clone();
    *request.uri_mut() = p.uri.clone();
    *request.headers_mut() = p.headers.clone();
    conn.send_request(request).await
}

/// Opens a connection to `(host, port)` and starts driving it.
async fn connect(
    (host, port): &(String, u16),
    timeout: Duration,
) -> Result<SendRequest<Body>, TransportError> {
    let open = async {
        let stream = TcpStream::connect((host.as_str(), *port)).await?;
        stream.set_nodelay(true)?;
        Ok::<_, std::io::Error>(stream)
    };
    let stream = match tokio::time::timeout(timeout, open).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(connect_error(&format!("tcp connect error: {e}"))),
        Err(_) => return Err(connect_error("tcp connect error: connect timed out")),
    };
    let (conn, driver) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| connect_error(&describe(&e)))?;
    // Ends when the connection closes or every handle to it is dropped.
    tokio::spawn(async move {
        let _ = driver.await;
    });
    Ok(conn)
}

fn connect_error(message: &str) -> TransportError {
    TransportError {
        kind: ErrorKind::Connect,
        message: message.to_owned(),
    }
}

/// A response that is not HTTP, then everything else as `io`.
fn classify(err: hyper::Error) -> TransportError {
    let kind = if protocol::is_protocol_error(&err) {
        ErrorKind::Protocol
    } else if err.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Io
    };
    TransportError {
        kind,
        message: describe(&err),
    }
}

/// Turns `req` into hyper's types.
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
    let uri = Uri::try_from(origin).map_err(|e| invalid(format!("{origin}: {e}")))?;
    let host_header = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or(&host)),
        None => url.host_str().unwrap_or(&host).to_owned(),
    };
    let mut headers = HeaderMap::with_capacity(req.headers.len() + 4);
    // Values are not quoted in errors: a header may carry a credential.
    let value = |name: &HeaderName, v: &str| {
        HeaderValue::from_str(v).map_err(|e| invalid(format!("header `{name}`: {e}")))
    };
    headers.insert(HOST, value(&HOST, &host_header)?);
    for (name, v) in &req.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| invalid(format!("header {name:?}: {e}")))?;
        let v = value(&name, v)?;
        headers.append(name, v);
    }
    if !headers.contains_key(USER_AGENT) {
        headers.insert(USER_AGENT, HeaderValue::from_static(transport::USER_AGENT));
    }
    if !headers.contains_key(ACCEPT) {
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
    }
    let body = match &req.body {
        Some(body) => {
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(body.content_type));
            }
            Bytes::from_owner(body.bytes.clone())
        }
        None => Bytes::new(),
    };
    Ok(Prepared {
        def: req.clone(),
        method: method(req.method),
        authority: (host, port),
        uri,
        headers,
        body,
    })
}
