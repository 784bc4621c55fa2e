//! Heartbeat files where there is no `openat` family (Windows): the same
//! interface as `sys.rs`, with the standard library only.
//!
//! The fallback looks at every component of the path before using it and
//! refuses a symbolic link, but cannot rule out a link swapped in between
//! the look and the use; a file's identity is its creation time, where the
//! platform keeps one.

use std::{
    ffi::OsStr,
    fs::{self, File, OpenOptions},
    io,
    path::{Path, PathBuf},
    time::UNIX_EPOCH,
};

use super::io::{FileId, OpenError, READ_LIMIT};

/// A directory, the parent of a heartbeat file.
pub(super) struct Dir(PathBuf);

impl Dir {
    /// Looks at `dir` and its parents, refusing a symlink; creates what is
    /// missing when `create`.
    pub fn open(dir: &Path, create: bool) -> Result<Dir, OpenError> {
        let mut walked = PathBuf::new();
        for component in dir.components() {
            walked.push(component);
            match fs::symlink_metadata(&walked) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(OpenError::Symlink(walked));
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => return Err(OpenError::Dir(walked, io::ErrorKind::NotADirectory.into())),
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    match fs::create_dir(&walked) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                        Err(e) => return Err(OpenError::Dir(walked, e)),
                    }
                }
                Err(e) => return Err(OpenError::Dir(walked, e)),
            }
        }
        Ok(Dir(dir.to_owned()))
    }

    pub fn id_of(&self, name: &OsStr) -> Option<FileId> {
        fs::symlink_metadata(self.0.join(name))
            .ok()
            .map(|meta| file_id(&meta))
    }

    pub fn open_existing(
        &self,
        name: &OsStr,
        at: &Path,
    ) -> Result<(File, FileId, Vec<u8>), OpenError> {
        let path = self.0.join(name);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::Missing),
            Err(e) => return Err(OpenError::Io(e)),
        };
        if meta.file_type().is_symlink() {
            return Err(OpenError::Symlink(at.to_owned()));
        }
        if !meta.is_file() {
            return Err(OpenError::NotRegular(describe(&meta)));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(OpenError::Io)?;
        let mut contents = vec![0; READ_LIMIT + 1];
        let len = read_at_most(&file, &mut contents).map_err(OpenError::Io)?;
        contents.truncate(len);
        Ok((file, file_id(&meta), contents))
    }

    /// Creates `name` holding `bytes`, in place (a reader may see it empty
    /// for a moment, which counts as no heartbeat).
    pub fn create(&self, name: &OsStr, bytes: &[u8]) -> Result<(File, FileId), OpenError> {
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(self.0.join(name))
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(OpenError::Exists),
            Err(e) => return Err(OpenError::Io(e)),
        };
        write_all_at(&file, bytes, 0).map_err(OpenError::Io)?;
        let meta = file.metadata().map_err(OpenError::Io)?;
        Ok((file, file_id(&meta)))
    }
}

pub(super) fn open_for_reading(path: &Path) -> Result<(File, FileId, u64), OpenError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(OpenError::Missing),
        Err(e) => return Err(OpenError::Io(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(OpenError::Symlink(path.to_owned()));
    }
    if !meta.is_file() {
        return Err(OpenError::NotRegular(describe(&meta)));
    }
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => OpenError::Missing,
        _ => OpenError::Io(e),
    })?;
    Ok((file, file_id(&meta), meta.len()))
}

fn describe(meta: &fs::Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

fn file_id(meta: &fs::Metadata) -> FileId {
    let created = meta
        .created()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    FileId(created, 0)
}

#[cfg(windows)]
pub(super) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(windows)]
pub(super) fn write_all_at(file: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(not(windows))]
pub(super) fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

#[cfg(not(windows))]
pub(super) fn write_all_at(mut file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

/// Off Unix there is no advisory lock at the crate's minimum Rust version
/// (`File::lock` came in 1.89): the check before each write runs without
/// it, so two processes' writes can still race there.
pub(super) fn lock(_: &File, _: bool) -> io::Result<bool> {
    Ok(true)
}

/// Releases [`lock`].
pub(super) fn unlock(_: &File) {}

/// Reads from offset 0 until `buf` is full or the file ends; a short read
/// from a regular file is its end.
pub(super) fn read_at_most(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    super::io::fill(buf, |part, offset| read_at(file, part, offset))
}
