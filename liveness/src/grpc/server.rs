//! [`Probe::serve_grpc`](crate::Probe::serve_grpc)'s thread: a
//! current-thread tokio runtime serving the health service on a capped
//! listener, until its handle stops it.

use std::{
    io,
    net::{SocketAddr, TcpListener},
    thread::JoinHandle,
    time::Duration,
};

use hyper::server::conn::http2;
use hyper_util::rt::TokioExecutor;
use tokio::sync::oneshot;
use tonic_health::pb::health_server::HealthServer;

use super::{
    capped::{self, Incoming},
    conn::{self, Health},
    service::GrpcHealth,
};

/// Streams at once on one connection: a client that opens more is refused
/// them (`REFUSED_STREAM`); a kubelet's check is one.
pub(super) const MAX_STREAMS_PER_CONNECTION: u32 = 16;

/// The largest request head: the kubelet sends a few hundred bytes.
const MAX_HEADER_LIST: u32 = 8 * 1024;

/// How long a connection may be idle before the kernel probes the client
/// (TCP keepalive), and how long the probe's answer, or an acknowledgement
/// of what the server sent, may take before the connection is closed: a
/// vanished client's streams end.
const KEEPALIVE: (Duration, Duration) = (Duration::from_secs(30), Duration::from_secs(10));

/// HTTP/2's own initial flow-control window, for each stream and for the
/// connection: what a client may send before the server reads it. A
/// request is a service name (at most 1 KiB); the protocol's default needs
/// no `WINDOW_UPDATE` at the start of each connection.
const WINDOW: u32 = 65_535;

/// Starts the server's thread on `listener`.
pub(super) fn spawn(
    listener: TcpListener,
    service: HealthServer<GrpcHealth>,
) -> io::Result<GrpcServer> {
    listener.set_nonblocking(true)?;
    // Inherited by every accepted connection (Linux), so none needs its own
    // system call: a response's frames go out at once.
    rustix::net::sockopt::set_tcp_nodelay(&listener, true)?;
    keep_alive(&listener)?;
    let local_addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("liveness-grpc".into())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    () = serve(Incoming::new(listener, capped::cap()), Health(service)) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime closes every connection and stream.
            drop(runtime);
        })?;
    Ok(GrpcServer {
        local_addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// TCP keepalive for every accepted connection, set once on the listener
/// (inherited on Linux): the kernel probes an idle client, so the server
/// keeps no timer per connection, as HTTP/2 pings would need.
fn keep_alive(listener: &TcpListener) -> io::Result<()> {
    use rustix::net::sockopt;

    let (idle, answer) = KEEPALIVE;
    sockopt::set_socket_keepalive(listener, true)?;
    sockopt::set_tcp_keepidle(listener, idle)?;
    sockopt::set_tcp_keepintvl(listener, answer)?;
    sockopt::set_tcp_keepcnt(listener, 1)?;
    // Data the client does not acknowledge (a `Watch`'s answer to a client
    // that vanished) ends the connection as an unanswered probe does
    // (Linux; elsewhere the system's retransmission limit ends it).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let timeout = u32::try_from((idle + answer).as_millis()).unwrap_or(u32::MAX);
        sockopt::set_tcp_user_timeout(listener, timeout)?;
    }
    Ok(())
}

/// Accepts connections, each served by a task of its own (`conn.rs`).
async fn serve(mut incoming: Incoming, health: Health) {
    let mut http2 = http2::Builder::new(TokioExecutor::new());
    http2
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        .max_header_list_size(MAX_HEADER_LIST)
        .initial_stream_window_size(WINDOW)
        .initial_connection_window_size(WINDOW)
        // gRPC has no use for a `date` header on every answer.
        .auto_date_header(false);
    loop {
        let (stream, link) = std::future::poll_fn(|cx| incoming.poll_accept(cx)).await;
        tokio::spawn(conn::serve(stream, link, &http2, health.clone()));
    }
}

/// A running `grpc.health.v1.Health` server, from
/// [`Probe::serve_grpc`](crate::Probe::serve_grpc) (feature `grpc`);
/// dropping it stops the server.
///
/// Keep it for as long as the service runs: the kubelet restarts a
/// container whose probe stops answering. Bind it, `let _grpc =
/// probe.serve_grpc(..)?;` (not `let _ = ...`, which drops it at once).
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
#[must_use = "the server stops when this handle is dropped: keep it for as long as the service runs"]
#[derive(Debug)]
pub struct GrpcServer {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl GrpcServer {
    /// The address the server listens on: with port 0, the port it got.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the server: closes the listener, every connection and every
    /// stream, and waits for the thread to end (what dropping it does too).
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // A panic in the thread has been printed already; the server is
            // gone either way.
            let _ = thread.join();
        }
    }
}

impl Drop for GrpcServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

#[cfg(test)]
mod tests {
    use std::{io::ErrorKind, time::Duration};

    use crate::{Component, Probe};

    #[test]
    fn a_second_server_on_the_same_port_is_refused_and_the_first_serves_on() {
        let job = Component::new(
            "job",
            "/tmp/liveness-grpc-twice/job",
            Duration::from_secs(60),
        );
        let probe = Probe::new([job]);
        let first = probe.serve_grpc("127.0.0.1:0").unwrap();
        let addr = first.local_addr();
        let second = probe.serve_grpc(addr).unwrap_err();
        assert_eq!(second.kind(), ErrorKind::AddrInUse, "{second}");
        assert!(std::net::TcpStream::connect(addr).is_ok());
        first.stop();
        assert!(std::net::TcpStream::connect(addr).is_err());
        // The port is free again for a new one.
        let again = probe.serve_grpc(addr).unwrap();
        assert_eq!(again.local_addr(), addr);
    }
}
