//! The way in for the fuzz targets in `fuzz/`: judges a heartbeat file's
//! bytes against a host described by plain values, as the probe does.
//!
//! Compiled only under `--cfg fuzzing` (set by `cargo fuzz` and by
//! `fuzz/.cargo/config.toml`), so none of it is public API.

use std::{
    path::Path,
    time::{Duration, SystemTime},
};

use crate::{
    declaration::Declaration,
    host::{Boot, BootId, Host, Incarnation, Processes},
    record,
    store::{Contents, READ_LIMIT},
};

/// The path every judged file is shown at.
pub const PATH: &str = "/fuzz/heartbeat";

/// The name a line shows when no component name is expected.
pub const ANY_NAME: &str = "heartbeat";

/// A heartbeat file, the host that judges it and the component it should
/// belong to.
#[derive(Clone, Debug)]
pub struct Case<'a> {
    /// The file's bytes; `None`: no file at the path.
    pub file: Option<&'a [u8]>,
    /// The host's wall clock.
    pub wall: SystemTime,
    /// The host's boot id (any bytes); `None`: unknown.
    pub boot_id: Option<[u8; 36]>,
    /// The host's boot clock: time since boot. Unused without a boot id.
    pub boot_now: Duration,
    /// This container: mount namespace inode, PID namespace inode, start of
    /// PID 1 in clock ticks since boot; `None`: unknown.
    pub incarnation: Option<(u64, u64, u64)>,
    /// How long ago this container started; `None`: unknown.
    pub container_age: Option<Duration>,
    /// The (pid, start in clock ticks since boot) of every process that runs.
    pub running: &'a [(u32, u64)],
    /// The component's maximum age.
    pub max_age: Duration,
    /// The component's startup grace.
    pub startup_grace: Duration,
    /// The longest extension honoured; `None`: what the record says.
    pub max_extend: Option<Duration>,
    /// The component whose heartbeat the file should hold; `None`: any.
    pub name: Option<&'a str>,
    /// The pool instance it should be.
    pub instance: Option<u32>,
}

/// What the probe concluded.
#[derive(Clone, Debug)]
pub struct Judged {
    /// [`Status::is_alive`].
    pub alive: bool,
    /// [`Status::verdict`], as a word.
    pub verdict: &'static str,
    /// [`Status::state`], as a word.
    pub state: Option<&'static str>,
    /// [`Status::age`].
    pub age: Option<Duration>,
    /// The line the probe prints.
    pub line: String,
}

/// Judges `case` as the probe would, had it read `case.file` at [`PATH`].
pub fn judge(case: &Case<'_>) -> Judged {
    let contents = match case.file {
        None => Contents::Missing,
        Some([]) => Contents::Empty,
        Some(bytes) if bytes.len() > READ_LIMIT => Contents::Invalid(format!(
            "{} bytes is too large for a heartbeat",
            bytes.len()
        )),
        Some(bytes) => match record::parse(bytes) {
            Ok(parsed) => Contents::Parsed(parsed),
            Err(invalid) => Contents::Invalid(invalid.to_string()),
        },
    };
    let host = Host {
        wall: case.wall,
        boot: case.boot_id.map(|id| Boot {
            id: BootId(id),
            now: case.boot_now,
        }),
        incarnation: case
            .incarnation
            .map(|(mnt_ns, pid_ns, init_start)| Incarnation {
                mnt_ns,
                pid_ns,
                init_start,
            }),
        container_age: case.container_age,
        processes: Processes::Listed(case.running.to_vec()),
    };
    let declaration = match case.name {
        Some(name) => Declaration::fixed(name.to_owned().into(), PATH.into(), case.max_age),
        None => Declaration::anonymous(ANY_NAME.to_owned(), PATH.into(), case.max_age),
    }
    .with_startup_grace(case.startup_grace);
    let declaration = match case.max_extend {
        Some(max) => declaration.with_max_extend(max),
        None => declaration,
    };
    let status = declaration.judge(case.instance, Path::new(PATH), contents, &host);
    Judged {
        alive: status.is_alive(),
        verdict: status.verdict().as_str(),
        state: status.state().map(|state| state.as_str()),
        age: status.age(),
        line: status.to_string(),
    }
}

/// The `http` target's entry point: a request head, whole and in chunks.
#[cfg(all(feature = "http", unix))]
pub use crate::http::fuzz::check as check_http;
