//! The readiness probe: one HTTP request to the plan's ready URL, nowhere else.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use reqwest::redirect::Policy;

use super::error::ServeError;
use crate::engine::reqwest_transport::{describe as causes, method};
use crate::engine::tls;
use crate::engine::transport::USER_AGENT;
use crate::plan::valid::ServeDef;

/// The longest a single probe may take.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Time between the end of one probe and the start of the next.
pub(super) const PROBE_INTERVAL: Duration = Duration::from_millis(100);

/// Sends the readiness request. Redirects are not followed and no proxy is
/// used, so only the host in the ready URL is ever contacted.
#[derive(Debug)]
pub(super) struct Probe {
    client: reqwest::Client,
    method: reqwest::Method,
    url: String,
}

impl Probe {
    /// A probe for `def`'s ready method and URL, trusting certificates as
    /// the load will.
    pub(super) fn new(def: &ServeDef) -> Result<Self, ServeError> {
        let tls =
            tls::client_config(&def.trust, false).map_err(|e| ServeError::Client(causes(&e)))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .gzip(false)
            .no_proxy()
            .redirect(Policy::none())
            .user_agent(USER_AGENT)
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| ServeError::Client(causes(&e)))?;
        Ok(Self {
            client,
            method: method(def.ready_method),
            url: def.ready_url.clone(),
        })
    }

    /// Sends one probe allowed to take `timeout`: `Ok` on a 2xx answer,
    /// otherwise what happened, e.g. `HTTP 503` or `connection refused`.
    pub(super) async fn once(&self, timeout: Duration) -> Result<(), String> {
        match self.send(timeout).await {
            Ok(status) if status.is_success() => Ok(()),
            Ok(status) => Err(format!("HTTP {status}")),
            Err(err) => Err(describe(&err, timeout)),
        }
    }

    /// Sends one probe allowed to take [`PROBE_TIMEOUT`]; the status line of
    /// any HTTP answer, whatever its status.
    pub(super) async fn answer(&self) -> Option<String> {
        let status = self.send(PROBE_TIMEOUT).await.ok()?;
        Some(format!("HTTP {status}"))
    }

    async fn send(&self, timeout: Duration) -> reqwest::Result<reqwest::StatusCode> {
        let response = self
            .client
            .request(self.method.clone(), self.url.as_str())
            .timeout(timeout)
            .send()
            .await?;
        Ok(response.status())
    }
}

/// `GET http://…`, as shown in messages.
pub(super) fn label(def: &ServeDef) -> String {
    format!("{} {}", def.ready_method.as_str(), def.ready_url)
}

/// A short description of a failed probe: the OS reason for a connection
/// failure (`connection refused`), `no answer within 1s` for a timeout.
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("no answer within {}", humantime::format_duration(timeout));
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return io.kind().to_string();
        }
        source = cause.source();
    }
    causes(err)
}
