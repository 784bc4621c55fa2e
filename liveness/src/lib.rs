//! Heartbeat files and a tiny exec liveness probe for Kubernetes services
//! that have no HTTP server: operators, queue workers, batch agents.
//!
//! The service's main loop records a heartbeat in a file; the kubelet runs a
//! probe binary in the same container, which exits 0 while the heartbeat is
//! younger than the declared maximum age and 1 once it is older.
//!
//! ```no_run
//! use liveness::Liveness;
//!
//! #[derive(Liveness)]
//! #[liveness(max_age = "90s", path = "/tmp/liveness/worker")]
//! struct Worker;
//!
//! fn do_work() { /* one unit of work */ }
//!
//! fn main() {
//!     loop {
//!         do_work();
//!         // Cheap enough for every iteration. A failed write (a full or
//!         // read-only volume) is worth a log line, not a stop: the probe
//!         // then reports the missing beats.
//!         if let Err(error) = Worker::beat() {
//!             eprintln!("{error}");
//!         }
//!     }
//! }
//! ```
//!
//! The probe binary is one line (`src/bin/worker-liveness.rs`):
//!
//! ```ignore
//! liveness::liveness_main!(Worker);          // one component
//! liveness::liveness_main!(Worker, Indexer); // several: dead if any is dead
//! ```
//!
//! # The attribute
//!
#![doc = include_str!("attribute.md")]
//!
//! # Heartbeats
//!
//! [`Liveness::beat`] writes at most once per `min(max_age / 10, 1 s)`, less
//! a tenth (a margin for its coarse clock); in between it is a coarse clock
//! read and an atomic load. A loop that calls it at least
//! every `max_age - 1 s` is never reported dead. [`Liveness::beat_now`] always
//! writes. Writes are one fixed-size, human-readable line rewritten in place
//! with an integrity check: never truncated, renamed over or `fsync`ed, so a
//! probe never sees a torn record and a stalled disk does not stall the loop.
//! No write follows a symbolic link, and none touches a file that is not a
//! heartbeat.
//!
//! A heartbeat from this boot is aged on `CLOCK_BOOTTIME`, which NTP and
//! manual clock steps do not move. A heartbeat from a previous container
//! (an `emptyDir` outlives container restarts) counts as none; one of
//! another live container writing the same file is named as a conflict.
//!
//! # Services as they run
//!
//! - A pool of identical workers: [`Liveness::pool_size`] and
//!   [`Liveness::instance`] give each worker a heartbeat of its own, and the
//!   probe a line per worker.
//! - A known long operation: [`Liveness::extend`] keeps the component alive
//!   without beats, up to the declared `max_extend`, saying why.
//! - A fault the service detects itself: [`Liveness::fail`] makes it dead
//!   until the container restarts, saying why.
//! - Components known only at run time: [`Component::new`].
//! - A dependency that is down: [`Liveness::unready`] takes the component
//!   out of traffic (`--ready`, `/readyz`) without restarting it, and
//!   [`Liveness::ready`] brings it back; [`drain`] takes the whole process
//!   out for good, on `SIGTERM`. Dead lines name the `file:line` of the
//!   call that last wrote.
//!
//! # The probe
//!
//! [`Probe`] judges components and serves the probe's command line
//! (`--json`, `--startup`, `--k8s`, ...) from `liveness_main!` or from a
//! subcommand of the service's own binary. Hostile files (a directory, a
//! FIFO, a device, a huge file, garbage, a symlink, no permission) are dead
//! lines that say why; the probe never blocks, panics or spawns a process.
//!
//! # Features
//!
//! | feature | default | adds | dependencies |
//! |---|---|---|---|
//! | (none) | | [`Liveness`], [`Component`], [`Probe::statuses`], [`Status`], [`Timestamp`]: heartbeats and verdicts | `crc`, `humantime`, `log`, `thiserror`, `rustix` (Unix) |
//! | `probe` | yes | the probe's command line and [`liveness_main!`]; [`Probe::respond`] and [`Probe::metrics`] for a service's own router; `serde::Serialize` for [`Status`], [`Verdict`], [`State`] and the JSON [`Report`] | `serde`, `serde_json`, `env_logger` |
//! | `http` | | [`Probe::serve_http`], an `httpGet` endpoint (`/livez`, `/readyz`, `/livez/startup`, `/metrics`) inside the service, so the kubelet checks it without an exec (Unix) | `probe`, `httparse` |
//! | `systemd` | | [`Probe::watchdog`]: systemd's watchdog (`READY=1`, `WATCHDOG=1`, `WATCHDOG=trigger`) fed from the components' verdicts, for a `Type=notify` unit with `WatchdogSec=` (Unix) | `sd-notify` |
//! | `grpc` | | [`Probe::grpc_service`] and [`Probe::serve_grpc`]: a `grpc.health.v1.Health` service for the kubelet's `grpc` probe (tonic 0.14.6 and later need Rust 1.88) | `http`, `tonic`, `tonic-health`, `tokio` |
//!
//! A service whose probe is another binary can turn `probe` off
//! (`default-features = false`) and compile none of its dependencies.
//!
//! # On Kubernetes
//!
//! Run the probe binary as an `exec` liveness probe in the service's
//! container, with the heartbeat directory on an `emptyDir`. A hung loop is
//! restarted at the latest `max_age + periodSeconds × failureThreshold` after
//! its last heartbeat; a container that never beats, `startup_grace +
//! periodSeconds × failureThreshold` after it starts. The README has the
//! PodSpec, the tuning advice and the static build.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod clock;
mod component;
mod declaration;
mod error;
mod escape;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(all(feature = "grpc", unix))]
mod grpc;
mod heartbeat;
mod host;
#[cfg(feature = "probe")]
mod http;
mod liveness;
mod probe;
mod record;
mod registry;
mod status;
mod store;
#[cfg(all(feature = "systemd", unix))]
mod systemd;
mod timestamp;

pub use component::Component;
pub use error::Error;
#[cfg(all(feature = "grpc", unix))]
pub use grpc::{GrpcHealth, GrpcServer};
pub use heartbeat::{Heartbeat, Instance};
#[cfg(all(feature = "http", unix))]
pub use http::HttpServer;
#[cfg(feature = "probe")]
pub use http::Response;
pub use liveness::Liveness;
pub use probe::Probe;
#[cfg(feature = "probe")]
pub use probe::Report;
pub use record::MAX_POOL_SIZE;
pub use status::{State, Status, Verdict};
#[cfg(all(feature = "systemd", unix))]
pub use systemd::Watchdog;
pub use timestamp::Timestamp;

/// Derives [`Liveness`] from `#[liveness(max_age = "...", ...)]`.
///
#[doc = include_str!("attribute.md")]
pub use liveness_derive::Liveness;

/// The probe binary's `main`: judges every listed component, prints one line
/// each, and exits 0 when all are alive, 1 when any is dead.
///
/// ```
/// use liveness::Liveness;
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "90s")]
/// struct Worker;
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "5m")]
/// struct Indexer;
///
/// liveness::liveness_main!(Worker, Indexer);
/// ```
///
/// The types must be in scope (or written as paths). See [`Probe`] for the
/// command line and for serving the probe from a subcommand instead. Needs
/// the `probe` feature (on by default).
#[cfg(feature = "probe")]
#[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
#[macro_export]
macro_rules! liveness_main {
    ($($component:ty),+ $(,)?) => {
        fn main() -> $crate::__private::ExitCode {
            $crate::Probe::new([$($crate::Component::of::<$component>()),+])
                .version(::core::env!("CARGO_PKG_VERSION"))
                .main()
        }
    };
}

/// Takes every component of this process out of traffic for good, saying
/// why: for a service that stops (on `SIGTERM`), so that it leaves the
/// Service's endpoints before it stops serving. Liveness is untouched.
///
/// Sticky for the life of the process (the first reason stays): after it,
/// [`Liveness::ready`] changes nothing, and every record this process
/// writes, of every component and pool instance, says `draining`. It is
/// written at once into the file of every component this process has
/// written, so that the exec probe (`--ready`) sees it too. See
/// `examples/drain.rs` for the wiring to `SIGTERM`.
///
/// # Errors
///
/// The first write that failed; every file is tried, and the process
/// drains all the same (in memory, and in the next due beat's record).
#[track_caller]
pub fn drain(reason: &str) -> Result<(), Error> {
    heartbeat::drain(reason, std::panic::Location::caller())
}

/// What generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::{Heartbeat, Liveness};
    pub use core::{option::Option, time::Duration};
    pub use std::process::ExitCode;
}
