//! The real transport: reqwest over HTTP/1.1 or HTTP/2 (rustls with ring).

use std::error::Error as StdError;
use std::future::Future;

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::redirect::Policy;

use super::protocol;
use super::transport::{Collector, Reply, Transport, TransportError, connect_timeout};
use crate::metrics::summary::ErrorKind;
use crate::plan::valid::{RequestDef, ValidPlan};
use crate::plan::values::Method;

/// Sends requests with one shared reqwest connection pool.
///
/// Redirects are not followed: a 3xx is the response that is timed and judged
/// (the default expectation accepts it). No proxy from the environment is used.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

/// The HTTP client could not be built (e.g. no TLS backend available).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(String);

impl ReqwestTransport {
    /// A transport for `plan`: up to `users` idle connections kept per host, a
    /// connect timeout of the longest request timeout (at most 10 s).
    ///
    /// # Errors
    ///
    /// When the client cannot be built.
    pub fn new(plan: &ValidPlan) -> Result<Self, ClientError> {
        // Idempotent: a provider that is already installed stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(Policy::none())
            .user_agent(concat!("perfgate/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(usize::try_from(plan.load.concurrency()).unwrap_or(usize::MAX))
            .connect_timeout(connect_timeout(plan))
            .build()
            .map_err(|e| ClientError(describe(&e)))?;
        Ok(Self { client })
    }

    fn build(&self, req: &RequestDef) -> reqwest::RequestBuilder {
        let mut builder = self
            .client
            .request(method(req.method), req.url.as_str())
            .timeout(req.timeout);
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &req.body {
            if !req.headers.iter().any(|(name, _)| name == "content-type") {
                builder = builder.header(CONTENT_TYPE, body.content_type);
            }
            builder = builder.body(Bytes::from_owner(body.bytes.clone()));
        }
        builder
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, req: &RequestDef) -> impl Future<Output = Result<Reply, TransportError>> + Send {
        let builder = self.build(req);
        async move {
            let mut response = builder.send().await.map_err(classify)?;
            let status = response.status().as_u16();
            let headers = response.headers();
            let mut reply = Collector::new(req, status, |name| {
                let value = headers.get(name)?;
                Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
            });
            // Read the whole body, chunk by chunk.
            while let Some(chunk) = response.chunk().await.map_err(classify)? {
                reply.push(&chunk);
            }
            Ok(reply.finish())
        }
    }
}

/// The plan's method as reqwest's.
pub(crate) fn method(method: Method) -> reqwest::Method {
    match method {
        Method::GET => reqwest::Method::GET,
        Method::POST => reqwest::Method::POST,
        Method::PUT => reqwest::Method::PUT,
        Method::PATCH => reqwest::Method::PATCH,
        Method::DELETE => reqwest::Method::DELETE,
        Method::HEAD => reqwest::Method::HEAD,
        Method::OPTIONS => reqwest::Method::OPTIONS,
    }
}

/// Connect before timeout: a connect timeout counts as a connect failure;
/// then a response that is not HTTP, then everything else as `io`.
fn classify(err: reqwest::Error) -> TransportError {
    let kind = if err.is_connect() {
        ErrorKind::Connect
    } else if err.is_timeout() {
        ErrorKind::Timeout
    } else if protocol::is_protocol_error(&err) {
        ErrorKind::Protocol
    } else {
        ErrorKind::Io
    };
    TransportError {
        kind,
        message: describe(&err.without_url()),
    }
}

/// The error and its causes, `: `-separated, each cause once.
pub(crate) fn describe(err: &dyn StdError) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|l| l as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn describes_the_whole_chain_once() {
        let err = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "tcp connect error",
                Some(Box::new(Layer("tcp connect error", None))),
            ))),
        );
        assert_eq!(describe(&err), "error sending request: tcp connect error");
    }
}
