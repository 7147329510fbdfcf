//! Judging a transport result: a status the request does not accept is a
//! failure, and every failure gets a short, clean message.

use reqwest::StatusCode;

use super::transport::{Reply, TransportError};
use std::time::Duration;

use crate::checks::Response;
use crate::core::summary::ErrorKind;
use crate::metrics::recorder::{Completion, Failure};
use crate::plan::valid::RequestDef;

/// Longest piece of a response body quoted in a status failure, in characters.
const BODY_QUOTE_CHARS: usize = 200;

/// Longest transport error message kept, in characters.
const MESSAGE_CHARS: usize = 300;

/// What one send of `req` amounts to: a reply is timed (`latency`, and
/// `service` in the open model) and judged by its status; a transport failure
/// is counted but not timed.
pub fn completion(
    req: &RequestDef,
    result: Result<Reply, TransportError>,
    (latency, service): (Duration, Option<Duration>),
    warmup: bool,
) -> Completion {
    match result {
        Ok(reply) => Completion {
            latency: Some(latency),
            service,
            warmup,
            failure: status_failure(req, &reply).or_else(|| check_failure(req, &reply)),
        },
        Err(err) => Completion {
            latency: None,
            service: None,
            warmup,
            failure: Some(transport_failure(err)),
        },
    }
}

/// The failure of a reply whose status `req` does not accept, e.g.
/// `HTTP 500 Internal Server Error: {"error":"boom"}`.
fn status_failure(req: &RequestDef, reply: &Reply) -> Option<Failure> {
    if req.expect.accepts(reply.status) {
        return None;
    }
    let reason = StatusCode::from_u16(reply.status)
        .ok()
        .and_then(|s| s.canonical_reason());
    let mut message = match reason {
        Some(reason) => format!("HTTP {} {reason}", reply.status),
        None => format!("HTTP {}", reply.status),
    };
    let quote = clean(
        &String::from_utf8_lossy(&reply.body_start),
        BODY_QUOTE_CHARS,
    );
    if !quote.is_empty() {
        message.push_str(": ");
        message.push_str(&quote);
    }
    Some(Failure {
        kind: ErrorKind::Status,
        message,
    })
}

/// The failure of a response with an accepted status that fails one of the
/// request's checks.
fn check_failure(req: &RequestDef, reply: &Reply) -> Option<Failure> {
    let checks = req.checks.as_deref()?;
    let response = Response {
        body: reply.body.as_deref(),
        size: reply.size,
        headers: &reply.headers,
    };
    checks.verify(response).err().map(|message| Failure {
        kind: ErrorKind::Expectation,
        message: clean(&message, MESSAGE_CHARS),
    })
}

/// The failure of a request that got no complete response.
fn transport_failure(err: TransportError) -> Failure {
    Failure {
        kind: err.kind,
        message: clean(&err.message, MESSAGE_CHARS),
    }
}

/// Control characters and runs of whitespace become one space; at most
/// `max_chars` characters are kept, `…` marking a cut.
fn clean(text: &str, max_chars: usize) -> String {
    let words = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty());
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    match out.char_indices().nth(max_chars) {
        Some((cut, _)) => {
            out.truncate(cut);
            out.push('…');
            out
        }
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::core::values::{Method, StatusExpect, StatusMatch};

    fn request(expect: StatusExpect) -> RequestDef {
        RequestDef {
            name: "r".into(),
            weight: 1,
            method: Method::GET,
            url: "http://127.0.0.1:1/".into(),
            query: vec![],
            headers: vec![],
            body: None,
            timeout: Duration::from_secs(1),
            expect,
            checks: None,
            template: None,
            captures: None,
        }
    }

    fn reply(status: u16, body: &[u8]) -> Reply {
        Reply {
            status,
            body_start: body.to_vec(),
            ..Reply::default()
        }
    }

    #[test]
    fn accepted_statuses_are_not_failures() {
        let req = request(StatusExpect::default());
        assert_eq!(status_failure(&req, &reply(200, b"")), None);
        assert_eq!(status_failure(&req, &reply(302, b"")), None);
        let only_404 = request(StatusExpect(vec![StatusMatch::Code(404)]));
        assert_eq!(status_failure(&only_404, &reply(404, b"")), None);
        assert!(status_failure(&only_404, &reply(200, b"")).is_some());
    }

    #[test]
    fn status_message_has_reason_and_a_clean_quote() {
        let req = request(StatusExpect::default());
        let f = status_failure(&req, &reply(500, b"  {\"e\":\n\t\"boom\"}\x1b[31m \r\n")).unwrap();
        assert_eq!(f.kind, ErrorKind::Status);
        assert_eq!(
            f.message,
            "HTTP 500 Internal Server Error: {\"e\": \"boom\"} [31m"
        );
        let f = status_failure(&req, &reply(599, b"")).unwrap();
        assert_eq!(f.message, "HTTP 599");
    }

    #[test]
    fn long_texts_are_cut() {
        let req = request(StatusExpect::default());
        let body = "é".repeat(300);
        let f = status_failure(&req, &reply(503, body.as_bytes())).unwrap();
        let quote = f.message.split_once(": ").unwrap().1;
        assert_eq!(quote.chars().count(), BODY_QUOTE_CHARS + 1);
        assert!(quote.ends_with('…'));
        let t = transport_failure(TransportError {
            kind: ErrorKind::Io,
            message: "reset\nby peer".into(),
        });
        assert_eq!(
            (t.kind, t.message.as_str()),
            (ErrorKind::Io, "reset by peer")
        );
    }
}
