//! What reading and writing share: the size limit, a file's identity, why
//! opening failed.

use std::io;

/// Files larger than this are not heartbeats; only this much is ever read.
pub(crate) const READ_LIMIT: usize = 4096;

/// A file's identity: device and inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId(pub(super) u64, pub(super) u64);

/// Why a heartbeat file could not be opened or created for writing.
#[derive(Debug)]
pub(super) enum OpenError {
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
