//! [`Probe::serve_http`]: the built-in server's thread and its handle.

use std::{
    io,
    net::{SocketAddr, TcpListener, ToSocketAddrs},
    os::unix::net::UnixStream,
    thread::JoinHandle,
};

use super::{Judge, cache, listen, server};
use crate::Probe;

impl Probe {
    /// Serves the kubelet's `httpGet` probe on `addr` from a background
    /// thread, until the returned handle is stopped or dropped (feature
    /// `http`): keep the handle (`let _server = probe.serve_http(addr)?;`).
    ///
    /// `GET` and `HEAD` on `/livez` (see [`http_path`](Probe::http_path))
    /// answer `200 OK` when every component is alive and `503 Service
    /// Unavailable` when any is dead, with the probe's lines as the body
    /// (`text/plain`), or its `--json` document when the `Accept` header
    /// lists `application/json`. Any other path is 404, any other method 405,
    /// an unparsable request 400. Every response closes its connection.
    ///
    /// `/livez/startup` answers the startup probe's question as `--startup`
    /// does: 200 once every component has beaten, 503 before. `/readyz`
    /// answers the readiness probe's as `--ready` does: 200 while every
    /// component is started, alive, not [`unready`](crate::Liveness::unready)
    /// and not [draining](crate::drain), 503 otherwise, one
    /// [`ready_line`](crate::Status::ready_line) per component. With another
    /// `http_path`, readiness is `/readyz` beside a path ending in `/livez`
    /// (`/api/readyz` for `/api/livez`), else the path + `/ready`. `/metrics`
    /// answers 200 with the verdicts as Prometheus text
    /// ([`metrics`](Probe::metrics)). Every answer is the one
    /// [`respond`](Probe::respond) gives, from the same function.
    ///
    /// A component whose writer lives in this process is judged from
    /// memory, on the last record its writer wrote, with the same clocks and
    /// rules as the probe binary, as long as the file holds that record: a
    /// check asks the file the writer holds open (`fstat`) and reads it
    /// only when it changed since the writer's write. A file that holds
    /// anything else (another live container's record, another component's,
    /// a write that never reached it) is judged as the exec probe judges it;
    /// a failure declared in memory stands at once. Other components are
    /// read from their files. An answer is reused for 20 ms, so that a
    /// flood of requests costs one survey per 20 ms. A pool of more than 32
    /// instances is summarised: its dead (or not yet started) instances
    /// named, 32 at most, the others counted on one line
    /// (`consumer: 1023 of 1024 instances alive, not listed one by one
    /// (/tmp/liveness/consumer.*)`; in JSON, `pools`). The startup grace counts from the start of
    /// this process. The server is bounded so that slow or hostile
    /// clients cannot starve the kubelet: request heads of 8 KiB at most,
    /// 1 s to send one, 512 connections at once, one thread, no blocking
    /// read or write.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "90s", path = "/tmp/liveness-doc-http/worker")]
    /// struct Worker;
    ///
    /// Worker::beat_now()?;
    /// let server = Probe::new([Component::of::<Worker>()]).serve_http("127.0.0.1:0")?;
    ///
    /// // What the kubelet does every periodSeconds:
    /// let mut connection = std::net::TcpStream::connect(server.local_addr())?;
    /// connection.write_all(b"GET /livez HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")?;
    /// let mut response = String::new();
    /// connection.read_to_string(&mut response)?;
    /// assert!(response.starts_with("HTTP/1.1 200 OK\r\n"));
    /// assert!(response.contains("\r\n\r\nworker: alive: last heartbeat "));
    ///
    /// server.stop();
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-http")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `addr` cannot be resolved or bound, when the path is invalid or
    /// the probe has no component (`InvalidInput`), or when the thread cannot
    /// be started.
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    #[must_use = "the server stops when its handle is dropped: keep it (`let _server = probe.serve_http(..)?;`)"]
    pub fn serve_http(&self, addr: impl ToSocketAddrs) -> io::Result<HttpServer> {
        let path = self.http_path;
        if !path.starts_with('/') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid http path {path:?}: write e.g. \"/livez\""),
            ));
        }
        if self.components().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this probe judges no component: list at least one",
            ));
        }
        let listener = listen::listen(addr)?;
        spawn(
            listener,
            path,
            Box::new(cache::Cached::new(self.clone())),
            server::Limits::DEFAULT,
        )
    }
}

/// Starts the server's thread on `listener`.
pub(super) fn spawn(
    listener: TcpListener,
    path: &'static str,
    judge: Box<dyn Judge>,
    limits: server::Limits,
) -> io::Result<HttpServer> {
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;
    let (stop, stopped) = UnixStream::pair()?;
    let thread = std::thread::Builder::new()
        .name("liveness-http".into())
        .spawn(move || server::Server::new(listener, stopped, path, judge, limits).run())?;
    Ok(HttpServer {
        local_addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// A running `httpGet` endpoint, from [`Probe::serve_http`] (feature
/// `http`); dropping it stops the server.
///
/// Keep it for as long as the service runs (in `main`, say): the kubelet
/// restarts a container whose endpoint stops answering. `serve_http(..)?;`
/// alone drops it at once, stopping the server: the compiler warns about
/// that (`#[must_use]`); bind it, `let _server = probe.serve_http(..)?;`
/// (not `let _ = ...`, which drops it too).
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[must_use = "the server stops when this handle is dropped: keep it for as long as the service runs"]
#[derive(Debug)]
pub struct HttpServer {
    local_addr: SocketAddr,
    /// Dropping it wakes the server's loop, which then ends.
    stop: Option<UnixStream>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// The address the server listens on: with port 0, the port it got.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the server: closes the listener and every connection, and waits
    /// for the thread to end (what dropping the handle does too).
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

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}
