//! The lean transport over real sockets on 127.0.0.1: one connection per
//! user, reconnection, and the same error kinds as the reqwest transport
//! against targets that break HTTP in one way each.

mod common;

use std::future::{Future, pending};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::faults::{Fault, FaultTarget};
use common::free_port;
use common::plan::{closed, from_yaml};
use perfgate::core::summary::ErrorKind;
use perfgate::core::values::Method;
use perfgate::engine::{self, LeanTransport, Transport};
use perfgate::plan::ValidPlan;
use perfgate::plan::valid::Body;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Bound on every run and send, so that none hangs.
const BOUND: Duration = Duration::from_secs(20);

/// [`BOUND`] as a request's `timeout`, in YAML.
const BOUND_TIMEOUT: &str = "timeout: 20s";

/// The request `probe` as a one-item YAML list: `/probe`, expecting a 200,
/// with `fields` (YAML flow-mapping entries: at least its `timeout`, and a
/// `method` other than GET, a body, ...) added.
fn probe(fields: &str) -> String {
    format!("- {{ name: probe, path: /probe, expect: {{ status: 200 }}, {fields} }}")
}

/// A plan of one user for 1 s against `base` with `requests` (a YAML list);
/// a run of it ends within a 2 s grace.
fn plan(base: &str, requests: &str) -> ValidPlan {
    closed(base, "users: 1, duration: 1s, grace: 2s", requests)
}

/// One send of the plan's only request, `request` (a YAML list item),
/// against `base` through a fresh transport for the plan.
async fn send_once(
    base: &str,
    request: &str,
) -> Result<perfgate::engine::Reply, engine::TransportError> {
    let p = plan(base, request);
    let transport = LeanTransport::new(&p).expect("transport");
    tokio::time::timeout(BOUND, transport.send(&p.requests[0]))
        .await
        .expect("the send ends by itself")
}

/// Runs `f` on a runtime of its own (the fault targets start theirs outside any).
fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn every_user_keeps_one_connection() {
    let target = FaultTarget::start(Fault::Healthy);
    let p = closed(
        &target.url,
        "users: 20, duration: 1s, grace: 2s",
        &probe("timeout: 5s"),
    );
    let transport = LeanTransport::new(&p).expect("transport");
    let run = engine::run(&p, transport, pending(), None);
    let summary =
        block_on(async { tokio::time::timeout(BOUND, run).await }).expect("the run ends by itself");
    assert_eq!(summary.overall.errors.total, 0, "{:?}", summary.overall);
    assert!(summary.overall.requests > 20, "{:?}", summary.overall);
    assert_eq!(target.connections.load(Ordering::SeqCst), 20);
    assert_eq!(target.received(), summary.overall.requests);
}

/// A target that answers each request on a connection, then closes it:
/// with `connection: close`, or without a word after `linger`.
async fn closing_target(announce: bool, linger: Duration) -> (String, Arc<AtomicU64>) {
    counting_target(move |mut socket| async move {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let reply: &[u8] = if announce {
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
        } else {
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        };
        let _ = socket.write_all(reply).await;
        tokio::time::sleep(linger).await;
    })
    .await
}

/// A target on 127.0.0.1 that serves each connection with `serve`; its
/// base URL and the count of connections accepted.
async fn counting_target<F, Fut>(serve: F) -> (String, Arc<AtomicU64>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let accepted = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(socket));
        }
    });
    (base, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_connection_is_replaced() {
    for announce in [true, false] {
        let (base, accepted) = closing_target(announce, Duration::ZERO).await;
        let p = plan(&base, &probe(BOUND_TIMEOUT));
        let transport = LeanTransport::new(&p).expect("transport");
        for i in 0..10 {
            let reply = transport.send(&p.requests[0]).await;
            assert_eq!(
                reply.map(|r| r.status),
                Ok(200),
                "send {i}, announced: {announce}"
            );
            // Time for the close to arrive, as between a user's requests.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 10);
    }
}

#[test]
fn a_body_and_headers_are_sent_and_an_unaccepted_body_is_quoted() {
    let target = FaultTarget::start(Fault::RetryAfter(503));
    let request = format!(
        "
        - name: probe
          method: POST
          path: /probe
          query: {{ q: a b }}
          headers: {{ x-trace: '1' }}
          json: {{}}
          {BOUND_TIMEOUT}
          expect: {{ status: 200 }}
        "
    );
    let reply = block_on(send_once(&target.url, &request)).expect("a reply");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.body_start, b"busy");
    assert_eq!(target.received(), 1);
}

#[test]
fn each_fault_has_its_error_kind() {
    let cases = [
        (Fault::Garbage, ErrorKind::Protocol),
        (Fault::BadContentLength, ErrorKind::Protocol),
        (Fault::ResetAfterHeaders, ErrorKind::Io),
        (Fault::ResetMidBody, ErrorKind::Io),
        (Fault::Silent(Duration::from_secs(5)), ErrorKind::Timeout),
        (Fault::SlowLoris, ErrorKind::Timeout),
    ];
    for (fault, kind) in cases {
        let target = FaultTarget::start(fault);
        let err =
            block_on(send_once(&target.url, &probe("timeout: 500ms"))).expect_err("a failure");
        assert_eq!(err.kind, kind, "{fault:?}: {}", err.message);
        assert!(!err.message.is_empty(), "{fault:?}");
    }
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let err = block_on(send_once(&nobody, &probe("timeout: 500ms"))).expect_err("a failure");
    assert_eq!(err.kind, ErrorKind::Connect, "{}", err.message);
}

#[test]
fn only_plain_http_is_taken() {
    let https = plan("https://127.0.0.1:1", &probe(BOUND_TIMEOUT));
    assert!(!LeanTransport::supports(&https));
    assert!(LeanTransport::new(&https).is_err());
    let http = plan("http://127.0.0.1:1", &probe(BOUND_TIMEOUT));
    assert!(LeanTransport::supports(&http));
}

#[test]
fn a_request_unlike_the_prepared_ones_is_built_for_its_send() {
    let target = FaultTarget::start(Fault::Healthy);
    let p = plan(&target.url, &probe(BOUND_TIMEOUT));
    let transport = LeanTransport::new(&p).expect("transport");
    let mut changed = p.requests[0].clone();
    changed.headers = vec![("x-bad".to_owned(), "line\nbreak".to_owned())];
    let (same, other) = block_on(async {
        (
            transport.send(&p.requests[0]).await,
            transport.send(&changed).await,
        )
    });
    assert_eq!(same.map(|r| r.status), Ok(200));
    let err = other.expect_err("the changed header is checked, not the prepared one used");
    assert!(err.message.contains("x-bad"), "{}", err.message);
    assert_eq!(target.received(), 1);
}

/// A target that answers every request with the request's body, on
/// kept-alive connections; counts the connections.
async fn echo_target() -> (String, Arc<AtomicU64>) {
    counting_target(|mut socket| async move {
        let mut pending = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&buf[..n]),
                }
                continue;
            };
            let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().expect("a length"));
            while pending.len() < end + 4 + length {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&buf[..n]),
                }
            }
            let body: Vec<u8> = pending.drain(..end + 4 + length).skip(end + 4).collect();
            let mut reply =
                format!("HTTP/1.1 200 OK\r\ncontent-length: {length}\r\n\r\n").into_bytes();
            reply.extend_from_slice(&body);
            if socket.write_all(&reply).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rendered_body_goes_with_the_prepared_head() {
    let (base, accepted) = echo_target().await;
    let p = plan(
        &base,
        &probe(&format!("method: POST, json: {{}}, {BOUND_TIMEOUT}")),
    );
    let transport = LeanTransport::new(&p).expect("transport");
    let mut rendered = p.requests[0].clone();
    rendered.body = Some(Body {
        bytes: Arc::from(&br#"{"Age":34.5}"#[..]),
        content_type: "application/json",
    });
    let mut other_head = rendered.clone();
    other_head.headers = vec![("x-trace".to_owned(), "7".to_owned())];
    for (req, size) in [(&p.requests[0], 2), (&rendered, 12), (&other_head, 12)] {
        let reply = transport.send(req).await.expect("a reply");
        assert_eq!((reply.status, reply.size), (200, size));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// A target that reads each request (head and `content-length` body), keeps
/// the first, and answers each with `pieces` written one at a time with a
/// pause between, so that a response arrives split where the test says; an
/// empty piece closes the connection. Its base URL, the first request, and the
/// count of connections accepted.
async fn scripted_target(
    pieces: Vec<&'static [u8]>,
) -> (String, Arc<std::sync::Mutex<Vec<u8>>>, Arc<AtomicU64>) {
    let seen: Arc<std::sync::Mutex<Vec<u8>>> = Arc::default();
    let log = Arc::clone(&seen);
    let (base, accepted) = counting_target(move |mut socket| {
        let pieces = pieces.clone();
        let log = Arc::clone(&log);
        async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            let complete = |got: &[u8]| {
                let end = got.windows(4).position(|w| w == b"\r\n\r\n")?;
                let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .map_or(0, |n| n.trim().parse::<usize>().unwrap_or(0));
                (got.len() >= end + 4 + length).then_some(end + 4 + length)
            };
            loop {
                while complete(&got).is_none() {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let end = complete(&got).unwrap_or(got.len());
                {
                    let mut first = log.lock().unwrap();
                    if first.is_empty() {
                        first.extend_from_slice(&got[..end]);
                    }
                }
                got.drain(..end);
                for &piece in &pieces {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    if piece.is_empty() || socket.write_all(piece).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
    .await;
    (base, seen, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_split_anywhere_are_read_by_their_framing() {
    // (case, method, response pieces, the body read or the error kind,
    // whether the connection is kept for the next request)
    type Expected = Result<&'static [u8], ErrorKind>;
    type Case = (&'static str, Method, Vec<&'static [u8]>, Expected, bool);
    let cases: Vec<Case> = vec![
        (
            "content-length, split",
            Method::POST,
            vec![
                b"HTTP/1.1 299 OK\r\nContent-Le",
                b"ngth: 5\r\n\r\nhel",
                b"lo",
            ],
            Ok(b"hello"),
            true,
        ),
        (
            "chunked, extensions and trailers",
            Method::GET,
            vec![
                b"HTTP/1.1 299 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWi",
                b"ki\r\n5\r",
                b"\npedia\r\n0\r\nTrailer: v\r\n",
                b"\r\n",
            ],
            Ok(b"Wikipedia"),
            true,
        ),
        (
            "interim 100 first",
            Method::POST,
            vec![b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 299 OK\r\ncontent-length: 2\r\n\r\nok"],
            Ok(b"ok"),
            true,
        ),
        (
            "HTTP/1.0, to the end",
            Method::GET,
            vec![b"HTTP/1.0 299 OK\r\n\r\nuntil ", b"the end", b""],
            Ok(b"until the end"),
            false,
        ),
        (
            "connection: close",
            Method::GET,
            vec![b"HTTP/1.1 299 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"],
            Ok(b"ok"),
            false,
        ),
        (
            "bytes after the body",
            Method::GET,
            vec![b"HTTP/1.1 299 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"],
            Ok(b"ok"),
            false,
        ),
        (
            "204 has no body",
            Method::GET,
            vec![b"HTTP/1.1 204 No Content\r\n\r\n"],
            Ok(b""),
            true,
        ),
        (
            "HEAD has no body",
            Method::HEAD,
            vec![b"HTTP/1.1 299 OK\r\nContent-Length: 100\r\n\r\n"],
            Ok(b""),
            true,
        ),
        (
            "two different lengths",
            Method::GET,
            vec![b"HTTP/1.1 299 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"],
            Err(ErrorKind::Protocol),
            false,
        ),
        (
            "bad chunk size",
            Method::GET,
            vec![b"HTTP/1.1 299 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
            Err(ErrorKind::Protocol),
            false,
        ),
        (
            "truncated body",
            Method::GET,
            vec![b"HTTP/1.1 299 OK\r\nContent-Length: 10\r\n\r\nabc", b""],
            Err(ErrorKind::Io),
            false,
        ),
        (
            "truncated head",
            Method::GET,
            vec![b"HTTP/1.1 299 OK\r\nContent-Len", b""],
            Err(ErrorKind::Io),
            false,
        ),
        (
            "nothing at all",
            Method::GET,
            vec![b""],
            Err(ErrorKind::Io),
            false,
        ),
    ];
    for (case, method, pieces, expected, kept) in cases {
        let (base, seen, accepted) = scripted_target(pieces).await;
        let body = if method == Method::POST {
            ", json: { a: 1 }"
        } else {
            ""
        };
        let fields = format!("method: {}{body}, {BOUND_TIMEOUT}", method.as_str());
        let p = plan(&base, &probe(&fields));
        let transport = LeanTransport::new(&p).expect("transport");
        let reply = tokio::time::timeout(BOUND, transport.send(&p.requests[0]))
            .await
            .expect("the send ends by itself");
        match (reply, expected) {
            (Ok(reply), Ok(body)) => {
                assert_eq!(reply.body_start, body, "{case}");
                assert_eq!(reply.size, body.len() as u64, "{case}");
            }
            (Err(e), Err(kind)) => assert_eq!(e.kind, kind, "{case}: {e}"),
            (got, wanted) => panic!("{case}: got {got:?}, wanted {wanted:?}"),
        }
        let sent = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        if method == Method::POST {
            assert!(
                sent.starts_with("POST /probe HTTP/1.1\r\nhost: 127.0.0.1:")
                    && sent.ends_with(
                        "content-type: application/json\r\ncontent-length: 7\r\n\r\n{\"a\":1}"
                    ),
                "{case}: {sent:?}"
            );
        }
        // A kept connection carries the next request; a dropped one is replaced.
        let _ = tokio::time::timeout(BOUND, transport.send(&p.requests[0])).await;
        let connections = if kept { 1 } else { 2 };
        assert_eq!(accepted.load(Ordering::SeqCst), connections, "{case}");
    }
}

/// A keep-alive target that answers every request after 30 ms; its base
/// URL, the connections it accepted and the requests it answered.
async fn slow_target() -> (String, Arc<AtomicU64>, Arc<AtomicU64>) {
    let answered = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&answered);
    let (base, accepted) = counting_target(move |mut socket| {
        let count = Arc::clone(&count);
        async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            loop {
                while let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    got.drain(..end + 4);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                    if socket.write_all(reply).await.is_err() {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                }
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
        }
    })
    .await;
    (base, accepted, answered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_model_and_shared_connections_reuse_a_pool() {
    let (base, accepted, answered) = slow_target().await;
    let open = from_yaml(&format!(
        "
        name: open
        host: {base}
        load:
          rate: 300/s
          duration: 1s
          max_in_flight: 1000
          tolerance: 50%
          max_lag: 1s
          seed: 7
          grace: 2s
        requests:
        {}
        ",
        probe("timeout: 5s")
    ));
    let shared = from_yaml(&format!(
        "
        name: shared
        host: {base}
        connections: shared
        load:
          users: 20
          spawn_rate: 40/s  # 25 ms apart, so that they do not all send their first request at once
          think_time: 100ms..300ms
          duration: 2s
          seed: 7
          grace: 2s
        requests:
        {}
        ",
        probe("timeout: 5s")
    ));
    // One connection per arrival would be about 300; one per user, 20.
    for (name, p, most) in [("open", open, 100), ("shared", shared, 15)] {
        let before = accepted.load(Ordering::SeqCst);
        let answered_before = answered.load(Ordering::SeqCst);
        let transport = LeanTransport::new(&p).expect("transport");
        let summary = tokio::time::timeout(BOUND, engine::run(&p, transport, pending(), None))
            .await
            .expect("the run ends by itself");
        let opened = accepted.load(Ordering::SeqCst) - before;
        let requests = summary.overall.requests;
        assert_eq!(
            summary.overall.errors.total, 0,
            "{name}: {:?}",
            summary.overall
        );
        assert!(requests >= 50, "{name}: {:?}", summary.overall);
        assert_eq!(
            answered.load(Ordering::SeqCst) - answered_before,
            requests,
            "{name}"
        );
        assert!(
            (2..=most).contains(&opened),
            "{name}: {opened} connections for {requests} requests"
        );
    }
}
