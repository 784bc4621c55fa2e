//! One heartbeat file, kept open by its writer.

use std::{
    ffi::OsStr,
    fs::File,
    io::{self, ErrorKind::IsADirectory},
    path::{Path, PathBuf},
    sync::Arc,
};

use super::read::Landed;
use super::{
    io::{FileId, OpenError, READ_LIMIT},
    overwrite::is_heartbeat,
    sys::{self, Dir, read_at_most, write_all_at},
};
use crate::{
    Error, clock,
    record::{self, Event, Owner, Parsed, RECORD_LEN, Record},
};

/// How often a writer checks that its path still names its file.
const PATH_CHECK_NS: u64 = 1_000_000_000;

/// A heartbeat file open for writing.
///
/// The open file is kept between writes. At most once a second, its path is
/// looked up again (following no symlink); when the file was deleted,
/// renamed away or replaced under the service, the next write goes to the
/// file now at the path, or creates one. (Checking before every write would
/// cost `beat_now` more system calls than its `pwrite`.)
///
/// Every write over an existing file is guarded, whichever API asked for it
/// ([`Liveness`](crate::Liveness), an [`Instance`](crate::Instance),
/// [`Timestamp`](crate::Timestamp)): under an advisory lock (`flock`,
/// exclusive, on the open file) the record now in the file is read
/// (`pread`) and compared with what this writer last wrote; only when they
/// differ is it parsed, and the write is refused when it is not a heartbeat
/// any more or declares a failure of this container
/// (the `stops` its writer gave). Every writer takes the lock around its
/// read and its write, so no write lands between another's check and its
/// write: a `fail` recorded by another process is never overwritten. A
/// throttled beat does not wait for the lock (it skips, as for a write in
/// progress in this process); every other write waits.
#[derive(Debug)]
pub(crate) struct HeartbeatFile {
    path: Arc<Path>,
    /// Shared with the writer's memory ([`Landed`]).
    open: Option<(Arc<File>, FileId)>,
    /// When the path was last looked up (boot-clock ns).
    checked_at: u64,
    /// What this writer last wrote to the open file.
    written: Option<[u8; RECORD_LEN]>,
    /// The failure of this container a write found in the file instead.
    found: Option<Record>,
    /// Whether a record found in the file is one no write may cover.
    stops: Stops,
    /// The file as this writer's last write that landed left it (see
    /// [`take_landed`](Self::take_landed)).
    landed: Option<Landed>,
}

/// Whether a found record is one no write may cover (its container's failure).
pub(crate) type Stops = fn(&Record) -> bool;

/// Why a guarded write did not write.
enum Refusal {
    Io(io::Error),
    NotAHeartbeat,
    Failed(Box<Record>),
}

impl HeartbeatFile {
    /// The file at `path`, whose writes stop at a record that `stops`.
    pub fn new(path: PathBuf, stops: Stops) -> HeartbeatFile {
        HeartbeatFile {
            stops,
            path: path.into(),
            open: None,
            checked_at: 0,
            written: None,
            found: None,
            landed: None,
        }
    }

    /// The file as this writer's last write left it ([`Landed`]): its
    /// stamp taken through the open file (`fstat`) right after the write,
    /// under the lock of the write, so that every writer that takes the
    /// lock writes before it or after it. A verdict from memory stands
    /// while the file's stamp is this one.
    ///
    /// A process that writes the file without the lock (by hand, a script)
    /// between the write and the `fstat` is taken for this writer. So is a
    /// write of the same size within the same tick of the file system's
    /// clock, on a kernel without fine-grained timestamps (before Linux
    /// 6.13: 1 to 10 ms). Either is found by this writer's next write,
    /// which reads the file before it writes (one interval at most while
    /// the service beats).
    ///
    /// Taken once: the writer's memory keeps it.
    pub fn take_landed(&mut self) -> Option<Landed> {
        self.landed.take()
    }

    /// The failure of this container that the last refused write found in
    /// the file ([`Error::Failed`]), taken once.
    pub fn take_found(&mut self) -> Option<Record> {
        self.found.take()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes sure the file at the path is the one open, opening it if needed;
    /// returns what a file it opened held. `Ok(None)`: the file was open
    /// already, or there is none yet ([`write`](Self::write) creates it).
    ///
    /// # Errors
    ///
    /// A symbolic link anywhere in the path, something other than a regular
    /// file, or a file that is not a heartbeat: refused, and left as it is.
    pub fn open(&mut self) -> Result<Option<Parsed>, Error> {
        let now = clock::boot_ns();
        if let Some((_, id)) = &self.open {
            if now.saturating_sub(self.checked_at) < PATH_CHECK_NS {
                return Ok(None);
            }
            self.checked_at = now;
            if self.id_at_path() == Some(*id) {
                return Ok(None);
            }
            self.open = None;
        }
        let (parent, name) = self.parts()?;
        let dir = match Dir::open(parent, false) {
            Ok(dir) => dir,
            Err(OpenError::Dir(_, e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        match dir.open_existing(name, &self.path) {
            Ok((file, id, contents)) => {
                if !is_heartbeat(&contents) {
                    return Err(Error::NotAHeartbeat {
                        path: self.path.to_path_buf(),
                    });
                }
                self.open = Some((Arc::new(file), id));
                self.written = None;
                self.checked_at = now;
                Ok(record::parse(&contents).ok())
            }
            Err(OpenError::Missing) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Writes `record` over the heartbeat, creating the file (and its parent
    /// directories) when there is none. Call [`open`](Self::open) first.
    /// Over an existing file, the write is guarded (see [`HeartbeatFile`]);
    /// `Ok(false)`: another writer held the lock and `wait` was false,
    /// nothing was written.
    ///
    /// # Errors
    ///
    /// The system's error (`ENOSPC`, `EROFS`, `EACCES`, ...);
    /// [`Error::Failed`] when the file declares a failure of this container
    /// (see [`take_found`](Self::take_found)); a refusal as for
    /// [`open`](Self::open) when the file is not a heartbeat any more, or
    /// when another writer created it first and it is not one.
    pub fn write(&mut self, record: &[u8; RECORD_LEN], wait: bool) -> Result<bool, Error> {
        if self.open.is_some() {
            return self.write_over(record, wait);
        }
        let (parent, name) = self.parts()?;
        let dir = Dir::open(parent, true).map_err(|e| self.error(e))?;
        match dir.create(name, record) {
            Ok((file, id)) => {
                let file = Arc::new(file);
                self.landed = landed(&file, &self.path);
                self.open = Some((file, id));
                self.written = Some(*record);
                self.checked_at = clock::boot_ns();
                Ok(true)
            }
            // Another writer was quicker: write over its file, if it is one.
            Err(OpenError::Exists) => {
                self.open()?;
                match &self.open {
                    Some(_) => self.write_over(record, wait),
                    None => Err(self.error(OpenError::Exists)),
                }
            }
            Err(e) => Err(self.error(e)),
        }
    }

    /// Writes `record` over the open file, under the lock, after checking
    /// what it holds.
    fn write_over(&mut self, record: &[u8; RECORD_LEN], wait: bool) -> Result<bool, Error> {
        let Some((file, _)) = &self.open else {
            return Err(self.error(OpenError::Missing));
        };
        let outcome = match sys::lock(file, wait) {
            Ok(false) => return Ok(false),
            // The stamp of the write's own result: under the lock.
            Ok(true) => guarded_write(file, self.written.as_ref(), record, self.stops)
                .map(|()| landed(file, &self.path)),
            Err(e) => Err(Refusal::Io(e)),
        };
        sys::unlock(file);
        match outcome {
            Ok(landed) => {
                self.landed = landed;
                self.written = Some(*record);
                return Ok(true);
            }
            Err(Refusal::Failed(found)) => {
                let error = failed(&found, &self.path);
                self.found = Some(*found);
                return Err(error);
            }
            Err(_) => {}
        }
        self.open = None;
        match outcome {
            Err(Refusal::Io(source)) => Err(self.error(OpenError::Io(source))),
            _ => Err(Error::NotAHeartbeat {
                path: self.path.to_path_buf(),
            }),
        }
    }

    /// The file now at the path, looked up following no symlink.
    fn id_at_path(&self) -> Option<FileId> {
        let (parent, name) = self.parts().ok()?;
        Dir::open(parent, false).ok()?.id_of(name)
    }

    fn parts(&self) -> Result<(&Path, &OsStr), Error> {
        if !self.path.is_absolute() {
            return Err(Error::RelativePath {
                path: self.path.to_path_buf(),
            });
        }
        match (self.path.parent(), self.path.file_name()) {
            (Some(parent), Some(name)) => Ok((parent, name)),
            _ => Err(Error::NotRegularFile {
                path: self.path.to_path_buf(),
            }),
        }
    }

    fn error(&self, error: OpenError) -> Error {
        let path = self.path.to_path_buf();
        match error {
            OpenError::Symlink(link) => Error::Symlink { path, link },
            OpenError::NotRegular(_) => Error::NotRegularFile { path },
            OpenError::Dir(dir, source) => Error::CreateDir { path: dir, source },
            // Opening a directory for writing fails with EISDIR; a FIFO
            // without a reader with ENXIO (O_NONBLOCK keeps it from blocking).
            OpenError::Io(e) if e.kind() == IsADirectory || e.raw_os_error() == Some(6) => {
                Error::NotRegularFile { path }
            }
            OpenError::Io(source) => Error::Write { path, source },
            OpenError::Missing => Error::Write {
                path,
                source: io::ErrorKind::NotFound.into(),
            },
            OpenError::Exists => Error::Write {
                path,
                source: io::ErrorKind::AlreadyExists.into(),
            },
        }
    }
}

/// The check and the write of [`HeartbeatFile::write_over`], under the
/// lock: reads what `file` holds; parses it only when it is not what this
/// writer last wrote (`written`); refuses to cover a record that `stops`.
fn guarded_write(
    file: &File,
    written: Option<&[u8; RECORD_LEN]>,
    record: &[u8; RECORD_LEN],
    stops: Stops,
) -> Result<(), Refusal> {
    let mut buf = [0u8; RECORD_LEN + 1];
    let len = read_at_most(file, &mut buf).map_err(Refusal::Io)?;
    let ours = len == RECORD_LEN && written.is_some_and(|w| w[..] == buf[..RECORD_LEN]);
    if !ours {
        let mut large = Vec::new();
        let contents = if len > RECORD_LEN {
            large.resize(READ_LIMIT + 1, 0);
            let len = read_at_most(file, &mut large).map_err(Refusal::Io)?;
            &large[..len]
        } else {
            &buf[..len]
        };
        if !is_heartbeat(contents) {
            return Err(Refusal::NotAHeartbeat);
        }
        if let Ok(Parsed::Record(found)) = record::parse(contents) {
            if stops(&found) {
                return Err(Refusal::Failed(Box::new(found)));
            }
        }
    }
    write_all_at(file, record, 0).map_err(Refusal::Io)
}

/// `file` at `path` as a write left it; nothing without the server, which
/// is all that asks.
#[cfg(all(feature = "http", unix))]
fn landed(file: &Arc<File>, path: &Arc<Path>) -> Option<Landed> {
    Landed::now(file, path)
}

#[cfg(not(all(feature = "http", unix)))]
fn landed(_: &Arc<File>, _: &Arc<Path>) -> Option<Landed> {
    None
}

/// [`Error::Failed`] for the failure `found` in the file at `path`.
fn failed(found: &Record, path: &Path) -> Error {
    let reason = match &found.event {
        Event::Fail { reason } => reason.clone(),
        _ => String::new(),
    };
    let name = found
        .owner
        .as_ref()
        .map_or_else(|| path.display().to_string(), Owner::label);
    Error::Failed { name, reason }
}

/// Writes `record` at `path` once, without keeping the file open; guarded
/// as every write is (see [`HeartbeatFile`]).
pub(crate) fn write_once(path: &Path, bytes: &[u8; RECORD_LEN], stops: Stops) -> Result<(), Error> {
    let mut file = HeartbeatFile::new(path.to_owned(), stops);
    file.open()?;
    file.write(bytes, true).map(drop)
}
