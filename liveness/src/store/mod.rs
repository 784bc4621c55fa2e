//! Reading and writing heartbeat files.
//!
//! Writes go in place: a record has a fixed size and is written with one
//! `pwrite` at offset 0 over the previous one, with no truncation, no rename
//! and no `fsync` (a stalled disk must not stall the service's loop, and the
//! page cache is what the probe reads). A new file is written in full under a
//! temporary name and hard-linked into place, so no reader ever sees it empty
//! (on a file system without hard links it is created in place instead).
//! No write follows a symbolic link anywhere in the path, and none touches a
//! file that is not a heartbeat (`file.rs`, `overwrite.rs`).
//!
//! Reads look at the path (`lstat`) before opening it and open only a
//! regular file, with `O_NOFOLLOW | O_NONBLOCK`. They refuse files over
//! 4 KiB and re-read a bounded number of times when the integrity check fails
//! or the file is empty (a write was in progress): at most 16 times per
//! file, and within a [`Budget`] that a whole survey shares, so that a
//! thousand empty or torn files cost their first reads and no more.

mod file;
mod io;
mod overwrite;
mod read;
#[cfg(unix)]
mod sys;
#[cfg(not(unix))]
#[path = "portable.rs"]
mod sys;

pub(crate) use file::{HeartbeatFile, write_once};
pub(crate) use io::FileId;
#[cfg(fuzzing)]
pub(crate) use io::READ_LIMIT;
pub(crate) use read::Landed;
pub(crate) use read::{Budget, Contents, read, read_within};
