//! What the running system says about boot and container: the boot id, the
//! container incarnation, the container's age.
//!
//! The incarnation of a container is its mount namespace (`/proc/self/ns/mnt`)
//! plus the start time of its PID 1 (`/proc/1/stat`), within one boot. A
//! restarted container gets a new mount namespace and a new PID 1, while an
//! `emptyDir` volume keeps the previous container's heartbeat file: the
//! incarnation tells the two apart.
//!
//! Limits: with `shareProcessNamespace: true` or `hostPID: true`, PID 1 is the
//! pod's or the node's init, so the container's age (and with it the startup
//! grace) is measured from that process; the mount namespace still changes on
//! every restart. A probe run from another container of the pod sees another
//! mount namespace and judges every heartbeat as "from another container".
//! Without procfs (or off Linux) the guard is off and freshness alone decides.
//!
//! `LIVENESS_PROC_ROOT` (default `/proc`) names the procfs these facts are read
//! from. It exists for tests, which stand a container restart or a young
//! container up in a directory of their own: `1/stat`, `self/ns/mnt` (any
//! file: its inode is the namespace id) and `sys/kernel/random/boot_id`.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use crate::clock;

/// Length of a boot id: a UUID in its 36-character text form.
pub(crate) const BOOT_ID_LEN: usize = 36;

/// The kernel's random id of the current boot.
pub(crate) type BootId = [u8; BOOT_ID_LEN];

/// Identifies one container incarnation within a boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Incarnation {
    /// Inode of the mount namespace.
    pub mnt_ns: u64,
    /// Start time of PID 1, in clock ticks since boot.
    pub init_start: u64,
}

/// The boot clock and the boot it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Boot {
    pub id: BootId,
    pub now: Duration,
}

/// One snapshot of the clocks and of the container, taken once per probe run.
///
/// Verdicts are computed from a `Host` and a record only, so that tests can
/// build any `Host` they need (clock steps, another boot, a young container).
#[derive(Clone, Debug)]
pub(crate) struct Host {
    pub wall: SystemTime,
    pub boot: Option<Boot>,
    pub incarnation: Option<Incarnation>,
    pub container_age: Option<Duration>,
}

/// The procfs to read: `LIVENESS_PROC_ROOT`, else `/proc`.
fn proc_root() -> PathBuf {
    std::env::var_os("LIVENESS_PROC_ROOT")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/proc"), PathBuf::from)
}

impl Host {
    /// Reads procfs, then the clocks.
    ///
    /// Take the snapshot after reading the heartbeats it judges: a beat
    /// written between a clock read and a file read would otherwise look
    /// younger than zero.
    pub fn current() -> Host {
        let proc = proc_root();
        let boot_id = boot_id(&proc);
        let init_start = init_start_ticks(&proc);
        let incarnation = mnt_ns(&proc)
            .zip(init_start)
            .map(|(mnt_ns, init_start)| Incarnation { mnt_ns, init_start });
        let wall = clock::wall();
        let boot_now = clock::boottime();
        let container_age = match (boot_now, init_start) {
            (Some(now), Some(start)) => now.checked_sub(ticks_to_duration(start)),
            _ => None,
        };
        Host {
            wall,
            boot: boot_now.zip(boot_id).map(|(now, id)| Boot { id, now }),
            incarnation,
            container_age,
        }
    }
}

/// What a writer stamps on every record; read once per process.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Identity {
    pub boot_id: Option<BootId>,
    pub incarnation: Option<Incarnation>,
    pub pid: u32,
}

impl Identity {
    /// The identity of this process, read from procfs on first use.
    pub fn get() -> &'static Identity {
        static IDENTITY: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
        IDENTITY.get_or_init(|| {
            let host = Host::current();
            Identity {
                boot_id: host.boot.map(|b| b.id),
                incarnation: host.incarnation,
                pid: std::process::id(),
            }
        })
    }
}

/// Reads a small procfs file with one `read` (procfs reports size 0, so
/// `fs::read` would `statx` and then grow its buffer read by read).
fn read_small<'a>(path: &Path, buf: &'a mut [u8]) -> Option<&'a [u8]> {
    use std::{io::Read, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .ok()?;
    let len = file.read(buf).ok()?;
    Some(&buf[..len])
}

fn boot_id(proc: &Path) -> Option<BootId> {
    let mut buf = [0; 64];
    let text = read_small(&proc.join("sys/kernel/random/boot_id"), &mut buf)?;
    let id: BootId = text.get(..BOOT_ID_LEN)?.try_into().ok()?;
    id.iter()
        .all(|b| b.is_ascii_hexdigit() || *b == b'-')
        .then_some(id)
}

#[allow(clippy::unnecessary_cast)] // st_ino is u32 on some targets
fn mnt_ns(proc: &Path) -> Option<u64> {
    rustix::fs::stat(proc.join("self/ns/mnt"))
        .ok()
        .map(|st| st.st_ino as u64)
}

/// Field 22 of `/proc/1/stat`: when PID 1 started, in ticks since boot.
fn init_start_ticks(proc: &Path) -> Option<u64> {
    // About 300 bytes; procfs returns the line in one read.
    let mut buf = [0; 2048];
    let stat = read_small(&proc.join("1/stat"), &mut buf)?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = &stat[stat.iter().rposition(|b| *b == b')')? + 1..];
    let field = after_name
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty())
        .nth(19)?;
    std::str::from_utf8(field).ok()?.parse().ok()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn ticks_to_duration(ticks: u64) -> Duration {
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    Duration::from_secs(ticks / per_second)
        + Duration::from_nanos((ticks % per_second) * 1_000_000_000 / per_second)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_secs(ticks / 100)
}
