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

/// Fills `buf` from offset 0 with `read_at(part, offset)` until it is full
/// or the file ends; a short read from a regular file is its end.
pub(super) fn fill(
    buf: &mut [u8],
    mut read_at: impl FnMut(&mut [u8], u64) -> io::Result<usize>,
) -> io::Result<usize> {
    let mut len = 0;
    while len < buf.len() {
        match read_at(&mut buf[len..], len as u64) {
            Ok(n) if n < buf.len() - len => return Ok(len + n),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(len)
}
