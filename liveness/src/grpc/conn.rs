//! One accepted connection, served by hyper's HTTP/2 server on the socket
//! itself, with what it writes sent together: once per turn of its task.
//!
//! A check is one connection: the client's preface, its settings and its
//! request, then the server's settings, their acknowledgement and the
//! answer, then the client closes. Written as HTTP/2 writes them (the
//! settings first, before reading; the acknowledgement after reading; the
//! answer from the stream's own task), that is three sends, each of which
//! wakes the client, whose own answers wake the server again. Here a write
//! lands in the connection's buffer, and the task sends the buffer when it
//! has nothing left to do: after letting the tasks it woke (the stream's)
//! run once, so that a check's whole answer leaves in one send. The
//! server's settings wait for the client's (which a client sends right
//! after its preface, without waiting), so they leave with it too.
//!
//! The buffer is bounded ([`MAX_UNSENT`]): past it, a write waits for the
//! socket, so a client that stops reading still waits on its own flow
//! control, and holds no more than that.

use std::{
    convert::Infallible,
    future::Future,
    io::{self, IoSlice},
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, ready},
};

use hyper::{
    body::Incoming,
    server::conn::http2::{Builder, Connection},
};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::{
    io::{AsyncRead, AsyncWrite, Interest, ReadBuf},
    net::TcpStream,
};
use tonic::codegen::{BoxFuture, Service as _, http};
use tonic_health::pb::health_server::HealthServer;

use super::{capped::Link, service::GrpcHealth};

/// The most a connection holds unsent: beyond, its writes wait for the
/// socket. A check's answer is about a hundred bytes.
const MAX_UNSENT: usize = 16 * 1024;

/// A read shorter than this (HTTP/2's 24-byte preface) reads what the
/// socket has into a buffer of [`SMALL_READ`] bytes instead, so that the
/// frames after the preface come with it, in one system call.
const SHORT_READ: usize = 64;
const SMALL_READ: usize = 512;

/// The length of HTTP/2's client preface, which the client's settings
/// follow.
const PREFACE: usize = 24;

/// The socket, shared by the connection's reads and writes and by its task,
/// which sends what the writes left.
struct Socket {
    stream: TcpStream,
    unsent: Mutex<Vec<u8>>,
    /// Whether the client has sent more than its preface: its settings.
    heard: AtomicBool,
}

impl Socket {
    fn unsent(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.unsent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `unsent` whole, or registers the task to go on when the socket
    /// takes more.
    fn send(&self, unsent: &mut Vec<u8>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !unsent.is_empty() {
            match self.stream.try_write(unsent) {
                Ok(n) => drop(unsent.drain(..n)),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.stream.poll_write_ready(cx))?;
                }
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// The health service as hyper calls it: each request on a clone, as
/// tonic's server does.
#[derive(Clone)]
pub(super) struct Health(pub(super) HealthServer<GrpcHealth>);

impl hyper::service::Service<http::Request<Incoming>> for Health {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        self.0.clone().call(request)
    }
}

/// Serves HTTP/2 on `stream` until the client closes, the connection is
/// evicted ([`Link`]), or the runtime is dropped.
pub(super) fn serve(
    stream: TcpStream,
    link: Arc<Link>,
    http2: &Builder<TokioExecutor>,
    health: Health,
) -> impl Future<Output = ()> + Send + 'static {
    // Delayed acknowledgements from the start, as once the connection has
    // spoken both ways: the request's acknowledgement rides on the answer
    // rather than leaving in a packet of its own (Linux).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(error) = rustix::net::sockopt::set_tcp_quickack(&stream, false) {
        log::debug!("grpc: TCP_QUICKACK: {error}");
    }
    let socket = Arc::new(Socket {
        stream,
        unsent: Mutex::new(Vec::new()),
        heard: AtomicBool::new(false),
    });
    let io = Io {
        socket: socket.clone(),
        link,
        early: Vec::new(),
        eof: false,
        read: 0,
    };
    // Boxed: the task then moves a pointer, not the connection's state.
    let connection = Box::pin(http2.serve_connection(TokioIo::new(io), health));
    turns(connection, socket)
}

/// The connection's task: polls hyper's connection, then sends what it
/// wrote, after one turn of the other tasks.
async fn turns(
    mut connection: Pin<Box<Connection<TokioIo<Io>, Health, TokioExecutor>>>,
    socket: Arc<Socket>,
) {
    // Whether the task has let the others run since its last writes.
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(ended) = connection.as_mut().poll(cx) {
            if let Err(error) = ended {
                log::debug!("grpc: a connection ended: {error}");
            }
            return Poll::Ready(());
        }
        let mut unsent = socket.unsent();
        // The server's settings wait for the client's: they leave with the
        // answer to the request that comes with them.
        if unsent.is_empty() || !socket.heard.load(Ordering::Relaxed) {
            yielded = false;
            return Poll::Pending;
        }
        if !yielded {
            // The stream tasks this turn woke (a `Check` answering) run
            // first: their frames leave with these.
            yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        yielded = false;
        match socket.send(&mut unsent, cx) {
            Poll::Ready(Err(error)) => {
                log::debug!("grpc: a connection ended: {error}");
                Poll::Ready(())
            }
            _ => Poll::Pending,
        }
    })
    .await;
}

/// The socket as hyper reads and writes it: reads from the socket, writes
/// into its unsent buffer; reads and writes fail once evicted.
struct Io {
    socket: Arc<Socket>,
    link: Arc<Link>,
    /// What a short read took from the socket beyond what it asked for.
    early: Vec<u8>,
    /// Whether the client has closed its side: nothing follows.
    eof: bool,
    /// Bytes read from the socket, counted until past the preface.
    read: usize,
}

impl Io {
    fn evicted(&self, cx: &Context<'_>) -> io::Result<()> {
        if self.link.evicted(cx) {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "closed for a newer connection",
            ));
        }
        Ok(())
    }

    /// Reads into `buf` what the socket has, or registers the task to go on
    /// when it has some.
    fn read(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let stream = &self.socket.stream;
        loop {
            ready!(stream.poll_read_ready(cx))?;
            let asked = if buf.remaining() < SHORT_READ {
                SMALL_READ
            } else {
                buf.remaining()
            };
            let result = if buf.remaining() < SHORT_READ {
                let mut small = [0; SMALL_READ];
                stream.try_read(&mut small).inspect(|&n| {
                    let now = n.min(buf.remaining());
                    buf.put_slice(&small[..now]);
                    self.early.extend_from_slice(&small[now..n]);
                })
            } else {
                stream.try_read_buf(buf)
            };
            match result {
                Ok(n) => {
                    if 0 < n && n < asked {
                        // The socket has no more for now: the next read
                        // waits for the runtime to say it has, rather than
                        // ask the kernel to hear `EAGAIN` (as tokio's own
                        // reads do).
                        let _ = stream.try_io(Interest::READABLE, || {
                            Err::<(), _>(io::ErrorKind::WouldBlock.into())
                        });
                    }
                    self.eof |= n == 0;
                    if self.read <= PREFACE {
                        self.read += n;
                        self.socket
                            .heard
                            .store(self.read > PREFACE, Ordering::Relaxed);
                    }
                    return Poll::Ready(Ok(()));
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
    }
}

impl Drop for Io {
    fn drop(&mut self) {
        self.link.close();
    }
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.evicted(cx)?;
        if self.early.is_empty() {
            return self.read(cx, buf);
        }
        let n = self.early.len().min(buf.remaining());
        buf.put_slice(&self.early[..n]);
        self.early.drain(..n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.evicted(cx)?;
        let mut unsent = self.socket.unsent();
        if unsent.len() >= MAX_UNSENT {
            ready!(self.socket.send(&mut unsent, cx))?;
        }
        let mut n = 0;
        for buf in bufs {
            let room = MAX_UNSENT - unsent.len();
            let take = buf.len().min(room);
            unsent.extend_from_slice(&buf[..take]);
            n += take;
            if take < buf.len() {
                break;
            }
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing to do: the task sends at the end of its turn.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.evicted(cx)?;
        Poll::Ready(Ok(()))
    }

    /// Sends what is left, then closes the sending side, unless the client
    /// has closed already: closing the socket then says it.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.socket.send(&mut self.socket.unsent(), cx))?;
        if !self.eof {
            rustix::net::shutdown(&self.socket.stream, rustix::net::Shutdown::Write)?;
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use std::{
        io::{ErrorKind, Read, Write},
        net::TcpStream,
        time::Duration,
    };

    use crate::{Component, Probe};

    /// An HTTP/2 frame on the connection's stream 0.
    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
        let mut frame = vec![len[1], len[2], len[3], kind, flags, 0, 0, 0, 0];
        frame.extend_from_slice(payload);
        frame
    }

    /// The type and flags of each frame in `bytes`.
    fn frames(mut bytes: &[u8]) -> Vec<(u8, u8)> {
        let mut frames = Vec::new();
        while bytes.len() >= 9 {
            let len = usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
            frames.push((bytes[3], bytes[4]));
            bytes = &bytes[(9 + len).min(bytes.len())..];
        }
        frames
    }

    const SETTINGS: u8 = 4;
    const ACK: u8 = 1;

    #[test]
    fn the_server_speaks_once_the_client_has_and_answers_in_one_write() {
        let dir = std::path::absolute(std::env::temp_dir()).unwrap();
        let job = Component::new(
            "job",
            dir.join("liveness-grpc-conn/job"),
            Duration::from_secs(60),
        );
        let server = Probe::new([job]).serve_grpc("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(server.local_addr()).unwrap();
        client
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .unwrap();
        let mut buf = [0; 1024];
        // Nothing before the client's settings...
        client
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let silent = client.read(&mut buf).unwrap_err();
        assert!(
            matches!(silent.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{silent}"
        );
        // ... then the server's settings and their acknowledgement, together.
        client.write_all(&frame(SETTINGS, 0, &[])).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let n = client.read(&mut buf).unwrap();
        assert_eq!(frames(&buf[..n]), [(SETTINGS, 0), (SETTINGS, ACK)]);
    }
}
