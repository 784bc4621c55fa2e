//! The few procfs files the incarnation guard reads, each with one `read`.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use crate::record::{BootId, Incarnation};

/// The procfs to read: `LIVENESS_PROC_ROOT`, else `/proc`.
pub(super) fn root() -> PathBuf {
    std::env::var_os("LIVENESS_PROC_ROOT")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/proc"), PathBuf::from)
}

/// A time namespace's boot-clock offset: what the process's clock reads
/// minus what the host's reads, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Offset(i128);

impl Offset {
    /// A reading of this namespace's boot clock on the host's.
    pub fn to_host(self, local: Duration) -> Duration {
        let host = local.as_nanos() as i128 - self.0;
        Duration::from_nanos(u64::try_from(host.max(0)).unwrap_or(u64::MAX))
    }

    /// A start time procfs shows this namespace (in ticks) on the host's
    /// clock. The kernel shifts it into the namespace in unsigned
    /// nanoseconds: a process that started before the namespace's clock
    /// zero (a negative offset, and PID 1 started early) shows a wrapped
    /// value, about 2^64 ns / tick. The shift is undone in signed
    /// arithmetic. The tick the kernel rounded down to is taken from the
    /// wrapped value, so the result may be one tick early
    /// ([`Incarnation::same`](super::Incarnation::same) allows for it).
    fn ticks_to_host(self, ticks: u64) -> u64 {
        let per_tick = i128::from(1_000_000_000 / ticks_per_second());
        let mut local = i128::from(ticks) * per_tick;
        if local > i128::from(i64::MAX) {
            local -= 1 << 64; // before the namespace's zero
        }
        let host = (local - self.0).max(0);
        u64::try_from(host / per_tick).unwrap_or(u64::MAX)
    }
}

/// The inode of the initial time namespace (the kernel's
/// `PROC_TIME_INIT_INO`), whose clocks have no offset.
const INITIAL_TIME_NS: u64 = 0xEFFF_FFFA;

/// The boot-clock offset of this process's time namespace
/// (`boottime <secs> <nanos>` in `self/timens_offsets`); zero without one.
/// In the initial namespace (most processes), one `readlink` of
/// `self/ns/time` tells so, for half the cost of reading the offsets.
pub(super) fn time_offset(proc: &Path) -> Offset {
    if ns_link(&proc.join("self/ns/time"), "time") == Some(INITIAL_TIME_NS) {
        return Offset::default();
    }
    read_time_offset(proc)
}

/// [`time_offset`], read from `self/timens_offsets` whatever the namespace.
fn read_time_offset(proc: &Path) -> Offset {
    let mut buf = [0; 256];
    let Some(text) = read_small(&proc.join("self/timens_offsets"), &mut buf) else {
        return Offset::default();
    };
    let text = std::str::from_utf8(text).unwrap_or_default();
    let boottime = text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next()? == "boottime").then_some(())?;
        let secs: i64 = words.next()?.parse().ok()?;
        let nanos: i64 = words.next()?.parse().ok()?;
        Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
    });
    Offset(boottime.unwrap_or_default())
}

pub(super) fn boot_id(proc: &Path) -> Option<BootId> {
    let mut buf = [0; 64];
    let text = read_small(&proc.join("sys/kernel/random/boot_id"), &mut buf)?;
    BootId::parse(std::str::from_utf8(text.get(..36)?).ok()?).flatten()
}

/// This process's container incarnation, start times on the host's clock;
/// with its PID namespace only when `pid_ns` (0 otherwise: the mount
/// namespace and PID 1's start tell a container, and a probe reads the
/// PID namespace only when they differ from a record's).
pub(super) fn incarnation(proc: &Path, offset: Offset, pid_ns: bool) -> Option<Incarnation> {
    Some(Incarnation {
        mnt_ns: ns_inode(proc, "mnt")?,
        pid_ns: if pid_ns { ns_inode(proc, "pid")? } else { 0 },
        init_start: start_ticks(proc, "1", offset)?,
    })
}

/// The inode of this process's PID namespace.
pub(super) fn pid_ns(proc: &Path) -> Option<u64> {
    ns_inode(proc, "pid")
}

/// The inode of this process's namespace `ns`: what its link in
/// `self/ns` names (`mnt:[4026531841]`), read with `readlink`, which costs
/// half a `stat` through the link; else (a file standing in for it, in
/// tests) the inode `stat` gives.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // st_ino is u32 on some targets
fn ns_inode(proc: &Path, ns: &str) -> Option<u64> {
    let path = proc.join("self/ns").join(ns);
    if let Some(inode) = ns_link(&path, ns) {
        return Some(inode);
    }
    let st = rustix::fs::stat(path).ok()?;
    Some(st.st_ino as u64)
}

#[cfg(not(unix))]
fn ns_inode(_: &Path, _: &str) -> Option<u64> {
    None
}

/// The inode the namespace link at `path` names, `<ns>:[<inode>]`.
#[cfg(unix)]
fn ns_link(path: &Path, ns: &str) -> Option<u64> {
    let mut buf = [0u8; 64];
    let len = rustix::fs::readlinkat_raw(rustix::fs::CWD, path, &mut buf[..]).ok()?;
    parse_ns_link(buf.get(..len)?, ns)
}

#[cfg(not(unix))]
fn ns_link(_: &Path, _: &str) -> Option<u64> {
    None
}

/// `<ns>:[<inode>]`'s inode.
#[cfg_attr(not(unix), allow(dead_code))]
fn parse_ns_link(link: &[u8], ns: &str) -> Option<u64> {
    let inode = link
        .strip_prefix(ns.as_bytes())?
        .strip_prefix(b":[")?
        .strip_suffix(b"]")?;
    std::str::from_utf8(inode).ok()?.parse().ok()
}

/// Field 22 of `<proc>/<pid>/stat`, when the process started, in ticks since
/// boot on the host's clock.
pub(super) fn start_ticks(proc: &Path, pid: &str, offset: Offset) -> Option<u64> {
    // About 300 bytes; procfs returns the line in one read.
    let mut buf = [0; 1024];
    let stat = read_small(&proc.join(pid).join("stat"), &mut buf)?;
    // The command name (field 2) is in parentheses and may hold anything.
    let after_name = &stat[stat.iter().rposition(|b| *b == b')')? + 1..];
    let field = after_name
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty())
        .nth(19)?;
    let ticks: u64 = std::str::from_utf8(field).ok()?.parse().ok()?;
    Some(offset.ticks_to_host(ticks))
}

/// This process's pid in the outermost PID namespace its procfs shows (the
/// first `NSpid` of `self/status`): what a probe outside a nested PID
/// namespace sees, when the nested one did not mount a procfs of its own.
pub(super) fn outer_pid(proc: &Path) -> Option<u32> {
    let mut buf = [0; 4096];
    let status = std::str::from_utf8(read_small(&proc.join("self/status"), &mut buf)?).ok()?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("NSpid:"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Reads a small procfs file with one `read` (procfs reports size 0, so
/// `fs::read` would `statx` and then grow its buffer read by read).
/// Opened without blocking: `LIVENESS_PROC_ROOT` may point anywhere.
fn read_small<'a>(path: &Path, buf: &'a mut [u8]) -> Option<&'a [u8]> {
    // rustix rather than `std::fs`: the probe then runs no code of std's
    // file opening, which lies pages away from the rest it runs (each page
    // it touches brings its neighbours into the probe's resident memory).
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let file = rustix::fs::open(path, flags, Mode::empty()).ok()?;
        let len = rustix::io::read(&file, &mut *buf).ok()?;
        Some(&buf[..len])
    }
    #[cfg(not(unix))]
    {
        use std::io::Read;
        let len = std::fs::File::open(path).ok()?.read(buf).ok()?;
        Some(&buf[..len])
    }
}

fn ticks_per_second() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return rustix::param::clock_ticks_per_second().max(1);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return 100;
}

pub(super) fn ticks_to_duration(ticks: u64) -> Duration {
    let per_second = ticks_per_second();
    Duration::from_secs(ticks / per_second)
        + Duration::from_nanos((ticks % per_second) * 1_000_000_000 / per_second)
}

#[cfg(test)]
fn duration_to_ticks(d: Duration) -> u64 {
    let ticks = d.as_nanos() * u128::from(ticks_per_second()) / 1_000_000_000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_namespace_offset_moves_readings_onto_the_host_clock() {
        let dir = std::env::temp_dir().join(format!("liveness-procfs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("self")).unwrap();
        std::fs::write(
            dir.join("self/timens_offsets"),
            "monotonic 0 0\nboottime 100 500000000\n",
        )
        .unwrap();
        let offset = time_offset(&dir);
        assert_eq!(
            offset.to_host(Duration::from_secs(1000)),
            Duration::from_millis(899_500)
        );
        assert_eq!(offset.ticks_to_host(100_000), 89_950);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(time_offset(&dir), Offset::default());
    }

    #[test]
    fn a_start_before_the_namespace_s_clock_zero_is_unwrapped() {
        // `unshare -T --boottime -5` read PID 1's start (0.23 s after boot on
        // the host) as (2^64 - 4.77e9) / 1e7 ticks.
        let offset = Offset(-5_000_000_000);
        let wrapped = ((1u128 << 64) - 4_770_000_000) / 10_000_000;
        let host = offset.ticks_to_host(u64::try_from(wrapped).unwrap());
        assert!((22..=23).contains(&host), "{host}");
        // Not wrapped: exact, with either sign.
        assert_eq!(offset.ticks_to_host(1216), 1716);
        assert_eq!(Offset(5_000_000_000).ticks_to_host(1216), 716);
        // Before the host's boot: zero, not a wrap the other way.
        assert_eq!(Offset(5_000_000_000).ticks_to_host(100), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_namespace_link_names_the_inode_stat_gives() {
        for ns in ["mnt", "pid", "time"] {
            let path = Path::new("/proc/self/ns").join(ns);
            let Ok(st) = rustix::fs::stat(&path) else {
                continue; // a kernel without that namespace
            };
            assert_eq!(ns_link(&path, ns), Some(st.st_ino), "{ns}");
            assert_eq!(ns_inode(Path::new("/proc"), ns), Some(st.st_ino));
        }
        assert_eq!(
            parse_ns_link(b"mnt:[4026531841]", "mnt"),
            Some(4_026_531_841)
        );
        for bad in [
            &b"pid:[1]"[..],
            b"mnt:[]",
            b"mnt:[1",
            b"mnt:1]",
            b"mnt:[-1]",
            b"",
        ] {
            assert_eq!(parse_ns_link(bad, "mnt"), None, "{:?}", bad.escape_ascii());
        }
    }

    /// The `readlink` shortcut gives what reading the offsets gives, in
    /// whatever time namespace the test runs; and the initial namespace's
    /// offsets are zero, as the shortcut assumes.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_initial_time_namespace_has_no_offset() {
        let proc = Path::new("/proc");
        assert_eq!(time_offset(proc), read_time_offset(proc));
        if ns_link(&proc.join("self/ns/time"), "time") == Some(INITIAL_TIME_NS) {
            let mut buf = [0; 256];
            let text = read_small(&proc.join("self/timens_offsets"), &mut buf).unwrap();
            let text = std::str::from_utf8(text).unwrap();
            for line in text.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(words[1..], ["0", "0"], "{text}");
            }
        }
    }

    #[test]
    fn ticks_and_durations_convert_both_ways() {
        let d = Duration::from_millis(123_450);
        assert_eq!(ticks_to_duration(duration_to_ticks(d)), d);
    }
}
