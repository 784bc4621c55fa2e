//! The kubelet's `grpc` probe (feature `grpc`): a `grpc.health.v1.Health`
//! service built on `tonic-health`'s generated types, judging at call time.
//!
//! [`Probe::grpc_service`] gives the service to add to one's own
//! `tonic::transport::Server`; [`Probe::serve_grpc`] serves it from a thread
//! of its own, a current-thread tokio runtime (`server.rs`) serving each
//! connection with hyper's HTTP/2 server (`conn.rs`, the server tonic's is
//! built on, without its layers), for a service without tonic. A request's
//! service name is read in `question.rs`, which
//! judges on the same road as `/livez` (from memory for this process's
//! components, from the files for the others); `Check` and `Watch` are in
//! `service.rs` and `watch.rs`.
//!
//! # Bounds, and why
//!
//! | what | bound | why |
//! |---|---|---|
//! | connections at once | 512, or half the limit of open files if lower; a newcomer over the cap (or when `accept` fails) closes the oldest (`capped.rs`) | idle connections held by others never keep the kubelet's fresh one out |
//! | streams per connection | 16 (HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS`) | a check is one stream |
//! | `Watch` streams at once | 64 per service; more get `RESOURCE_EXHAUSTED` | each looks once per throttle interval |
//! | memory per `Watch` | one answer: computed when the connection asks for the next message, changes not taken coalesced | a client that never reads holds no queue |
//! | request head | 8 KiB of headers | the kubelet sends a few hundred bytes |
//! | request message | 1 KiB (`max_decoding_message_size`) | a service name |
//! | flow-control window | 64 KiB per stream and per connection (HTTP/2's default) | a request is a service name |
//! | unsent answers | 16 KiB per connection; then writes wait for the socket | a client that stops reading waits on its own window |
//! | idle connections | TCP keepalive: probed after 30 s idle, closed 10 s after an unanswered probe, or once data goes unacknowledged for 40 s (set once on the listener) | a vanished client's streams end, with no timer per connection |
//!
//! Every client shares the one thread, and no call blocks on a client: a
//! client that stops reading waits on its own flow-control window.

mod capped;
mod conn;
mod question;
mod server;
mod service;
mod watch;

use std::{io, net::ToSocketAddrs};

use tonic_health::pb::health_server::HealthServer;

pub use server::GrpcServer;
pub use service::GrpcHealth;

use crate::Probe;

/// The largest request message: a service name.
const MAX_REQUEST: usize = 1024;

impl Probe {
    /// This probe's `grpc.health.v1.Health` service, to add to a
    /// `tonic::transport::Server` (feature `grpc`); see
    /// [`serve_grpc`](Probe::serve_grpc) for one that serves itself.
    ///
    /// `Check` judges at each call, as `/livez` does (from memory for the
    /// components this process writes, from the files for the others), by
    /// the request's service name, matched exactly:
    ///
    /// | service | `SERVING` when |
    /// |---|---|
    /// | `""`, `"liveness"` | every component is alive |
    /// | `"readiness"` | every component is ready (for now: alive) |
    /// | `"startup"` | every component has started |
    /// | a component's name | that component (each of its instances) is alive |
    ///
    /// and `NOT_SERVING` otherwise; any other name fails with `NOT_FOUND`.
    /// `Watch` sends the answer at once, then each change within one
    /// throttle interval of the components it concerns (`max_age / 10`, at
    /// most 1 s); an unknown name gets `SERVICE_UNKNOWN` and nothing more.
    /// At most 64 watches are open at once (`RESOURCE_EXHAUSTED` beyond).
    ///
    /// ```no_run
    /// # async fn run(probe: liveness::Probe) -> Result<(), Box<dyn std::error::Error>> {
    /// tonic::transport::Server::builder()
    ///     .add_service(probe.grpc_service())
    ///     // .add_service(MyServiceServer::new(my_service))
    ///     .serve("0.0.0.0:9090".parse()?)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
    pub fn grpc_service(&self) -> HealthServer<GrpcHealth> {
        HealthServer::new(GrpcHealth::new(self.components())).max_decoding_message_size(MAX_REQUEST)
    }

    /// Serves [`grpc_service`](Probe::grpc_service) on `addr` from a
    /// background thread (a current-thread tokio runtime) until the returned
    /// handle is stopped or dropped (feature `grpc`): keep the handle (`let
    /// _grpc = probe.serve_grpc(addr)?;`). For the kubelet's `grpc` probe
    /// of a service that runs no tonic server of its own. The server is
    /// bounded so that idle or hostile clients cannot starve the kubelet: see
    /// the bounds in the crate's README.
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "90s", path = "/tmp/liveness-doc-grpc/worker")]
    /// struct Worker;
    ///
    /// Worker::beat_now()?;
    /// let grpc = Probe::new([Component::of::<Worker>()]).serve_grpc("127.0.0.1:0")?;
    /// println!("grpc.health.v1 on {}", grpc.local_addr());
    /// grpc.stop();
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-grpc")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `addr` cannot be resolved or bound, when the probe has no
    /// component (`InvalidInput`), or when the runtime or thread cannot be
    /// started.
    #[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
    #[must_use = "the server stops when its handle is dropped: keep it (`let _grpc = probe.serve_grpc(..)?;`)"]
    pub fn serve_grpc(&self, addr: impl ToSocketAddrs) -> io::Result<GrpcServer> {
        if self.components().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this probe judges no component: list at least one",
            ));
        }
        let listener = std::net::TcpListener::bind(addr)?;
        server::spawn(listener, self.grpc_service())
    }
}
