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
//! fn main() -> Result<(), liveness::Error> {
//!     loop {
//!         do_work();
//!         Worker::beat()?; // cheap enough for every iteration
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
//! | key | required | meaning |
//! |---|---|---|
//! | `max_age` | yes | a [humantime] duration (`"90s"`, `"1m 30s"`, `"500ms"`), > 0 |
//! | `path` | no | absolute path of the heartbeat file; default `/tmp/liveness/<name>` |
//! | `env` | no | an environment variable that, when set and non-empty, overrides `path` at run time |
//! | `startup_grace` | no | how long after the container starts a missing heartbeat counts as starting (alive); default `max_age`, `"0s"` disables it |
//! | `name` | no | the component's name in messages; default: the type name in kebab-case |
//!
//! Every mistake is a compile error pointing at the token: a missing
//! `max_age`, an unparsable or zero duration, a relative path, an unknown or
//! duplicate key, a non-string value, a generic type.
//!
//! # Heartbeats
//!
//! [`Liveness::beat`] writes at most once per `min(max_age / 10, 1 s)`; in
//! between it is a clock read and an atomic load. A loop that calls it at least
//! every `max_age - 1 s` is never reported dead. [`Liveness::beat_now`] always
//! writes. Writes are one fixed-size, human-readable line rewritten in place
//! with an integrity check: never truncated, renamed over or `fsync`ed, so a
//! probe never sees a torn record and a stalled disk does not stall the loop.
//!
//! A heartbeat from this boot is aged on `CLOCK_BOOTTIME`, which NTP and
//! manual clock steps do not move. A heartbeat from a previous container
//! (an `emptyDir` outlives container restarts) counts as none.
//!
//! # The probe
//!
//! | invocation | effect | exit |
//! |---|---|---|
//! | no arguments | one line per component on stdout | 0 all alive, 1 any dead |
//! | `--json` | every component's status as one line of JSON | 0 / 1 |
//! | `--k8s` | a `livenessProbe` YAML snippet that runs this binary | 0 |
//! | `-h`, `--help`, `-V`, `--version` | usage / version | 0 |
//! | anything else | usage on stderr | 2 |
//!
//! A dead line names the component, the verdict, the age, the maximum and the
//! path: `worker: dead: last heartbeat 2m 5s ago, max 1m 30s
//! (/tmp/liveness/worker)`. Hostile files (a directory, a FIFO, a device, a
//! huge file, garbage, a symlink, no permission) are dead lines that say why;
//! the probe never blocks, panics or spawns a process. `RUST_LOG` or
//! `LOG_LEVEL` turn on logging to stderr. [`Probe`] serves the same command
//! line from a subcommand of the service's own binary.
//!
//! # Over HTTP
//!
//! With the `http` feature, `Probe::serve_http` answers the kubelet's
//! `httpGet` probe from a background thread of the service instead: `GET
//! /livez` gives 200 and the probe's lines while every component is alive,
//! 503 once any is dead, and no process is started per check. The server is
//! one thread with bounded heads, time and connections, so that slow or
//! hostile clients cannot make the kubelet's checks fail.
//!
//! # On Kubernetes
//!
//! Run the probe binary as an `exec` liveness probe in the service's
//! container, with the heartbeat directory on an `emptyDir`. A hung loop is
//! restarted at the latest `max_age + periodSeconds × failureThreshold` after
//! its last heartbeat; a container that never beats, `startup_grace +
//! periodSeconds × failureThreshold` after it starts. The README has the
//! PodSpec, the tuning advice, the performance figures and the static build.
//!
//! [humantime]: https://docs.rs/humantime

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clock;
mod component;
mod error;
mod heartbeat;
mod host;
#[cfg(feature = "http")]
mod http;
mod probe;
mod record;
mod status;
mod store;
mod timestamp;

pub use component::{Component, Liveness};
pub use error::Error;
pub use heartbeat::Heartbeat;
#[cfg(feature = "http")]
pub use http::HttpServer;
pub use probe::Probe;
pub use status::{Status, Verdict};
pub use timestamp::Timestamp;

/// The `httpGet` fuzz target's entry point; only under `--cfg fuzzing`.
#[cfg(all(feature = "http", fuzzing))]
#[doc(hidden)]
pub use http::fuzz as __http_fuzz;

/// Derives [`Liveness`] from `#[liveness(max_age = "...", ...)]`.
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
/// command line and for serving the probe from a subcommand instead.
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

/// Entry points for the fuzz targets and tests; not a public API.
#[doc(hidden)]
pub mod __fuzz {
    use std::time::{Duration, SystemTime};

    /// Parses `bytes` as a heartbeat file and judges it against a host whose
    /// clocks read `wall` and `boot` (boot id all `a`s, no incarnation, no
    /// container age); returns the one-line verdict.
    pub fn verdict_of_bytes(
        bytes: &[u8],
        wall: SystemTime,
        boot: Duration,
        max_age: Duration,
    ) -> (bool, String) {
        let read = match crate::record::parse(bytes) {
            Ok(parsed) => crate::store::Read::Parsed(parsed),
            Err(invalid) => crate::store::Read::Invalid(invalid.to_string()),
        };
        let host = crate::host::Host {
            wall,
            boot: Some(crate::host::Boot {
                id: [b'a'; 36],
                now: boot,
            }),
            incarnation: None,
            container_age: None,
        };
        let limits = crate::status::Limits {
            max_age,
            startup_grace: max_age,
        };
        let status =
            crate::Status::new("fuzz", std::path::Path::new("/fuzz"), limits, &read, &host);
        (status.is_alive(), status.to_string())
    }

    /// A record of this process (this boot, this container) whose wall time
    /// and boot-clock reading are moved by the given seconds (negative: in the
    /// past), encoded as the file holds it.
    pub fn record_now(wall_offset_secs: f64, boot_offset_secs: f64) -> Vec<u8> {
        fn shift(d: Duration, by: f64) -> Duration {
            if by >= 0.0 {
                d + Duration::from_secs_f64(by)
            } else {
                d.saturating_sub(Duration::from_secs_f64(-by))
            }
        }
        let mut record = crate::heartbeat::current_record();
        let since_epoch = record
            .wall
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        record.wall = SystemTime::UNIX_EPOCH + shift(since_epoch, wall_offset_secs);
        if let Some((_, up)) = &mut record.boot {
            *up = shift(*up, boot_offset_secs);
        }
        record
            .encode()
            .map(|bytes| bytes.to_vec())
            .unwrap_or_default()
    }

    /// Encodes a record from its values and parses it back; `None` when the
    /// wall time cannot be encoded, else whether the values round-tripped.
    pub fn round_trip(
        wall: SystemTime,
        boot_id: Option<[u8; 36]>,
        up: Duration,
        mnt_ns: u64,
        init_start: u64,
        pid: u32,
    ) -> Option<bool> {
        let record = crate::record::Record {
            wall,
            boot: boot_id.map(|id| (id, up)),
            incarnation: (mnt_ns != 0 || init_start != 0)
                .then_some(crate::host::Incarnation { mnt_ns, init_start }),
            pid,
        };
        let bytes = record.encode()?;
        Some(crate::record::parse(&bytes) == Ok(crate::record::Parsed::Record(record)))
    }
}

/// What generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::{Heartbeat, Liveness};
    pub use core::{option::Option, time::Duration};
    pub use std::process::ExitCode;
}
