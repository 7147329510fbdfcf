//! How perfgate connects to the target: a connection per user or one shared
//! pool, HTTP/1.1 or HTTP/2, which certificates to trust, gzip, a proxy. The
//! plan's `connections:` and `tls:` values as written, and the options all
//! the connection keys resolve to.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `connections:` how users hold their connections to the target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Connections {
    /// Each closed-model user opens and keeps its own keep-alive connection,
    /// as Locust and k6 users do (the closed model's default).
    #[default]
    PerUser,
    /// One connection pool shared by every user (the only choice of the open
    /// model, which has no users).
    Shared,
}

/// `tls:` what an `https://` target's certificate is checked against.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsSpec {
    /// Accept any certificate, whoever signed it and whatever host it names.
    /// For self-signed staging endpoints only. Default false.
    #[serde(default)]
    pub insecure: bool,
    /// A PEM file of CA certificates to trust instead of the system's, relative
    /// to the plan's folder; read when the plan is loaded.
    #[schemars(with = "Option<String>")]
    pub ca_file: Option<Spanned<PathBuf>>,
}

/// The connection options of a run, resolved from the plan.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// A connection per user or one shared pool; always [`Connections::Shared`]
    /// in the open model.
    pub connections: Connections,
    /// Speak HTTP/2 (prior knowledge over `http://`, ALPN `h2` over
    /// `https://`) instead of HTTP/1.1.
    pub http2: bool,
    /// Send `Accept-Encoding: gzip` and decode gzip responses.
    pub gzip: bool,
    /// The proxy every request goes through (`http://` or `https://`); `None`
    /// for direct connections, whatever the proxy environment variables say.
    pub proxy: Option<String>,
    /// How the target's certificate is checked.
    pub trust: Trust,
}

/// How an `https://` target's certificate is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trust {
    /// Against the system's root certificates.
    #[default]
    System,
    /// Not at all (`tls: { insecure: true }`).
    Insecure,
    /// Against these CA certificates only (`tls: { ca_file: ... }`), DER.
    Roots(Arc<[CertificateDer<'static>]>),
}
