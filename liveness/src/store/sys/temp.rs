//! The temporary files a writer creates a new heartbeat under, and the
//! clearing of those a writer killed mid-creation left behind.

use std::{
    ffi::OsStr,
    os::unix::ffi::OsStrExt,
    time::{Duration, SystemTime},
};

use rustix::fs::AtFlags;
use std::os::fd::OwnedFd;

/// A temporary file older than this was left by a writer that died while
/// creating its heartbeat; creating takes microseconds.
const STALE_TEMP: Duration = Duration::from_secs(5);

/// Removes from the directory `dir` the `.<name>.<pid>.<counter>.tmp`
/// files (the shape `Dir::create` gives them, both numbers decimal) older
/// than [`STALE_TEMP`]; nothing else, whatever its name looks like.
pub(super) fn remove_stale_temps(dir: &OwnedFd, name: &OsStr) {
    let prefix = temp_prefix(name);
    let Ok(entries) = rustix::fs::Dir::read_from(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let file = entry.file_name().to_bytes();
        if !is_temp_of(file, &prefix) {
            continue;
        }
        let file = OsStr::from_bytes(file);
        let Ok(st) = rustix::fs::statat(dir, file, AtFlags::SYMLINK_NOFOLLOW) else {
            continue;
        };
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(st.st_mtime.max(0) as u64);
        let age = now
            .duration_since(modified)
            .unwrap_or_else(|e| e.duration());
        if age > STALE_TEMP {
            let _ = rustix::fs::unlinkat(dir, file, AtFlags::empty());
        }
    }
}

/// Whether `file` is `<prefix><pid>.<counter>.tmp`, both numbers decimal
/// without a sign: exactly the name `Dir::create` gives a temporary file.
fn is_temp_of(file: &[u8], prefix: &[u8]) -> bool {
    let Some(rest) = file
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(b".tmp"))
    else {
        return false;
    };
    let number = |n: &[u8]| !n.is_empty() && n.len() <= 20 && n.iter().all(u8::is_ascii_digit);
    let mut parts = rest.split(|b| *b == b'.');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(pid), Some(counter), None) if number(pid) && number(counter)
    )
}

/// `.<name>.`: the start of the temporary files of `name`.
pub(super) fn temp_prefix(name: &OsStr) -> Vec<u8> {
    [b".", name.as_bytes(), b"."].concat()
}
