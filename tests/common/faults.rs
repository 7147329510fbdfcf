//! Misbehaving targets on 127.0.0.1, spoken to over raw TCP so that each can
//! break HTTP in exactly one way. Each runs on its own thread and runtime and
//! stops when dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One way of answering (or not answering) a request.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// The status line and headers announce 100 bytes, then the connection is reset.
    ResetAfterHeaders,
    /// 1,000 bytes announced, 100 sent, then the connection is reset.
    ResetMidBody,
    /// Nothing is sent for this long.
    Silent(Duration),
    /// Headers announce 1,000 bytes, which then trickle in one every 100 ms.
    SlowLoris,
    /// A valid 200 with a body of this many bytes.
    HugeBody(u64),
    /// Bytes that are not HTTP.
    Garbage,
    /// A `Content-Length` that is not a number.
    BadContentLength,
    /// `301` to the same path, forever.
    RedirectLoop,
    /// This status with `Retry-After: 1`.
    RetryAfter(u16),
    /// A valid, small `200`.
    Healthy,
}

/// A running fault target.
pub struct FaultTarget {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests whose head was read.
    pub received: Arc<AtomicU64>,
    /// TCP connections accepted.
    pub connections: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultTarget {
    /// Starts a target that answers every request with `fault`.
    pub fn start(fault: Fault) -> FaultTarget {
        FaultTarget::start_on(0, fault)
    }

    /// [`FaultTarget::start`] on a given port of 127.0.0.1 (0 for any).
    pub fn start_on(port: u16, fault: Fault) -> FaultTarget {
        let runtime = super::target_runtime();
        let listener = runtime
            .block_on(TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        let connections = Arc::new(AtomicU64::new(0));
        let accepted = connections.clone();
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let counter = counter.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, fault, &counter).await;
                });
            }
        });
        FaultTarget {
            url,
            received,
            connections,
            _runtime: runtime,
        }
    }

    /// Requests received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }
}

/// Answers the requests of one connection with `fault`.
async fn serve(mut socket: TcpStream, fault: Fault, counter: &AtomicU64) -> std::io::Result<()> {
    loop {
        read_head(&mut socket).await?;
        counter.fetch_add(1, Ordering::SeqCst);
        match fault {
            Fault::ResetAfterHeaders => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")
                    .await?;
                return reset(socket);
            }
            Fault::ResetMidBody => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
                    .await?;
                socket.write_all(&[b'x'; 100]).await?;
                socket.flush().await?;
                tokio::time::sleep(Duration::from_millis(20)).await;
                return reset(socket);
            }
            Fault::Silent(d) => {
                tokio::time::sleep(d).await;
                return Ok(());
            }
            Fault::SlowLoris => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
                    .await?;
                for _ in 0..1000 {
                    socket.write_all(b"x").await?;
                    socket.flush().await?;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Fault::HugeBody(len) => {
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\n\r\n");
                socket.write_all(head.as_bytes()).await?;
                let chunk = vec![b'x'; 64 * 1024];
                let mut left = len;
                while left > 0 {
                    let n = left.min(chunk.len() as u64) as usize;
                    socket.write_all(&chunk[..n]).await?;
                    left -= n as u64;
                }
            }
            Fault::Garbage => {
                socket
                    .write_all(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02 not http at all\r\n\r\n")
                    .await?;
                return Ok(());
            }
            Fault::BadContentLength => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: many\r\n\r\nhello")
                    .await?;
                return Ok(());
            }
            Fault::RedirectLoop => {
                socket
                    .write_all(
                        b"HTTP/1.1 301 Moved Permanently\r\nlocation: /\r\ncontent-length: 0\r\n\r\n",
                    )
                    .await?;
            }
            Fault::Healthy => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .await?;
            }
            Fault::RetryAfter(status) => {
                let head = format!(
                    "HTTP/1.1 {status} Busy\r\nretry-after: 1\r\ncontent-length: 4\r\n\r\nbusy"
                );
                socket.write_all(head.as_bytes()).await?;
            }
        }
    }
}

/// Reads one request head (the test plans send no bodies).
async fn read_head(socket: &mut TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => head.extend_from_slice(&buf[..n]),
        }
    }
    Ok(())
}

/// Closes with a TCP reset instead of a clean FIN.
fn reset(socket: TcpStream) -> std::io::Result<()> {
    socket.set_zero_linger()?;
    drop(socket);
    Ok(())
}
