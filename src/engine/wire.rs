//! One HTTP/1.1 exchange on an open connection, for the lean transport: the
//! request written with one vectored write, the response head parsed by
//! `httparse`, the body read as its framing says (`Content-Length`, chunked,
//! or up to the end of the connection) into a [`Collector`].
//!
//! The read buffer lives only for the exchange, so an idle connection holds
//! its socket and nothing else: what lets 10,000 users keep a connection each.

use std::io;

use bytes::Buf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::transport::{Collector, Reply};
use crate::plan::valid::RequestDef;

/// The most headers a response head may have.
const MAX_HEADERS: usize = 100;

/// The largest response head accepted.
const MAX_HEAD: usize = 400 * 1024;

/// The largest chunk-size line or trailer line accepted.
const MAX_LINE: usize = 8 * 1024;

/// How much is read at a time.
const READ_SIZE: usize = 8 * 1024;

/// What goes on the wire for one request.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The request line and headers, each ending in CRLF, without the
    /// `content-length` and the blank line that ends the head.
    pub head: &'a [u8],
    /// The body.
    pub body: &'a [u8],
    /// Whether a `content-length` goes with the head even when the body is empty.
    pub length: bool,
    /// Whether the request is `HEAD` (its response has no body).
    pub head_only: bool,
}

/// Why an exchange did not complete.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The target had closed the connection: the request could not be
    /// written, so nothing reached it.
    #[error("connection closed before the request was written: {0}")]
    Closed(io::Error),
    /// The connection broke during the exchange.
    #[error("{0}")]
    Io(io::Error),
    /// The response is not valid HTTP/1.1.
    #[error("invalid HTTP response: {0}")]
    Protocol(String),
}

/// A response read to its end; `reusable` when the connection can carry the
/// next request.
#[derive(Debug)]
pub struct Exchanged {
    /// What was kept of the response.
    pub reply: Reply,
    /// Whether the connection is still good for another request.
    pub reusable: bool,
}

/// Sends `out` on `stream` and reads the response to `req`.
///
/// # Errors
///
/// [`WireError::Closed`] when the request could not be written because the
/// target had closed the connection, [`WireError::Io`] when it broke later,
/// and [`WireError::Protocol`] when the response is not HTTP.
pub async fn exchange(
    stream: &mut TcpStream,
    req: &RequestDef,
    out: Outgoing<'_>,
) -> Result<Exchanged, WireError> {
    write(stream, out).await.map_err(|e| match e.kind() {
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => WireError::Closed(e),
        _ => WireError::Io(e),
    })?;
    let mut buf = Vec::with_capacity(READ_SIZE);
    let head = read_head(stream, &mut buf, req, out.head_only).await?;
    let mut body = Body {
        stream,
        buf,
        collector: head.collector,
    };
    let clean = match head.framing {
        Framing::Empty => body.buf.len() == head.len,
        Framing::Length(n) => body.length(head.len, n).await?,
        Framing::Chunked => body.chunked(head.len).await?,
        Framing::ToEnd => body.until_closed(head.len).await.map(|()| false)?,
    };
    Ok(Exchanged {
        reply: body.collector.finish(),
        reusable: clean && head.keep_alive,
    })
}

/// Writes the head, the `content-length` and the blank line, and the body,
/// in as few system calls as the socket takes.
async fn write(stream: &mut TcpStream, out: Outgoing<'_>) -> io::Result<()> {
    let mut end = [0u8; 48];
    let end_len = {
        let mut cursor = io::Cursor::new(&mut end[..]);
        if out.length || !out.body.is_empty() {
            io::Write::write_fmt(
                &mut cursor,
                format_args!("content-length: {}\r\n", out.body.len()),
            )?;
        }
        io::Write::write_all(&mut cursor, b"\r\n")?;
        usize::try_from(cursor.position()).unwrap_or(0)
    };
    let mut all = Buf::chain(out.head, &end[..end_len]).chain(out.body);
    stream.write_all_buf(&mut all).await
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (a `HEAD` request, 204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Everything up to the end of the connection.
    ToEnd,
}

/// A parsed response head.
struct Head {
    /// Its length in the buffer.
    len: usize,
    framing: Framing,
    /// Whether the target keeps the connection open after this response.
    keep_alive: bool,
    collector: Collector,
}

/// Reads into the free room of `buf`, growing it when it is nearly full.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    if buf.capacity() - buf.len() < READ_SIZE / 4 {
        buf.reserve(READ_SIZE);
    }
    stream.read_buf(buf).await
}

/// Reads until a final (non-1xx) response head is in `buf`, and parses it.
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    req: &RequestDef,
    head_only: bool,
) -> Result<Head, WireError> {
    let mut started = false;
    loop {
        if !buf.is_empty() {
            started = true;
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = response.code.unwrap_or(0);
                    if (100..200).contains(&status) && status != 101 {
                        // An interim response (100 Continue, 103): the final one follows.
                        buf.drain(..len);
                        continue;
                    }
                    return head(&response, len, req, head_only);
                }
                Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
                    return Err(WireError::Protocol(format!(
                        "response head larger than {} KiB",
                        MAX_HEAD / 1024
                    )));
                }
                Ok(httparse::Status::Partial) => {}
                Err(e) => return Err(WireError::Protocol(e.to_string())),
            }
        }
        match fill(stream, buf).await {
            Ok(0) if started => return Err(closed_early("the response head")),
            Ok(0) => {
                return Err(WireError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed before the response began",
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(WireError::Io(e)),
        }
    }
}

/// The framing, connection handling and collector of a complete head.
fn head(
    response: &httparse::Response<'_, '_>,
    len: usize,
    req: &RequestDef,
    head_only: bool,
) -> Result<Head, WireError> {
    let status = response.code.unwrap_or(0);
    if status == 101 {
        return Err(WireError::Protocol(
            "101 Switching Protocols to a request that asked for no upgrade".into(),
        ));
    }
    let headers = &*response.headers;
    let has_token = |name: &str, token: &str| {
        tokens(headers, name).any(|t| t.eq_ignore_ascii_case(token.as_bytes()))
    };
    let framing = if head_only || status == 204 || status == 304 {
        Framing::Empty
    } else if values(headers, "transfer-encoding").next().is_some() {
        match tokens(headers, "transfer-encoding").last() {
            Some(last) if last.eq_ignore_ascii_case(b"chunked") => Framing::Chunked,
            _ => Framing::ToEnd,
        }
    } else {
        let mut lengths = tokens(headers, "content-length").map(|t| {
            std::str::from_utf8(t)
                .ok()
                .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|t| t.parse::<u64>().ok())
        });
        match lengths.next() {
            None => Framing::ToEnd,
            Some(first) => {
                let n = first.filter(|&n| lengths.all(|l| l == Some(n)));
                Framing::Length(
                    n.ok_or_else(|| WireError::Protocol("invalid content-length".into()))?,
                )
            }
        }
    };
    let keep_alive = match response.version {
        Some(1) => !has_token("connection", "close"),
        _ => has_token("connection", "keep-alive"),
    };
    let collector = Collector::new(req, status, |name| {
        values(headers, name)
            .next()
            .map(|v| String::from_utf8_lossy(v).into_owned())
    });
    Ok(Head {
        len,
        framing,
        keep_alive: keep_alive && framing != Framing::ToEnd,
        collector,
    })
}

/// The values of the headers called `name`.
fn values<'a, 'b: 'a>(
    headers: &'a [httparse::Header<'b>],
    name: &'a str,
) -> impl Iterator<Item = &'b [u8]> + 'a {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// The comma-separated items of the headers called `name`, trimmed.
fn tokens<'a, 'b: 'a>(
    headers: &'a [httparse::Header<'b>],
    name: &'a str,
) -> impl Iterator<Item = &'b [u8]> + 'a {
    values(headers, name).flat_map(|v| {
        v.split(|&b| b == b',')
            .map(<[u8]>::trim_ascii)
            .filter(|t| !t.is_empty())
    })
}

fn closed_early(what: &str) -> WireError {
    WireError::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("connection closed before {what} was complete"),
    ))
}

/// A body being read: the connection, the buffer (the head's bytes first),
/// and what is kept.
struct Body<'a> {
    stream: &'a mut TcpStream,
    buf: Vec<u8>,
    collector: Collector,
}

impl Body<'_> {
    /// Reads more into the buffer; an end of the connection is an error.
    async fn more(&mut self) -> Result<(), WireError> {
        match fill(self.stream, &mut self.buf).await {
            Ok(0) => Err(closed_early("the body")),
            Ok(_) => Ok(()),
            Err(e) => Err(WireError::Io(e)),
        }
    }

    /// A body of `n` bytes from `at`; whether nothing followed it.
    async fn length(&mut self, at: usize, n: u64) -> Result<bool, WireError> {
        let mut left = n;
        let mut at = at;
        loop {
            let ready = &self.buf[at.min(self.buf.len())..];
            let take = ready.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            self.collector.push(&ready[..take]);
            left -= take as u64;
            if left == 0 {
                return Ok(ready.len() == take);
            }
            self.buf.clear();
            at = 0;
            self.more().await?;
        }
    }

    /// Everything from `at` to the end of the connection.
    async fn until_closed(&mut self, at: usize) -> Result<(), WireError> {
        self.collector.push(&self.buf[at.min(self.buf.len())..]);
        loop {
            self.buf.clear();
            match fill(self.stream, &mut self.buf).await {
                Ok(0) => return Ok(()),
                Ok(_) => self.collector.push(&self.buf),
                Err(e) => return Err(WireError::Io(e)),
            }
        }
    }

    /// A chunked body from `at`, trailers included; whether nothing
    /// followed it.
    async fn chunked(&mut self, at: usize) -> Result<bool, WireError> {
        self.buf.drain(..at.min(self.buf.len()));
        let mut at = 0;
        loop {
            let size = loop {
                match httparse::parse_chunk_size(&self.buf[at..]) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        at += used;
                        break size;
                    }
                    Ok(httparse::Status::Partial) => at = self.compact_and_read(at).await?,
                    Err(_) => return Err(WireError::Protocol("invalid chunk size".into())),
                }
            };
            if size == 0 {
                // Trailer lines, up to an empty one.
                loop {
                    let line = loop {
                        match self.buf[at..].windows(2).position(|w| w == b"\r\n") {
                            Some(end) => break end,
                            None => at = self.compact_and_read(at).await?,
                        }
                    };
                    at += line + 2;
                    if line == 0 {
                        return Ok(at == self.buf.len());
                    }
                }
            }
            let mut left = size;
            while left > 0 {
                if at == self.buf.len() {
                    self.buf.clear();
                    at = 0;
                    self.more().await?;
                }
                let ready = &self.buf[at..];
                let take = ready.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                self.collector.push(&ready[..take]);
                at += take;
                left -= take as u64;
            }
            while self.buf.len() - at < 2 {
                at = self.compact_and_read(at).await?;
            }
            if &self.buf[at..at + 2] != b"\r\n" {
                return Err(WireError::Protocol(
                    "chunk data not followed by CRLF".into(),
                ));
            }
            at += 2;
        }
    }

    /// Drops the bytes before `at`, reads more, and gives the new `at` (0);
    /// a line that grows past [`MAX_LINE`] is an error.
    async fn compact_and_read(&mut self, at: usize) -> Result<usize, WireError> {
        self.buf.drain(..at);
        if self.buf.len() > MAX_LINE {
            return Err(WireError::Protocol(format!(
                "chunk-size or trailer line longer than {} KiB",
                MAX_LINE / 1024
            )));
        }
        self.more().await?;
        Ok(0)
    }
}
