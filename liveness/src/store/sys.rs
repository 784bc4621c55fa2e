//! Opening heartbeat files for writing without following any symbolic link.
//!
//! The parent directory is opened with `openat2(RESOLVE_NO_SYMLINKS)` where
//! the kernel has it (Linux 5.6), else one component at a time with
//! `O_NOFOLLOW | O_DIRECTORY`, creating missing directories with `mkdirat`
//! as it goes. Everything after that happens relative to the open directory:
//! a directory swapped for a symlink meanwhile cannot redirect the write.

use std::{
    ffi::OsStr,
    fs::File,
    io,
    os::unix::ffi::OsStrExt,
    path::{Component, Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use rustix::{
    fd::OwnedFd,
    fs::{AtFlags, FileType, Mode, OFlags},
    io::Errno,
};

mod temp;

use temp::{remove_stale_temps, temp_prefix};

use super::io::{FileId, OpenError, READ_LIMIT};

/// How a new file is opened: for reading (the check before each write) and
/// writing, only if it does not exist, and
/// never through a symlink.
const CREATE_NEW: OFlags = OFlags::RDWR
    .union(OFlags::CREATE)
    .union(OFlags::EXCL)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NOCTTY)
    .union(OFlags::CLOEXEC);

/// An open directory, the parent of a heartbeat file.
pub(super) struct Dir(OwnedFd);

impl Dir {
    /// Opens `dir` following no symlink; creates what is missing when `create`.
    pub fn open(dir: &Path, create: bool) -> Result<Dir, OpenError> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use rustix::fs::ResolveFlags;
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            match rustix::fs::openat2(
                rustix::fs::CWD,
                dir,
                flags,
                Mode::empty(),
                ResolveFlags::NO_SYMLINKS,
            ) {
                Ok(fd) => return Ok(Dir(fd)),
                // No openat2 (an old kernel, a seccomp filter), or something
                // to create or to name: walk.
                Err(Errno::NOSYS | Errno::PERM | Errno::NOENT | Errno::LOOP | Errno::XDEV) => {}
                Err(e) => return Err(OpenError::Dir(dir.to_owned(), e.into())),
            }
        }
        Self::walk(dir, create)
    }

    fn walk(dir: &Path, create: bool) -> Result<Dir, OpenError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let dir_error = |at: &Path, e: Errno| OpenError::Dir(at.to_owned(), e.into());
        let mut current = rustix::fs::open("/", flags, Mode::empty())
            .map_err(|e| dir_error(Path::new("/"), e))?;
        let mut walked = PathBuf::from("/");
        for component in dir.components() {
            let name: &OsStr = match component {
                Component::RootDir | Component::CurDir | Component::Prefix(_) => continue,
                Component::ParentDir => OsStr::new(".."),
                Component::Normal(name) => name,
            };
            walked.push(name);
            let mut opened = rustix::fs::openat(&current, name, flags, Mode::empty());
            if matches!(opened, Err(Errno::NOENT)) && create {
                match rustix::fs::mkdirat(&current, name, Mode::from_bits_truncate(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(dir_error(&walked, e)),
                }
                opened = rustix::fs::openat(&current, name, flags, Mode::empty());
            }
            current = match opened {
                Ok(fd) => fd,
                Err(e @ (Errno::LOOP | Errno::NOTDIR)) => {
                    return Err(
                        match rustix::fs::statat(&current, name, AtFlags::SYMLINK_NOFOLLOW) {
                            Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => {
                                OpenError::Symlink(walked)
                            }
                            _ => dir_error(&walked, e),
                        },
                    );
                }
                Err(e) => return Err(dir_error(&walked, e)),
            };
        }
        Ok(Dir(current))
    }

    /// The identity of the file `name` in this directory, without following
    /// a symlink; `None` when there is none.
    pub fn id_of(&self, name: &OsStr) -> Option<FileId> {
        let st = rustix::fs::statat(&self.0, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        Some(file_id(&st))
    }

    /// Opens the existing file `name` for writing; returns it with what it
    /// holds (at most [`READ_LIMIT`] + 1 bytes). Anything but a regular file
    /// is refused before it is opened (opening a device can have effects).
    pub fn open_existing(
        &self,
        name: &OsStr,
        at: &Path,
    ) -> Result<(File, FileId, Vec<u8>), OpenError> {
        let (fd, st) = open_regular(&self.0, name, at, OFlags::RDWR)?;
        let file = File::from(fd);
        let mut contents = vec![0; READ_LIMIT + 1];
        let len = read_at_most(&file, &mut contents).map_err(OpenError::Io)?;
        contents.truncate(len);
        Ok((file, file_id(&st), contents))
    }

    /// Creates the file `name` holding `bytes`, all at once: written under a
    /// temporary name, then hard-linked into place, so no reader ever sees
    /// it empty; a link never replaces an existing file. Clears temporary
    /// files of `name` that a writer killed mid-creation left behind.
    pub fn create(&self, name: &OsStr, bytes: &[u8]) -> Result<(File, FileId), OpenError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        remove_stale_temps(&self.0, name);
        let mut temp = temp_prefix(name);
        temp.extend_from_slice(
            format!(
                "{}.{}.tmp",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            )
            .as_bytes(),
        );
        let temp = OsStr::from_bytes(&temp);
        let fd = rustix::fs::openat(&self.0, temp, CREATE_NEW, Mode::from_bits_truncate(0o644))
            .map_err(|e| OpenError::Io(e.into()))?;
        let file = File::from(fd);
        let linked = write_all_at(&file, bytes, 0).and_then(|()| {
            rustix::fs::linkat(&self.0, temp, &self.0, name, AtFlags::empty())
                .map_err(io::Error::from)
        });
        let _ = rustix::fs::unlinkat(&self.0, temp, AtFlags::empty());
        match linked {
            Ok(()) => {
                let st = rustix::fs::fstat(&file).map_err(|e| OpenError::Io(e.into()))?;
                Ok((file, file_id(&st)))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(OpenError::Exists),
            // A file system without hard links (some FUSE and CSI volumes):
            // create in place. A reader may then see the file empty for a
            // moment, which it re-reads and, failing that, counts as no
            // heartbeat, never as dead within the startup grace.
            Err(e) if no_hard_links(&e) => self.create_in_place(name, bytes),
            Err(e) => Err(OpenError::Io(e)),
        }
    }

    fn create_in_place(&self, name: &OsStr, bytes: &[u8]) -> Result<(File, FileId), OpenError> {
        let fd =
            match rustix::fs::openat(&self.0, name, CREATE_NEW, Mode::from_bits_truncate(0o644)) {
                Ok(fd) => fd,
                Err(Errno::EXIST) => return Err(OpenError::Exists),
                Err(e) => return Err(OpenError::Io(e.into())),
            };
        let file = File::from(fd);
        write_all_at(&file, bytes, 0).map_err(OpenError::Io)?;
        let st = rustix::fs::fstat(&file).map_err(|e| OpenError::Io(e.into()))?;
        Ok((file, file_id(&st)))
    }
}

#[allow(clippy::unnecessary_cast)] // st_dev and st_ino are u32 on some targets
fn file_id(st: &rustix::fs::Stat) -> FileId {
    FileId(st.st_dev as u64, st.st_ino as u64)
}

fn no_hard_links(error: &io::Error) -> bool {
    [Errno::PERM, Errno::OPNOTSUPP, Errno::NOSYS, Errno::MLINK]
        .iter()
        .any(|errno| error.raw_os_error() == Some(errno.raw_os_error()))
}

/// Opens the heartbeat at `path` for reading: looks first (`lstat`), opens
/// only a regular file, without following a symlink or blocking; returns it
/// with its identity and size.
pub(super) fn open_for_reading(path: &Path) -> Result<(File, FileId, u64), OpenError> {
    let (fd, st) = open_regular(rustix::fs::CWD, path, path, OFlags::RDONLY)?;
    Ok((File::from(fd), file_id(&st), st.st_size.max(0) as u64))
}

/// Opens `name` in `dir` with `access`, refusing anything but a regular
/// file: looked at first (`lstat`: opening a device can have effects),
/// opened without following a symlink or blocking (a FIFO), and looked at
/// again once open (it may have been swapped in between). `at` names it in
/// errors.
fn open_regular(
    dir: impl rustix::fd::AsFd,
    name: impl rustix::path::Arg + Copy,
    at: &Path,
    access: OFlags,
) -> Result<(OwnedFd, rustix::fs::Stat), OpenError> {
    let st = match rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::NOENT) => return Err(OpenError::Missing),
        Err(e) => return Err(OpenError::Io(e.into())),
    };
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => {}
        FileType::Symlink => return Err(OpenError::Symlink(at.to_owned())),
        other => return Err(OpenError::NotRegular(describe(other))),
    }
    let flags = access | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(&dir, name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Err(OpenError::Missing),
        Err(Errno::LOOP) => return Err(OpenError::Symlink(at.to_owned())),
        Err(e) => return Err(OpenError::Io(e.into())),
    };
    let st = rustix::fs::fstat(&fd).map_err(|e| OpenError::Io(e.into()))?;
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => Ok((fd, st)),
        other => Err(OpenError::NotRegular(describe(other))),
    }
}

fn describe(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Directory => "a directory",
        FileType::Fifo => "a FIFO",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Socket => "a socket",
        FileType::Symlink => "a symbolic link",
        _ => "a special file",
    }
}

pub(super) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

pub(super) fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

/// Takes the advisory lock every writer of a heartbeat holds around its
/// read-check-write (`flock`, exclusive, on the open file): waiting for it
/// when `wait`, else `Ok(false)` when another writer holds it.
pub(super) fn lock(file: &File, wait: bool) -> io::Result<bool> {
    use rustix::fs::FlockOperation;
    let operation = if wait {
        FlockOperation::LockExclusive
    } else {
        FlockOperation::NonBlockingLockExclusive
    };
    loop {
        match rustix::fs::flock(file, operation) {
            Ok(()) => return Ok(true),
            Err(Errno::WOULDBLOCK) => return Ok(false),
            Err(Errno::INTR) => {}
            // A file system without locks (some network ones): the check
            // before the write still runs, without the lock.
            Err(Errno::NOLCK | Errno::OPNOTSUPP | Errno::NOSYS) => return Ok(true),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Releases [`lock`].
pub(super) fn unlock(file: &File) {
    let _ = rustix::fs::flock(file, rustix::fs::FlockOperation::Unlock);
}

/// Reads from offset 0 until `buf` is full or the file ends; a short read
/// from a regular file is its end.
pub(super) fn read_at_most(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    super::io::fill(buf, |part, offset| read_at(file, part, offset))
}
