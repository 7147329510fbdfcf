//! How reqwest clients are built for a run: every client of the run from one
//! recipe (one TLS configuration, one proxy), so that a client per user costs
//! no more than the client itself.

use std::time::Duration;

use reqwest::redirect::Policy;
use rustls::client::Resumption;

use super::reqwest_transport::describe;
use super::tls;
use super::transport::{USER_AGENT, connect_timeout};
use crate::plan::client::Connections;
use crate::plan::valid::ValidPlan;

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The TLS configuration could not be made (e.g. no root certificates on
    /// the system).
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// The proxy URL was refused.
    #[error("cannot use the proxy: {0}")]
    Proxy(String),
    /// reqwest refused the settings.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// Everything a client of the run is built from.
#[derive(Debug, Clone)]
pub struct Recipe {
    tls: rustls::ClientConfig,
    proxy: Option<reqwest::Proxy>,
    http2: bool,
    gzip: bool,
    connect_timeout: Duration,
    /// Idle connections kept per host.
    idle: usize,
}

impl Recipe {
    /// The recipe for `plan`'s clients: its TLS trust, protocol, gzip and
    /// proxy settings; a connect timeout of the longest request timeout (at
    /// most 10 s); with a shared pool, up to one idle connection per
    /// concurrent request, otherwise one.
    ///
    /// # Errors
    ///
    /// When the TLS configuration cannot be made or the proxy is refused.
    pub fn new(plan: &ValidPlan) -> Result<Self, ClientError> {
        let options = &plan.client;
        let tls = tls::client_config(&options.trust, options.http2)
            .map_err(|e| ClientError::Tls(describe(&e)))?;
        let proxy = options
            .proxy
            .as_deref()
            .map(reqwest::Proxy::all)
            .transpose()
            .map_err(|e| ClientError::Proxy(describe(&e.without_url())))?;
        let idle = match options.connections {
            Connections::PerUser => 1,
            Connections::Shared => usize::try_from(plan.load.concurrency()).unwrap_or(usize::MAX),
        };
        Ok(Self {
            tls,
            proxy,
            http2: options.http2,
            gzip: options.gzip,
            connect_timeout: connect_timeout(plan),
            idle,
        })
    }

    /// A new client, with a connection pool of its own. Redirects are not
    /// followed; only the plan's proxy is used, never one from the environment.
    ///
    /// # Errors
    ///
    /// When reqwest refuses the settings.
    pub fn build(&self) -> Result<reqwest::Client, ClientError> {
        let mut builder = reqwest::Client::builder()
            .redirect(Policy::none())
            .user_agent(USER_AGENT)
            .pool_max_idle_per_host(self.idle)
            .connect_timeout(self.connect_timeout)
            .gzip(self.gzip)
            .tls_backend_preconfigured(self.tls_of_one_client());
        builder = match &self.proxy {
            Some(proxy) => builder.proxy(proxy.clone()),
            None => builder.no_proxy(),
        };
        builder = if self.http2 {
            builder.http2_prior_knowledge()
        } else {
            builder.http1_only()
        };
        builder
            .build()
            .map_err(|e| ClientError::Build(describe(&e)))
    }

    /// The run's TLS configuration with a session cache of the client's own:
    /// like separate clients, users do not resume each other's sessions.
    fn tls_of_one_client(&self) -> rustls::ClientConfig {
        let mut tls = self.tls.clone();
        tls.resumption = Resumption::in_memory_sessions(SESSION_CACHE_SERVERS);
        tls
    }
}

/// Servers whose TLS sessions a client remembers: the target, and an
/// `https://` proxy.
const SESSION_CACHE_SERVERS: usize = 2;
