//! The one error type of the crate.

use std::{io, path::PathBuf, time::Duration};

use crate::escape::{path as p, text};

/// Why a heartbeat could not be recorded.
///
/// Every variant names the heartbeat path or the component; I/O variants
/// carry the operating system's error as their
/// [`source`](std::error::Error::source). Paths and names are shown escaped,
/// so a message is always one line. Reading a heartbeat never fails: a file
/// that cannot be read is a dead [`Status`](crate::Status) that says why.
///
/// ```
/// use std::time::Duration;
/// use liveness::{Error, Timestamp};
///
/// # let dir = std::path::Path::new("/tmp/liveness-doc-error");
/// # std::fs::create_dir_all(dir).unwrap();
/// let path = dir.join("worker");
/// std::fs::write(&path, "precious data\n")?;
/// match Timestamp::create(&path, Duration::from_secs(90)) {
///     Err(error @ Error::NotAHeartbeat { .. }) => {
///         assert!(error.to_string().ends_with("worker: the file is not a heartbeat; left untouched"));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(std::fs::read_to_string(&path)?, "precious data\n");
/// # std::fs::remove_dir_all(dir).unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the heartbeat file failed: a full disk (`ENOSPC`), a
    /// read-only file system (`EROFS`), no permission (`EACCES`), ...
    #[error("cannot write heartbeat {}: {source}", p(path))]
    Write {
        /// The heartbeat file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// A parent directory of the heartbeat could not be opened or created.
    #[error("cannot create heartbeat directory {}: {source}", p(path))]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// A symbolic link stands at the heartbeat path or at one of its parent
    /// directories. No link is ever followed on write, so that a planted or
    /// swapped-in link cannot redirect a write to another file.
    #[error(
        "refusing to write heartbeat {}: {} is a symbolic link",
        p(path),
        p(link)
    )]
    Symlink {
        /// The heartbeat path.
        path: PathBuf,
        /// The link: the path itself or one of its parents.
        link: PathBuf,
    },

    /// Something other than a regular file (a directory, a FIFO, a device)
    /// stands at the heartbeat path.
    #[error("refusing to write heartbeat {}: not a regular file", p(path))]
    NotRegularFile {
        /// The heartbeat path.
        path: PathBuf,
    },

    /// The file at the heartbeat path holds something else than a heartbeat
    /// (of any version, or the prior art's epoch float) or nothing: a
    /// mis-set path. The file is left byte for byte as it was.
    #[error(
        "refusing to write heartbeat {}: the file is not a heartbeat; left untouched",
        p(path)
    )]
    NotAHeartbeat {
        /// The heartbeat path.
        path: PathBuf,
    },

    /// The heartbeat path is relative (for example from the `env` override);
    /// the service and the probe may run in different working directories.
    #[error("heartbeat path {} is not absolute", p(path))]
    RelativePath {
        /// The offending path.
        path: PathBuf,
    },

    /// Another component of this process writes this heartbeat file (two
    /// types of the same name in two modules, two `env` overrides set to
    /// one path): each would vouch for the other.
    #[error(
        "heartbeat {} is already written by component {} of this process: give each component its own path",
        p(path),
        text(by)
    )]
    PathTaken {
        /// The heartbeat path.
        path: PathBuf,
        /// The component that writes it.
        by: String,
    },

    /// One [`Heartbeat`](crate::Heartbeat) was asked to write for two
    /// declarations: a hand-written generic impl whose `heartbeat()` returns
    /// one `static` for every instantiation.
    #[error(
        "the heartbeat writer of {} already writes {}: give each component its own Heartbeat",
        text(name),
        p(path)
    )]
    SharedWriter {
        /// The component whose write was refused.
        name: String,
        /// The file the writer is bound to.
        path: PathBuf,
    },

    /// `extend` on a component that declares no `max_extend`.
    #[error(
        "{} cannot extend: declare the longest extension, e.g. #[liveness(max_extend = \"1h\")]",
        text(name)
    )]
    ExtendNotDeclared {
        /// The component.
        name: String,
    },

    /// `extend` asked for more than the component's `max_extend`; nothing
    /// was recorded.
    #[error("{} cannot extend by {}: more than its max_extend, {}", text(name), humantime::format_duration(*asked), humantime::format_duration(*max))]
    ExtendTooLong {
        /// The component.
        name: String,
        /// The extension asked for.
        asked: Duration,
        /// The declared maximum.
        max: Duration,
    },

    /// `pool_size` above [`MAX_POOL_SIZE`](crate::MAX_POOL_SIZE).
    #[error(
        "{} cannot have a pool of {size}: at most {} instances",
        text(name),
        crate::record::MAX_POOL_SIZE
    )]
    PoolTooLarge {
        /// The component.
        name: String,
        /// The size asked for.
        size: u32,
    },

    /// The component (or pool instance) was declared failed in this
    /// container: nothing makes it alive again until the container restarts
    /// (on a host without containers: stop the process, delete the heartbeat
    /// file, start it again).
    #[error(
        "{} failed: {}: restart the container to clear it",
        text(name),
        text(reason)
    )]
    Failed {
        /// The component, with `[index]` for a pool instance.
        name: String,
        /// The reason the first `fail` gave.
        reason: String,
    },

    /// `pool_size(0)`: a pool with no instance would judge nothing.
    #[error(
        "{} cannot have a pool of 0: call pool_size with 1 or more",
        text(name)
    )]
    EmptyPool {
        /// The component.
        name: String,
    },

    /// A pool instance at or past the declared pool size: it would never be
    /// judged. Nothing was written.
    #[error(
        "{}: pool instance {index} is outside the pool of {size}: call pool_size({}) first",
        text(name),
        u64::from(*index) + 1
    )]
    OutsidePool {
        /// The component.
        name: String,
        /// The instance.
        index: u32,
        /// The pool's size.
        size: u32,
    },

    /// The time to record cannot be written as an RFC 3339 UTC time
    /// (before 1970 or after 9999).
    #[error("cannot record heartbeat {}: time outside 1970..=9999", p(path))]
    InvalidTime {
        /// The heartbeat path.
        path: PathBuf,
    },
}
