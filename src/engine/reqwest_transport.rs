//! The general transport: reqwest over HTTP/1.1 or HTTP/2, plain or TLS
//! (rustls with ring), direct or through the plan's proxy.

use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;

use super::protocol;
use super::reqwest_client::{ClientError, Recipe};
use super::transport::{Collector, Reply, Transport, TransportError};
use crate::core::summary::ErrorKind;
use crate::core::values::Method;
use crate::plan::client::Connections;
use crate::plan::valid::{RequestDef, ValidPlan};

/// Sends requests with reqwest, as the plan's `connections` says: with
/// `per_user` every clone (every closed-model user) builds a client of its
/// own, so each user keeps its own connection; with `shared` every clone
/// shares one connection pool.
///
/// Redirects are not followed: a 3xx is the response that is timed and judged
/// (the default expectation accepts it). No proxy from the environment is used.
#[derive(Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// How clones build their own client; `None` when clones share `client`.
    per_clone: Option<Arc<Recipe>>,
}

impl Clone for ReqwestTransport {
    /// With a client per clone, builds the clone's client; otherwise shares
    /// the pool.
    fn clone(&self) -> Self {
        let client = match &self.per_clone {
            // The recipe already built `self.client`, so building again from
            // the same settings succeeds; were it to fail, sharing this
            // client still sends every request correctly.
            Some(recipe) => recipe.build().unwrap_or_else(|_| self.client.clone()),
            None => self.client.clone(),
        };
        Self {
            client,
            per_clone: self.per_clone.clone(),
        }
    }
}

impl ReqwestTransport {
    /// A transport for `plan`'s connection options (see [`Recipe::new`]).
    ///
    /// # Errors
    ///
    /// When the client cannot be built.
    pub fn new(plan: &ValidPlan) -> Result<Self, ClientError> {
        let recipe = Recipe::new(plan)?;
        let client = recipe.build()?;
        let per_clone = (plan.client.connections == Connections::PerUser).then(|| Arc::new(recipe));
        Ok(Self { client, per_clone })
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
