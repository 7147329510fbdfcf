//! Connections and protocols, end to end: targets on 127.0.0.1 that count
//! the TCP connections they accept and note how each request arrived (HTTP
//! version, `Accept-Encoding`, absolute-form through a proxy), over plain TCP
//! or TLS with certificates made here. Every run is 1 s of load.

mod common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{HeaderMap, Uri, Version};
use axum::response::{IntoResponse, Response};
use common::{Ran, run_plan_with, scratch};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// What every target answers; the plans' checks read `$.model`.
const ANSWER: &str = r#"{"preds": ["0"], "model": "conn-test"}"#;

/// Users of the connection-counting runs.
const USERS: u64 = 20;

/// What a target saw.
#[derive(Debug, Default)]
struct Seen {
    /// TCP connections accepted (TLS handshake or not).
    connections: AtomicU64,
    /// Requests answered.
    requests: AtomicU64,
    /// Requests that arrived over HTTP/2.
    http2: AtomicU64,
    /// Requests with any `Accept-Encoding` header.
    encodings: AtomicU64,
    /// Requests whose `Accept-Encoding` names gzip (answered gzipped).
    gzip: AtomicU64,
    /// The authorities of absolute-form request targets (proxied requests).
    proxied_to: Mutex<BTreeSet<String>>,
}

impl Seen {
    fn count(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }
}

/// A target on 127.0.0.1 (HTTP/1.1 and HTTP/2, plain or TLS), stopped when
/// dropped.
struct Server {
    url: String,
    authority: String,
    seen: Arc<Seen>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn plain() -> Server {
        Server::start(None)
    }

    fn tls(pki: &Pki) -> Server {
        Server::start(Some(pki.server_config()))
    }

    fn start(tls: Option<Arc<ServerConfig>>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let seen = Arc::new(Seen::default());
        let app = Router::new().fallback(answer).with_state(Arc::clone(&seen));
        let counting = Counting {
            listener,
            tls: tls.map(TlsAcceptor::from),
            seen: Arc::clone(&seen),
        };
        runtime.spawn(async move { axum::serve(counting, app).await });
        Server {
            url: format!("{scheme}://{authority}"),
            authority,
            seen,
            _runtime: runtime,
        }
    }

    fn connections(&self) -> u64 {
        Seen::count(&self.seen.connections)
    }

    fn requests(&self) -> u64 {
        Seen::count(&self.seen.requests)
    }
}

/// Answers [`ANSWER`], gzipped when the request accepts gzip, and notes how
/// the request arrived.
async fn answer(
    State(seen): State<Arc<Seen>>,
    version: Version,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    seen.requests.fetch_add(1, Ordering::SeqCst);
    if version == Version::HTTP_2 {
        seen.http2.fetch_add(1, Ordering::SeqCst);
    }
    if let (Some(_), Some(authority)) = (uri.scheme(), uri.authority()) {
        let mut proxied = seen
            .proxied_to
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        proxied.insert(authority.to_string());
    }
    let encoding = headers
        .get(ACCEPT_ENCODING)
        .map(|v| v.to_str().unwrap_or(""));
    if encoding.is_some() {
        seen.encodings.fetch_add(1, Ordering::SeqCst);
    }
    if encoding.is_some_and(|e| e.contains("gzip")) {
        seen.gzip.fetch_add(1, Ordering::SeqCst);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(ANSWER.as_bytes()).unwrap();
        let body = gz.finish().unwrap();
        return (
            [
                (CONTENT_TYPE, "application/json"),
                (CONTENT_ENCODING, "gzip"),
            ],
            body,
        )
            .into_response();
    }
    ([(CONTENT_TYPE, "application/json")], ANSWER).into_response()
}

/// A byte stream axum can serve: TCP or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// Accepts TCP connections, counting them, and (with `tls`) completes the
/// handshake before handing them to axum; a failed handshake is dropped.
struct Counting {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    seen: Arc<Seen>,
}

impl axum::serve::Listener for Counting {
    type Io = Box<dyn Stream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        loop {
            let Ok((tcp, addr)) = self.listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            self.seen.connections.fetch_add(1, Ordering::SeqCst);
            let Some(acceptor) = &self.tls else {
                return (Box::new(tcp), addr);
            };
            let handshake = tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp));
            if let Ok(Ok(stream)) = handshake.await {
                return (Box::new(stream), addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// A CA made for one test, and a server certificate it signed for 127.0.0.1.
struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

impl Pki {
    fn new() -> Pki {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.distinguished_name
            .push(DnType::CommonName, "perfgate test CA");
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        Pki {
            ca_pem: ca.pem(),
            chain: vec![leaf.der().clone()],
            key: key.serialize_der(),
        }
    }

    /// Offers `h2` and `http/1.1` in ALPN.
    fn server_config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// A plan of `users` users with no think time for 1 s against `host`, its
/// connection keys in `keys`, checking the answer's body, gated on
/// `error_rate < 1%`, its JSON report in `report.json`.
fn plan(host: &str, users: u64, keys: &str) -> String {
    format!(
        "name: conn\nhost: {host}\nload: {{users: {users}, duration: 1s, grace: 1s}}\n{keys}\
         requests:\n  - name: q\n    path: /q\n    \
         expect: {{status: 200, json: {{\"$.model\": {{equals: conn-test}}}}}}\n\
         slo:\n  - error_rate < 1%\nreports: {{json: report.json}}\n"
    )
}

/// Runs `plan_text` from a fresh folder (`files` written beside it) with
/// `env` added to perfgate's environment.
fn run(case: &str, plan_text: &str, files: &[(&str, &str)], env: &[(&str, &str)]) -> Ran {
    let dir = scratch(&format!("conn-{case}"));
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    run_plan_with(&dir, plan_text, &[], |cmd| {
        cmd.env_remove("PERFGATE_TRANSPORT");
        for var in PROXY_VARS {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
    })
}

/// The proxy variables perfgate must not follow.
const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

#[test]
fn a_self_signed_target_is_reached_with_insecure_or_its_ca_and_refused_otherwise() {
    let pki = Pki::new();
    let target = Server::tls(&pki);
    let insecure = run(
        "tls-insecure",
        &plan(&target.url, 2, "tls: {insecure: true}\n"),
        &[],
        &[],
    );
    insecure.assert_clean("insecure");
    let trusted = run(
        "tls-ca",
        &plan(&target.url, 2, "tls: {ca_file: ca.pem}\n"),
        &[("ca.pem", &pki.ca_pem)],
        &[],
    );
    trusted.assert_clean("ca_file");
    let before = target.requests();
    let refused = run("tls-none", &plan(&target.url, 2, ""), &[], &[]);
    assert_eq!(refused.code, 1, "{}", refused.log);
    assert!(refused.requests() > 0, "{}", refused.log);
    assert_eq!(
        refused.errors("connect"),
        refused.errors("total"),
        "{}",
        refused.log
    );
    assert_eq!(
        refused.errors("total"),
        refused.requests(),
        "{}",
        refused.log
    );
    let examples = refused.report()["overall"]["error_examples"]
        .as_array()
        .unwrap();
    assert!(
        examples
            .iter()
            .all(|e| e["kind"] == "connect"
                && e["message"].as_str().unwrap().contains("certificate")),
        "{examples:#?}"
    );
    assert_eq!(
        target.requests(),
        before,
        "no request gets past the handshake"
    );
}

#[test]
fn per_user_keeps_a_connection_per_user_and_shared_pools_them() {
    let per_user = Server::plain();
    run("per-user", &plan(&per_user.url, USERS, ""), &[], &[]).assert_clean("per_user");
    assert_eq!(per_user.connections(), USERS);

    let explicit = Server::plain();
    let keys = "connections: per_user\n";
    run(
        "per-user-explicit",
        &plan(&explicit.url, USERS, keys),
        &[],
        &[],
    )
    .assert_clean("per_user, said");
    assert_eq!(explicit.connections(), USERS);

    // Users that think between requests rarely have requests in flight at
    // once: a shared pool needs few connections for them, while each user
    // still keeps its own with `per_user`.
    let thinking =
        |text: String| text.replace("duration: 1s,", "duration: 1s, think_time: 50ms..150ms,");
    let per_user = Server::plain();
    run(
        "per-user-thinking",
        &thinking(plan(&per_user.url, USERS, "")),
        &[],
        &[],
    )
    .assert_clean("per_user, thinking");
    assert_eq!(per_user.connections(), USERS);
    let shared = Server::plain();
    let keys = "connections: shared\n";
    run(
        "shared",
        &thinking(plan(&shared.url, USERS, keys)),
        &[],
        &[],
    )
    .assert_clean("shared");
    assert!(
        (1..USERS / 2).contains(&shared.connections()),
        "a shared pool for {USERS} thinking users opened {} connections",
        shared.connections()
    );
}

#[test]
fn per_user_holds_over_https() {
    let pki = Pki::new();
    let target = Server::tls(&pki);
    let keys = "tls: {insecure: true}\n";
    // 3 s rather than 1 s: 20 TLS handshakes at once on a busy machine can
    // leave the last user still connecting when a 1 s run ends.
    let text = plan(&target.url, USERS, keys).replace("duration: 1s,", "duration: 3s,");
    run("per-user-tls", &text, &[], &[]).assert_clean("https");
    assert_eq!(target.connections(), USERS);
}

#[test]
fn http2_is_spoken_only_when_asked() {
    let pki = Pki::new();
    for (tls, name) in [(false, "http"), (true, "https")] {
        let trust = if tls { "tls: {insecure: true}\n" } else { "" };
        let h1 = if tls {
            Server::tls(&pki)
        } else {
            Server::plain()
        };
        run(&format!("h1-{name}"), &plan(&h1.url, 2, trust), &[], &[]).assert_clean(name);
        assert!(h1.requests() > 0);
        assert_eq!(
            Seen::count(&h1.seen.http2),
            0,
            "{name}: HTTP/1.1 by default"
        );

        let h2 = if tls {
            Server::tls(&pki)
        } else {
            Server::plain()
        };
        let keys = format!("{trust}http2: true\n");
        run(&format!("h2-{name}"), &plan(&h2.url, 2, &keys), &[], &[]).assert_clean(name);
        assert!(h2.requests() > 0);
        assert_eq!(Seen::count(&h2.seen.http2), h2.requests(), "{name}: HTTP/2");
        assert_eq!(h2.connections(), 2, "{name}: per user, one each");
    }
    let shared = Server::plain();
    let keys = "http2: true\nconnections: shared\n";
    run("h2-shared", &plan(&shared.url, USERS, keys), &[], &[]).assert_clean("h2 shared");
    assert_eq!(shared.connections(), 1, "one multiplexed connection");
}

#[test]
fn gzip_is_asked_for_and_decoded_only_when_the_plan_says() {
    let on = Server::plain();
    run("gzip-on", &plan(&on.url, 2, "gzip: true\n"), &[], &[]).assert_clean("gzip");
    assert!(on.requests() > 0);
    assert_eq!(Seen::count(&on.seen.gzip), on.requests());

    let off = Server::plain();
    let keys = "gzip: false\nconnections: shared\n";
    run("gzip-off", &plan(&off.url, 2, keys), &[], &[]).assert_clean("no gzip");
    assert!(off.requests() > 0);
    assert_eq!(Seen::count(&off.seen.encodings), 0, "no Accept-Encoding");

    // Asked for by a header, gzip arrives as it is sent: not decoded, so
    // the body check fails.
    let raw = Server::plain();
    let text = plan(&raw.url, 1, "").replace(
        "path: /q\n",
        "path: /q\n    headers: {accept-encoding: gzip}\n",
    );
    let ran = run("gzip-header", &text, &[], &[]);
    assert_eq!(ran.code, 1, "{}", ran.log);
    assert_eq!(ran.errors("expectation"), ran.requests(), "{}", ran.log);
    assert_eq!(Seen::count(&raw.seen.gzip), raw.requests());
}

#[test]
fn only_the_plans_proxy_is_used_never_the_environments() {
    let proxy = Server::plain();
    let target = Server::plain();
    let env: Vec<(&str, &str)> = PROXY_VARS
        .iter()
        .map(|v| (*v, proxy.url.as_str()))
        .collect();
    for keys in ["", "connections: shared\n", "gzip: true\n"] {
        let before = target.requests();
        let ran = run("proxy-env", &plan(&target.url, 2, keys), &[], &env);
        ran.assert_clean(&format!("environment proxy, {keys:?}"));
        assert!(target.requests() - before >= ran.requests(), "{keys:?}");
    }
    assert_eq!(proxy.requests(), 0, "the environment's proxy is ignored");

    let before = target.requests();
    let keys = format!("proxy: {}\n", proxy.url);
    let ran = run("proxy-plan", &plan(&target.url, 2, &keys), &[], &[]);
    ran.assert_clean("plan proxy");
    assert!(proxy.requests() >= ran.requests(), "{}", ran.log);
    assert_eq!(
        target.requests(),
        before,
        "every request goes through the proxy"
    );
    let proxied = proxy
        .seen
        .proxied_to
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert_eq!(proxied, BTreeSet::from([target.authority.clone()]));
}
