//! Whether the file still holds what this process's writer last wrote, so
//! that a verdict from memory is the verdict the file gives.
//!
//! The writer takes the file's stamp (identity, link count, size,
//! modification and change times) through the open file (`fstat`) right
//! after each write that lands, under the lock of the write, and keeps it
//! with the record and the open file (`store::Landed`, in the slot's
//! memory). A check asks the open file again (`fstat`: one system call, no
//! path lookup, no read) and compares: the same stamp, at the path judged,
//! and the record in memory stands. Anything else is read from the path and
//! judged as the exec probe judges it, from memory again only when the file
//! holds the writer's record all the same: another live container or
//! another component's record written over it (its times change), the file
//! deleted or replaced (unlinking and renaming change the change time and
//! the link count of the file the writer holds), a write that never landed
//! (the writer kept the stamp of the last one that did).
//!
//! A write into a file that no path names any more (the writer looks at its
//! path once a second, so a write can land in a file just deleted or
//! replaced) keeps no stamp: the path is read.
//!
//! An `fstat` of the open file costs half an `lstat` of its path (which
//! walks every directory of it): on a full pool, the difference is most of
//! the check's budget. What only the path could tell (the file renamed
//! away, or a directory of the path replaced, with the writer's file still
//! linked elsewhere) is found by the writer's own look at the path, once a
//! second before a write, and its next write: until then, the check judges
//! from memory.
//!
//! What the stamp cannot tell apart: a write without the lock (by hand, a
//! script) between the writer's write and its `fstat`, and one of the same
//! size within the same tick of the file system's clock on a kernel without
//! fine-grained timestamps (before Linux 6.13: 1 to 10 ms). Both are found
//! by the writer's next write, which reads the file first: within one
//! interval of `beat` while the service beats
//! (`HeartbeatFile::take_landed`).

use std::path::Path;

use crate::{
    record::{Parsed, Record},
    store::{self, Budget, Contents, FileId, Landed},
};

/// `None` when the file at `path` holds `record`, whose write left the
/// file as `landed` says; else what it holds.
pub(super) fn differs(
    path: &Path,
    record: &Record,
    landed: Option<Landed>,
    budget: &Budget,
) -> Option<(Contents, Option<FileId>)> {
    if landed.is_some_and(|landed| landed.unchanged_at(path)) {
        return None;
    }
    let (contents, id) = store::read_within(path, budget);
    match &contents {
        Contents::Parsed(Parsed::Record(found)) if found == record => None,
        _ => Some((contents, id)),
    }
}
