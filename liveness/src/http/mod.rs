//! The `httpGet` endpoint (feature `http`): the kubelet asks the service
//! itself over HTTP, so no process is started per check.
//!
//! [`Probe::serve_http`] binds a listener (`listen.rs`) and answers from one
//! background thread running a `poll` loop over the listener and its
//! connections (`server/`). A request head is parsed in `request/`, which
//! touches no socket and judges nothing; the server decides the answer
//! (`server/response/`), asking a [`Judge`] (`judge.rs`) for the verdict, so
//! the source of verdicts can change without the server noticing.
//!
//! # Bounds, and why
//!
//! The endpoint shares a process with the service it vouches for, and a
//! liveness endpoint that a stray scanner can wedge restarts healthy pods.
//! Every resource a client can make it spend has a bound:
//!
//! | what | bound | why |
//! |---|---|---|
//! | request head | 8 KiB, 64 header fields; 431 above | the kubelet sends ~150 bytes; 8 KiB is the common default of HTTP servers |
//! | time to send the head | 1 s, then closed | the kubelet sends its head at once; a slow sender frees its slot quickly |
//! | time to take the response and close | 1 s, then closed | the response fits a socket buffer; a client that never reads frees its slot |
//! | connections at once | 512 | the memory bound: 512 × (8 KiB head + response) |
//! | requests per connection | 1 (`Connection: close`) | the kubelet opens a connection per check; no keep-alive state to bound |
//! | surveys | one per 20 ms per question, answers reused in between (`cache.rs`) | a flood of connections queued ahead of the kubelet's costs microseconds each |
//! | response | a pool of more than 32 instances summarised: its dead or unstarted instances named (32 at most), the others counted (`summary.rs`) | a full pool's check stays a few KiB, fits the socket buffer, costs little |
//!
//! A connection over the cap takes the slot of the oldest one still
//! sending its head (or of one already answered), not of the newcomer: a
//! kubelet's connection sends its head as soon as it is accepted and is
//! answered before 512 newer ones arrive, however many hostile ones are
//! open. Reads and writes never block the loop (unsent bytes wait for
//! `POLLOUT`), and a head is parsed when a line ends rather than per byte.
//!
//! A connection is closed as soon as its response is sent, unless the
//! client may still be sending (a body, a second request, the rest of an
//! oversized or invalid head): then the server shuts its side and reads
//! until the client closes (1 s and 64 KiB at most), because closing a
//! socket with unread bytes resets the connection, and the reset can
//! destroy the response before the client reads it.

mod cache;
#[cfg(fuzzing)]
pub mod fuzz;
mod judge;
mod listen;
mod request;
mod server;
mod summary;

pub(crate) use judge::{Check, Judge};

use std::{
    io,
    net::{SocketAddr, TcpListener, ToSocketAddrs},
    os::unix::net::UnixStream,
    thread::JoinHandle,
};

use crate::{
    Probe, Status,
    probe::{Source, survey},
};

/// Verdicts from memory for the components this process writes (the last
/// record each writer wrote, while the file holds it; the same clocks and
/// rules as the probe binary), from the files for the others; the startup
/// grace counts from the process start.
impl Judge for Probe {
    fn report(&self, check: Check, json: bool) -> (bool, String) {
        let statuses = survey(self.components(), Source::Memory);
        let alive = statuses.iter().all(Status::is_alive);
        let started = statuses.iter().all(Status::has_started);
        let ready = statuses.iter().all(Status::is_ready);
        let ok = match check {
            Check::Liveness => alive,
            Check::Startup => started,
            Check::Readiness => ready,
        };
        let summary = summary::summarise(&statuses);
        let mut body = String::new();
        if json {
            body = json_body(&summary, [alive, started, ready]);
            body.push('\n');
        } else {
            for status in &summary.listed {
                match check {
                    Check::Liveness => body += &status.to_string(),
                    Check::Startup => body += &status.startup_line().to_string(),
                    Check::Readiness => body += &status.ready_line().to_string(),
                }
                body.push('\n');
            }
            for pool in &summary.pools {
                body += &pool.line();
                body.push('\n');
            }
        }
        (ok, body)
    }
}

/// The probe's `--json` document for the listed statuses, with `alive`,
/// `started` and `ready` for all of them and, when pools are summarised,
/// `pools`.
fn json_body(summary: &summary::Summary<'_>, [alive, started, ready]: [bool; 3]) -> String {
    let listed: Vec<Status> = summary.listed.iter().map(|s| (*s).clone()).collect();
    let body = crate::probe::report::json(&listed);
    if summary.pools.is_empty() {
        return body;
    }
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(&body) else {
        return body;
    };
    doc.insert("alive".into(), alive.into());
    doc.insert("started".into(), started.into());
    doc.insert("ready".into(), ready.into());
    let pools = serde_json::to_value(&summary.pools).unwrap_or_default();
    doc.insert("pools".into(), pools);
    serde_json::Value::Object(doc).to_string()
}

impl Probe {
    /// The path [`serve_http`](Probe::serve_http) answers on (default
    /// `/livez`); it must start with `/` and hold no space or control
    /// character.
    #[must_use]
    pub fn http_path(mut self, path: &'static str) -> Probe {
        self.http_path = path;
        self
    }

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
    /// [`ready_line`](Status::ready_line) per component. With another
    /// `http_path`, readiness is `/readyz` beside a path ending in `/livez`
    /// (`/api/readyz` for `/api/livez`), else the path + `/ready`.
    ///
    /// A component whose writer lives in this process is judged from
    /// memory, on the last record its writer wrote, with the same clocks and
    /// rules as the probe binary, as long as the file holds that record: a
    /// check looks at each file (`lstat`) and reads it only when it changed
    /// since it was found to hold the writer's record. A file that holds
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
fn spawn(
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
