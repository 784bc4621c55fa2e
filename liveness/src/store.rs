//! Reading and writing heartbeat files.
//!
//! Writes go in place: a record has a fixed size and is written with one
//! `pwrite` at offset 0 over the previous one, with no truncation, no rename
//! and no `fsync` (a stalled disk must not stall the service's loop, and the
//! page cache is what the probe reads). A new file is written in full under a
//! temporary name and hard-linked into place, so no reader ever sees it empty
//! (on a file system without hard links it is created in place instead).
//!
//! Both sides look at the path (`lstat`) before opening it and open only a
//! regular file, with `O_NOFOLLOW | O_NONBLOCK`. Reads refuse files over
//! 4 KiB and re-read a bounded number of times when the integrity check fails
//! or the file is empty (a write was in progress).

use std::{
    fs::{File, OpenOptions},
    io,
    os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use rustix::fs::OFlags;

use crate::{
    Error, clock,
    record::{self, Invalid, Parsed, RECORD_LEN},
};

/// Files larger than this are not heartbeats; only this much is ever read.
const READ_LIMIT: usize = 4096;

/// How many times a reader re-reads a record whose check fails.
const READ_ATTEMPTS: u32 = 16;

/// A heartbeat file open for writing.
#[derive(Debug)]
pub(crate) struct Writer {
    path: PathBuf,
    /// The open file and its (device, inode).
    file: Option<(File, (u64, u64))>,
    /// When `lstat` last found the file at the path (boot-clock ns).
    path_checked: u64,
}

/// How often a writer checks that its path still names its file.
const PATH_CHECK_NS: u64 = 1_000_000_000;

impl Writer {
    pub fn new(path: PathBuf) -> Writer {
        Writer {
            path,
            file: None,
            path_checked: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `record` over the heartbeat, opening or creating the file as needed.
    ///
    /// The open file is kept between writes. At most once a second, one
    /// `lstat` checks that the path still names it; when the file was
    /// deleted, renamed away or replaced under the service, the write goes to
    /// a new file at the path. (Checking before every write would cost
    /// `beat_now` a system call more than its `pwrite`.)
    pub fn write(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), Error> {
        if let Some((file, id)) = &self.file {
            let now = clock::steady_ns();
            let in_place = now.saturating_sub(self.path_checked) < PATH_CHECK_NS || {
                self.path_checked = now;
                std::fs::symlink_metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == *id)
            };
            if in_place {
                let result = file.write_all_at(record, 0);
                if result.is_err() {
                    self.file = None;
                }
                return result.map_err(|source| self.error(source));
            }
            self.file = None;
        }
        let (file, meta) = open_or_create(&self.path, record)?;
        self.file = Some((file, (meta.dev(), meta.ino())));
        self.path_checked = clock::steady_ns();
        Ok(())
    }

    fn error(&self, source: io::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source,
        }
    }
}

/// Writes `record` at `path` once, without keeping the file open.
pub(crate) fn write_once(path: &Path, record: &[u8; RECORD_LEN]) -> Result<(), Error> {
    Writer::new(path.to_owned()).write(record)
}

/// Opens the heartbeat at `path` and writes `record` into it, creating the
/// file (and its parent directory) when missing; returns the file and its
/// metadata.
fn open_or_create(
    path: &Path,
    record: &[u8; RECORD_LEN],
) -> Result<(File, std::fs::Metadata), Error> {
    if !path.is_absolute() {
        return Err(Error::RelativePath {
            path: path.to_owned(),
        });
    }
    let write_error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    // Two rounds: another writer may create the file between our attempts.
    for _ in 0..2 {
        match open_existing(path) {
            Ok((file, meta)) => {
                file.write_all_at(record, 0).map_err(write_error)?;
                // A longer file (the prior art's, or hand-made) loses its tail
                // once; records written by us always have the same size.
                if meta.len() > RECORD_LEN as u64 {
                    file.set_len(RECORD_LEN as u64).map_err(write_error)?;
                }
                return Ok((file, meta));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(classify_open_error(path, e)),
        }
        match create(path, record) {
            Ok(file) => {
                let meta = file.metadata().map_err(write_error)?;
                return Ok((file, meta));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into_error(path)),
        }
    }
    Err(write_error(io::Error::from(io::ErrorKind::AlreadyExists)))
}

/// Opens an existing regular file for writing; anything else at the path
/// is refused before it is opened (opening a device can have effects).
/// Returns the file and its metadata.
fn open_existing(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(io::Error::from_raw_os_error(
            rustix::io::Errno::LOOP.raw_os_error(),
        ));
    }
    if !meta.file_type().is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, NotRegular));
    }
    let file = OpenOptions::new()
        .write(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, NotRegular));
    }
    Ok((file, meta))
}

/// Marks the error `open_existing` gives for a non-regular file.
#[derive(Debug)]
struct NotRegular;

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a regular file")
    }
}

impl std::error::Error for NotRegular {}

fn classify_open_error(path: &Path, error: io::Error) -> Error {
    let path = path.to_owned();
    if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        Error::Symlink { path }
    } else if error.get_ref().is_some_and(|e| e.is::<NotRegular>())
        // Opening a directory for writing fails with EISDIR; a FIFO without
        // a reader with ENXIO (O_NONBLOCK keeps it from blocking).
        || error.kind() == io::ErrorKind::IsADirectory
        || error.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error())
    {
        Error::NotRegularFile { path }
    } else {
        Error::Write {
            path,
            source: error,
        }
    }
}

/// Where creating a file failed.
enum CreateError {
    Dir(PathBuf, io::Error),
    File(io::Error),
}

impl CreateError {
    fn kind(&self) -> io::ErrorKind {
        match self {
            CreateError::Dir(_, e) | CreateError::File(e) => e.kind(),
        }
    }

    fn into_error(self, path: &Path) -> Error {
        match self {
            CreateError::Dir(dir, source) => Error::CreateDir { path: dir, source },
            CreateError::File(source) => classify_open_error(path, source),
        }
    }
}

/// Writes a new heartbeat under a temporary name and links it into place;
/// `link` never replaces an existing file or follows a planted symlink.
fn create(path: &Path, record: &[u8; RECORD_LEN]) -> Result<File, CreateError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).map_err(|e| CreateError::Dir(dir.to_owned(), e))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // A crash between create and unlink may leave a temporary file with our
    // pid behind (a restarted container reuses pids): clear it first.
    let _ = std::fs::remove_file(&temp);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NOCTTY).bits() as i32)
        .open(&temp)
        .map_err(CreateError::File)?;
    let linked = file
        .write_all_at(record, 0)
        .and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(file),
        // A file system without hard links (some FUSE and CSI volumes):
        // create in place. A reader may then see the file empty for a
        // moment, which it re-reads and, failing that, counts as no
        // heartbeat, never as dead within the startup grace.
        Err(e) if no_hard_links(&e) => create_in_place(path, record),
        Err(e) => Err(CreateError::File(e)),
    }
}

fn no_hard_links(error: &io::Error) -> bool {
    use rustix::io::Errno;
    [Errno::PERM, Errno::OPNOTSUPP, Errno::NOSYS, Errno::MLINK]
        .iter()
        .any(|errno| error.raw_os_error() == Some(errno.raw_os_error()))
}

fn create_in_place(path: &Path, record: &[u8; RECORD_LEN]) -> Result<File, CreateError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NOCTTY).bits() as i32)
        .open(path)
        .map_err(CreateError::File)?;
    file.write_all_at(record, 0).map_err(CreateError::File)?;
    Ok(file)
}

/// What reading a heartbeat file gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Read {
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
/// reads more than a few KiB, never fails: every problem is a [`Read`].
pub(crate) fn read(path: &Path) -> Read {
    if !path.is_absolute() {
        return Read::Invalid("the path is not absolute".into());
    }
    // Look before opening: opening a device or a FIFO can have effects.
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Read::Missing,
        Err(e) => return Read::Unreadable(os_message(&e)),
        Ok(meta) if !meta.file_type().is_file() => return not_a_file(&meta.file_type()),
        Ok(_) => {}
    }
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Read::Missing,
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Read::Invalid(SYMLINK.into());
        }
        Err(e) => return Read::Unreadable(os_message(&e)),
    };
    // Swapped in between the look and the open: judge what was opened.
    let meta = match file.metadata() {
        Ok(meta) => meta,
        Err(e) => return Read::Unreadable(os_message(&e)),
    };
    if !meta.file_type().is_file() {
        return not_a_file(&meta.file_type());
    }
    if meta.len() > READ_LIMIT as u64 {
        return Read::Invalid(format!("{} bytes is too large for a heartbeat", meta.len()));
    }
    let mut buf = [0u8; READ_LIMIT + 1];
    // One byte more than the size said, to see a file that grew meanwhile.
    let mut want = (meta.len() as usize + 1).min(buf.len());
    let mut len = 0;
    for attempt in 0..READ_ATTEMPTS {
        len = match read_at_most(&file, &mut buf[..want]) {
            Ok(len) => len,
            Err(e) => return Read::Unreadable(os_message(&e)),
        };
        if len == want && want < buf.len() {
            want = buf.len(); // it grew since fstat: read again, all of it
            continue;
        }
        if len > READ_LIMIT {
            return Read::Invalid("too large for a heartbeat".into());
        }
        let parsed = match len {
            0 => Err(Invalid::Checksum), // a writer that truncates first, mid-write
            _ => record::parse(&buf[..len]),
        };
        match parsed {
            Ok(parsed) => return Read::Parsed(parsed),
            Err(Invalid::Checksum) => {
                // A write is in progress; it takes microseconds. All attempts
                // together wait about 12 ms at most.
                if attempt < 4 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(std::time::Duration::from_micros(100 * u64::from(attempt)));
                }
            }
            Err(other) => return Read::Invalid(other.to_string()),
        }
    }
    match len {
        0 => Read::Empty,
        _ => Read::Invalid(Invalid::Checksum.to_string()),
    }
}

/// Reads from offset 0 until `buf` is full or the file ends; a short read
/// from a regular file is its end.
fn read_at_most(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    while len < buf.len() {
        match file.read_at(&mut buf[len..], len as u64) {
            Ok(n) if n < buf.len() - len => return Ok(len + n),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(len)
}

const SYMLINK: &str = "the path is a symbolic link, which liveness never writes";

fn not_a_file(file_type: &std::fs::FileType) -> Read {
    if file_type.is_symlink() {
        Read::Invalid(SYMLINK.into())
    } else {
        Read::Invalid(format!("not a regular file but {}", describe(file_type)))
    }
}

fn describe(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// The operating system's message without Rust's " (os error N)" suffix.
fn os_message(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_lowercase(),
        None => text,
    }
}
