//! The one error type of the crate.

use std::{io, path::PathBuf};

/// Why a heartbeat could not be recorded.
///
/// Every variant names the heartbeat path; I/O variants carry the operating
/// system's error as their [`source`](std::error::Error::source). Reading a
/// heartbeat never fails: a file that cannot be read is a dead
/// [`Status`](crate::Status) that says why.
///
/// ```
/// use std::time::Duration;
/// use liveness::{Error, Timestamp};
///
/// # let dir = std::env::temp_dir().join(format!("liveness-doc-error-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("worker");
/// std::os::unix::fs::symlink("/etc/passwd", &path).unwrap();
/// match Timestamp::create(&path, Duration::from_secs(90)) {
///     Err(error @ Error::Symlink { .. }) => {
///         assert!(error.to_string().ends_with("worker: the path is a symbolic link"));
///     }
///     other => panic!("{other:?}"),
/// }
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the heartbeat file failed: a full disk (`ENOSPC`), a
    /// read-only file system (`EROFS`), no permission (`EACCES`), ...
    #[error("cannot write heartbeat {}: {source}", path.display())]
    Write {
        /// The heartbeat file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// The heartbeat's parent directory was missing and could not be created.
    #[error("cannot create heartbeat directory {}: {source}", path.display())]
    CreateDir {
        /// The directory that could not be created.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// A symbolic link stands at the heartbeat path; it is never followed, so
    /// that a planted link cannot redirect writes to another file.
    #[error("refusing to write heartbeat {}: the path is a symbolic link", path.display())]
    Symlink {
        /// The heartbeat path.
        path: PathBuf,
    },

    /// Something other than a regular file (a directory, a FIFO, a device)
    /// stands at the heartbeat path.
    #[error("refusing to write heartbeat {}: not a regular file", path.display())]
    NotRegularFile {
        /// The heartbeat path.
        path: PathBuf,
    },

    /// The heartbeat path is relative (for example from the `env` override);
    /// the service and the probe may run in different working directories.
    #[error("heartbeat path {} is not absolute", path.display())]
    RelativePath {
        /// The offending path.
        path: PathBuf,
    },

    /// The time to record cannot be written as an RFC 3339 UTC time
    /// (before 1970 or after 9999).
    #[error("cannot record heartbeat {}: time outside 1970..=9999", path.display())]
    InvalidTime {
        /// The heartbeat path.
        path: PathBuf,
    },
}
