//! Reading and writing heartbeat files.
//!
//! Writes go in place: a record has a fixed size and is written with one
//! `pwrite` at offset 0 over the previous one, with no truncation, no rename
//! and no `fsync` (a stalled disk must not stall the service's loop, and the
//! page cache is what the probe reads). A new file is written in full under a
//! temporary name and hard-linked into place, so no reader ever sees it empty
//! (on a file system without hard links it is created in place instead).
//! No write follows a symbolic link anywhere in the path, and none touches a
//! file that is not a heartbeat ([`file`]).
//!
//! Reads look at the path (`lstat`) before opening it and open only a
//! regular file, with `O_NOFOLLOW | O_NONBLOCK`. They refuse files over
//! 4 KiB and re-read a bounded number of times when the integrity check fails
//! or the file is empty (a write was in progress).

mod file;
#[cfg(unix)]
mod sys;
#[cfg(not(unix))]
#[path = "portable.rs"]
mod sys;

use std::{fs::File, io, path::Path};

pub(crate) use file::{HeartbeatFile, write_once};

use crate::record::{self, Invalid, Parsed};

/// Files larger than this are not heartbeats; only this much is ever read.
pub(crate) const READ_LIMIT: usize = 4096;

/// How many times a reader re-reads a record whose check fails.
const READ_ATTEMPTS: u32 = 16;

/// A file's identity: device and inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FileId(u64, u64);

/// Why a heartbeat file could not be opened or created for writing.
#[derive(Debug)]
enum OpenError {
    /// No file at the path.
    Missing,
    /// Created by someone else between our look and our link.
    Exists,
    /// This component of the path is a symbolic link.
    Symlink(std::path::PathBuf),
    /// The file is a directory, a FIFO, a device, ... (said with an article).
    NotRegular(&'static str),
    /// Opening or creating this parent directory failed.
    Dir(std::path::PathBuf, io::Error),
    /// Anything else the system said.
    Io(io::Error),
}

/// What reading a heartbeat file gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Contents {
    /// No file at the path.
    Missing,
    /// An empty file, still empty after re-reading.
    Empty,
    /// A heartbeat, ours or the prior art's.
    Parsed(Parsed),
    /// A file that is not a heartbeat, or a record that fails its check.
    Invalid(String),
    /// The file exists but cannot be read.
    Unreadable(String),
}

/// Reads the heartbeat at `path`. Never blocks on a FIFO or device, never
/// reads more than a few KiB, never fails: every problem is a [`Contents`].
/// Also returns the file's identity when there is a file.
pub(crate) fn read(path: &Path) -> (Contents, Option<FileId>) {
    if !path.is_absolute() {
        return (Contents::Invalid("the path is not absolute".into()), None);
    }
    match sys::open_for_reading(path) {
        Ok((_, id, len)) if len > READ_LIMIT as u64 => (
            Contents::Invalid(format!("{len} bytes is too large for a heartbeat")),
            Some(id),
        ),
        Ok((file, id, len)) => (read_contents(&file, len as usize), Some(id)),
        Err(OpenError::Missing) => (Contents::Missing, None),
        Err(OpenError::Symlink(_)) => (Contents::Invalid(SYMLINK.into()), None),
        Err(OpenError::NotRegular(kind)) => (
            Contents::Invalid(format!("not a regular file but {kind}")),
            None,
        ),
        Err(OpenError::Dir(_, e) | OpenError::Io(e)) => {
            (Contents::Unreadable(io_message(&e)), None)
        }
        Err(OpenError::Exists) => (Contents::Missing, None),
    }
}

/// Reads and parses an open heartbeat file of `len` bytes (by `fstat`),
/// re-reading a record that fails its check.
fn read_contents(file: &File, len: usize) -> Contents {
    // A record's size, and one byte to see a file that grew, on the stack;
    // anything larger (never a heartbeat of this format) on the heap.
    if len < record::RECORD_LEN {
        read_into(file, len, &mut [0u8; record::RECORD_LEN + 1])
    } else {
        read_into(file, len, &mut vec![0u8; READ_LIMIT + 1])
    }
}

/// [`read_contents`] with `buf`, which grows to [`READ_LIMIT`] + 1 bytes
/// when the file turns out larger than it.
fn read_into(file: &File, len: usize, buf: &mut [u8]) -> Contents {
    if buf.len() <= READ_LIMIT && len >= buf.len() {
        return read_into(file, len, &mut vec![0u8; READ_LIMIT + 1]);
    }
    // One byte more than the size said, to see a file that grew meanwhile.
    let mut want = (len + 1).min(buf.len());
    let mut len = 0;
    for attempt in 0..READ_ATTEMPTS {
        len = match read_at_most(file, &mut buf[..want]) {
            Ok(len) => len,
            Err(e) => return Contents::Unreadable(io_message(&e)),
        };
        if len == want && want < buf.len() {
            want = buf.len(); // it grew since fstat: read again, all of it
            continue;
        }
        if len == buf.len() && buf.len() <= READ_LIMIT {
            // Larger than a record: read it into the large buffer.
            return read_into(file, buf.len(), &mut vec![0u8; READ_LIMIT + 1]);
        }
        if len > READ_LIMIT {
            return Contents::Invalid("too large for a heartbeat".into());
        }
        let parsed = match len {
            0 => Err(Invalid::Checksum), // a writer that truncates first, mid-write
            _ => record::parse(&buf[..len]),
        };
        match parsed {
            Ok(parsed) => return Contents::Parsed(parsed),
            Err(Invalid::Checksum) => {
                // A write is in progress; it takes microseconds. All attempts
                // together wait about 12 ms at most.
                if attempt < 4 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(std::time::Duration::from_micros(100 * u64::from(attempt)));
                }
            }
            Err(other) => return Contents::Invalid(other.to_string()),
        }
    }
    match len {
        0 => Contents::Empty,
        _ => Contents::Invalid(Invalid::Checksum.to_string()),
    }
}

/// Whether a writer may overwrite a file holding `contents` (at most
/// [`READ_LIMIT`] + 1 bytes of it): only when it is
/// (a) empty; (b) a complete record of ours, any version, that parses and
/// passes its check, at most [`READ_LIMIT`] bytes; (c) one of our records
/// torn mid-write: exactly [`RECORD_LEN`](record::RECORD_LEN) bytes starting
/// with `liveness/2 ` (our in-place writes are always that long); or (d) the
/// prior art's float, an epoch time with a fraction within ten years before
/// now and a day after ([`is_prior_art`]). Anything else (a PID file, a port
/// number, a large file that merely starts like a record) was put there by
/// someone else and is left as it is.
pub(crate) fn is_heartbeat(contents: &[u8]) -> bool {
    if contents.is_empty() {
        return true;
    }
    if contents.len() > READ_LIMIT {
        return false;
    }
    if contents.starts_with(b"liveness/") {
        let torn = contents.len() == record::RECORD_LEN && contents.starts_with(b"liveness/2 ");
        return torn || matches!(record::parse(contents), Ok(Parsed::Record(_)));
    }
    is_prior_art(contents, crate::clock::wall())
}

/// Whether `contents` is the prior art's heartbeat as it writes it: epoch
/// seconds with a fractional part (`1732512345.123456`), optional spaces or
/// tabs around it and one trailing newline; no sign, no exponent; between
/// ten years before `now` and a day after.
fn is_prior_art(contents: &[u8], now: std::time::SystemTime) -> bool {
    const YEARS_10: u64 = 10 * 366 * 86_400;
    const DAY: u64 = 86_400;
    let text = contents.strip_suffix(b"\n").unwrap_or(contents);
    let text = text.trim_ascii();
    let Some((whole, fraction)) =
        text.split_at_checked(text.iter().position(|b| *b == b'.').unwrap_or(text.len()))
    else {
        return false;
    };
    let fraction = &fraction[fraction.len().min(1)..];
    let digits = |d: &[u8]| !d.is_empty() && d.iter().all(u8::is_ascii_digit);
    if !digits(whole) || !digits(fraction) || whole.len() > 12 {
        return false;
    }
    let Ok(secs) = std::str::from_utf8(whole)
        .unwrap_or_default()
        .parse::<u64>()
    else {
        return false;
    };
    let now = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    secs >= now.saturating_sub(YEARS_10) && secs <= now + DAY
}

/// Reads from offset 0 until `buf` is full or the file ends; a short read
/// from a regular file is its end.
fn read_at_most(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    while len < buf.len() {
        match sys::read_at(file, &mut buf[len..], len as u64) {
            Ok(n) if n < buf.len() - len => return Ok(len + n),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(len)
}

/// Writes all of `bytes` at offset 0.
fn write_at(file: &File, bytes: &[u8]) -> io::Result<()> {
    sys::write_all_at(file, bytes, 0)
}

const SYMLINK: &str = "the path is a symbolic link, which liveness never writes";

/// The operating system's message without Rust's " (os error N)" suffix.
fn io_message(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_lowercase(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        host::Identity,
        record::{Event, Parsed},
    };

    #[test]
    fn a_file_that_grew_since_its_size_was_taken_is_read_whole() {
        let path = std::env::temp_dir().join(format!("liveness-grew-{}", std::process::id()));
        let record = Identity::get().record(None, Event::Beat);
        std::fs::write(&path, record.encode().unwrap()).unwrap();
        let file = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        // `fstat` said 10 bytes; the file holds a whole record.
        assert_eq!(
            read_contents(&file, 10),
            Contents::Parsed(Parsed::Record(record))
        );
        assert_eq!(read_contents(&file, 0), read_contents(&file, 1024));
    }

    #[test]
    fn a_file_larger_than_a_record_is_read_up_to_the_limit() {
        let path = std::env::temp_dir().join(format!("liveness-large-{}", std::process::id()));
        std::fs::write(&path, vec![b'7'; 5000]).unwrap();
        let file = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        // Whatever size fstat gave (it grew since), the file is read past a
        // record's size, to the limit.
        for said in [10, 1024, 5000] {
            assert_eq!(
                read_contents(&file, said),
                Contents::Invalid("too large for a heartbeat".into()),
                "{said}"
            );
        }
    }
}
