//! One heartbeat file, kept open by its writer.

use std::{
    ffi::OsStr,
    fs::File,
    io,
    path::{Path, PathBuf},
};

use super::{FileId, OpenError, is_heartbeat, sys::Dir, write_at};
use crate::{
    Error, clock,
    record::{self, Parsed, RECORD_LEN},
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
#[derive(Debug)]
pub(crate) struct HeartbeatFile {
    path: PathBuf,
    open: Option<(File, FileId)>,
    /// When the path was last looked up (boot-clock ns).
    checked_at: u64,
}

impl HeartbeatFile {
    pub fn new(path: PathBuf) -> HeartbeatFile {
        HeartbeatFile {
            path,
            open: None,
            checked_at: 0,
        }
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
                        path: self.path.clone(),
                    });
                }
                self.open = Some((file, id));
                self.checked_at = now;
                Ok(record::parse(&contents).ok())
            }
            Err(OpenError::Missing) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Writes `record` over the heartbeat, creating the file (and its parent
    /// directories) when there is none. Call [`open`](Self::open) first.
    ///
    /// # Errors
    ///
    /// The system's error (`ENOSPC`, `EROFS`, `EACCES`, ...), or a refusal as
    /// for [`open`](Self::open) when another writer created the file first.
    pub fn write(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), Error> {
        if let Some((file, _)) = &self.open {
            let written = write_at(file, record);
            if written.is_err() {
                self.open = None;
            }
            return written.map_err(|source| self.error(OpenError::Io(source)));
        }
        let (parent, name) = self.parts()?;
        let dir = Dir::open(parent, true).map_err(|e| self.error(e))?;
        match dir.create(name, record) {
            Ok(opened) => {
                self.open = Some(opened);
                self.checked_at = clock::boot_ns();
                Ok(())
            }
            // Another writer was quicker: write over its file, if it is one.
            Err(OpenError::Exists) => {
                self.open()?;
                match &self.open {
                    Some(_) => self.write(record),
                    None => Err(self.error(OpenError::Exists)),
                }
            }
            Err(e) => Err(self.error(e)),
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
                path: self.path.clone(),
            });
        }
        match (self.path.parent(), self.path.file_name()) {
            (Some(parent), Some(name)) => Ok((parent, name)),
            _ => Err(Error::NotRegularFile {
                path: self.path.clone(),
            }),
        }
    }

    fn error(&self, error: OpenError) -> Error {
        let path = self.path.clone();
        match error {
            OpenError::Symlink(link) => Error::Symlink { path, link },
            OpenError::NotRegular(_) => Error::NotRegularFile { path },
            OpenError::Dir(dir, source) => Error::CreateDir { path: dir, source },
            // Opening a directory for writing fails with EISDIR; a FIFO
            // without a reader with ENXIO (O_NONBLOCK keeps it from blocking).
            OpenError::Io(e) if is_not_a_file(&e) => Error::NotRegularFile { path },
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

fn is_not_a_file(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::IsADirectory || error.raw_os_error() == Some(6) // ENXIO
}

/// Writes `record` at `path` once, without keeping the file open.
pub(crate) fn write_once(path: &Path, record: &[u8; RECORD_LEN]) -> Result<(), Error> {
    let mut file = HeartbeatFile::new(path.to_owned());
    file.open()?;
    file.write(record)
}
