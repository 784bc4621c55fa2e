//! Reading a heartbeat file, within a budget of re-reads.

use std::{
    cell::Cell,
    fs::File,
    io,
    path::Path,
    time::{Duration, Instant},
};

use super::{
    io::{FileId, OpenError, READ_LIMIT},
    sys::{self, read_at_most},
};
use crate::record::{self, Invalid, Parsed};

/// How many times a reader re-reads a record whose check fails.
const READ_ATTEMPTS: u32 = 16;

/// Re-reads shared by every read of one survey: a write in progress takes
/// microseconds, so a few re-reads settle a real one; files that stay empty
/// or torn (by hand, or a hostile writer) are judged on their first read once
/// the budget is spent.
#[derive(Debug)]
pub(crate) struct Budget {
    /// Re-reads left.
    left: Cell<u32>,
    /// No re-read starts after this.
    until: Instant,
    /// Re-reads done, for tests.
    used: Cell<u32>,
}

impl Budget {
    /// Re-reads a whole survey may do: three files' worth, within 30 ms.
    pub(crate) fn survey() -> Budget {
        Budget::new(3 * READ_ATTEMPTS, Duration::from_millis(30))
    }

    /// One file's worth, for a read on its own.
    pub(crate) fn one_file() -> Budget {
        Budget::new(READ_ATTEMPTS, Duration::from_millis(30))
    }

    fn new(rereads: u32, within: Duration) -> Budget {
        Budget {
            left: Cell::new(rereads),
            until: Instant::now() + within,
            used: Cell::new(0),
        }
    }

    /// Takes one re-read, if any is left.
    fn take(&self) -> bool {
        let left = self.left.get();
        if left == 0 || Instant::now() >= self.until {
            self.left.set(0);
            return false;
        }
        self.left.set(left - 1);
        self.used.set(self.used.get() + 1);
        true
    }

    /// Re-reads done so far.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u32 {
        self.used.get()
    }
}

/// What reading a heartbeat file gave.
#[allow(clippy::large_enum_variant)] // a record, for one judgement (see `Parsed`)
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
    read_within(path, &Budget::one_file())
}

/// [`read`], re-reading a torn or empty file only while `budget` allows.
pub(crate) fn read_within(path: &Path, budget: &Budget) -> (Contents, Option<FileId>) {
    if !path.is_absolute() {
        return (Contents::Invalid("the path is not absolute".into()), None);
    }
    match sys::open_for_reading(path) {
        Ok((_, id, len)) if len > READ_LIMIT as u64 => (
            Contents::Invalid(format!("{len} bytes is too large for a heartbeat")),
            Some(id),
        ),
        Ok((file, id, len)) => (read_contents(&file, len as usize, budget), Some(id)),
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

/// What `fstat` says of a file: enough to tell that it changed (written,
/// truncated, deleted, renamed, replaced: each changes its change time)
/// since it was last looked at.
#[cfg(all(feature = "http", unix))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    id: FileId,
    links: u64,
    size: u64,
    mtime: (i64, u64),
    ctime: (i64, u64),
}

#[cfg(all(feature = "http", unix))]
impl Stamp {
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    fn of(file: &File) -> Option<Stamp> {
        let st = rustix::fs::fstat(file).ok()?;
        Some(Stamp {
            id: FileId(st.st_dev as u64, st.st_ino as u64),
            links: st.st_nlink as u64,
            size: st.st_size as u64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as u64),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as u64),
        })
    }
}

/// A heartbeat file as a write of this process left it: the file, open,
/// its path, and its [`Stamp`] right after the write. Kept with the record
/// in the writer's memory, so that a verdict from memory can ask whether
/// the file still holds it ([`Landed::unchanged_at`]) with one `fstat`.
#[cfg(all(feature = "http", unix))]
#[derive(Clone, Debug)]
pub(crate) struct Landed {
    file: std::sync::Arc<File>,
    path: std::sync::Arc<Path>,
    stamp: Stamp,
}

/// Without the server nothing asks: nothing is kept.
#[cfg(not(all(feature = "http", unix)))]
#[derive(Clone, Debug)]
pub(crate) struct Landed;

#[cfg(all(feature = "http", unix))]
impl Landed {
    /// `file`, at `path`, as it is now (`fstat`); `None` when it cannot be
    /// looked at.
    /// `None` too when no path names it any more (deleted, or replaced by
    /// a rename): a write into it did not reach the path.
    pub(crate) fn now(file: &std::sync::Arc<File>, path: &std::sync::Arc<Path>) -> Option<Landed> {
        let stamp = Stamp::of(file).filter(|stamp| stamp.links > 0)?;
        Some(Landed {
            file: std::sync::Arc::clone(file),
            path: std::sync::Arc::clone(path),
            stamp,
        })
    }

    /// Whether `path` is the path written and the file is as the write
    /// left it: the same stamp (`fstat` of the open file, no path lookup).
    pub(crate) fn unchanged_at(&self, path: &Path) -> bool {
        self.path.as_os_str() == path.as_os_str() && Stamp::of(&self.file) == Some(self.stamp)
    }
}

/// Reads and parses an open heartbeat file of `len` bytes (by `fstat`),
/// re-reading a record that fails its check while `budget` allows.
fn read_contents(file: &File, len: usize, budget: &Budget) -> Contents {
    // A record's size, and one byte to see a file that grew, on the stack;
    // anything larger (never a heartbeat of this format) on the heap.
    if len <= record::RECORD_LEN {
        read_into(file, len, &mut [0u8; record::RECORD_LEN + 1], budget)
    } else {
        read_into(file, len, &mut vec![0u8; READ_LIMIT + 1], budget)
    }
}

/// [`read_contents`] with `buf`, which grows to [`READ_LIMIT`] + 1 bytes
/// when the file turns out larger than it.
fn read_into(file: &File, len: usize, buf: &mut [u8], budget: &Budget) -> Contents {
    if buf.len() <= READ_LIMIT && len >= buf.len() {
        return read_into(file, len, &mut vec![0u8; READ_LIMIT + 1], budget);
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
            return read_into(file, buf.len(), &mut vec![0u8; READ_LIMIT + 1], budget);
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
                // together wait about 12 ms at most, if the budget allows.
                if attempt + 1 == READ_ATTEMPTS || !budget.take() {
                    break;
                }
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

const SYMLINK: &str = "the path is a symbolic link, which liveness never writes";

/// The operating system's message without Rust's " (os error N)" suffix,
/// lowercased as ASCII: the C library's messages in the C locale a Rust
/// program runs in are ASCII, and Unicode's case tables would be 16 KiB of
/// the probe binary.
fn io_message(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_ascii_lowercase(),
        None => text,
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
