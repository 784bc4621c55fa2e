//! One heartbeat a probe judges, read from its file or from its writer's
//! memory, and its verdict.

#[cfg(not(all(feature = "http", unix)))]
use std::path::Path;
use std::path::PathBuf;

#[cfg(all(feature = "http", unix))]
use super::on_disk::differs;
use crate::{
    Component, Status,
    host::Host,
    record::{Event, Parsed, Readiness, Record},
    store::{self, Budget, Contents, FileId},
};

/// Where a probe reads the heartbeats of components whose writer lives in
/// the same process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Always from the files: the probe binary.
    Files,
    #[cfg_attr(not(all(feature = "http", unix)), allow(dead_code))]
    /// From the writer's memory (the last record it wrote) when this
    /// process wrote it, else from the file; the startup grace counts from
    /// the process start. A server inside the service.
    Memory,
}

/// One heartbeat to judge: a component's own, or one of its instances'.
pub(super) struct Unit<'a> {
    pub component: &'a Component,
    pub instance: Option<u32>,
    pub path: PathBuf,
    pub contents: Contents,
    pub id: Option<FileId>,
    /// Read from the writer's memory, not the file.
    pub remembered: bool,
}

impl Unit<'_> {
    pub fn label(&self) -> String {
        self.component.declaration.label(self.instance)
    }
}

/// Without the server, memory is never read: the file, as it is.
#[cfg(not(all(feature = "http", unix)))]
fn differs(
    path: &Path,
    _: &crate::record::Record,
    budget: &Budget,
) -> Option<(Contents, Option<FileId>)> {
    Some(store::read_within(path, budget))
}

/// Judges `unit`, taking its record (kept in the status) rather than
/// copying it.
pub(super) fn judge(unit: &mut Unit<'_>, host: &Host) -> Status {
    let contents = match &unit.contents {
        Contents::Parsed(Parsed::Record(_)) => {
            std::mem::replace(&mut unit.contents, Contents::Missing)
        }
        other => other.clone(),
    };
    unit.component
        .declaration
        .judge(unit.instance, &unit.path, contents, host)
}

/// `record`, from this process's memory, as draining once the process
/// drains: not ready from the moment `drain` is called, written or not
/// (a write waiting for another writer's lock, or one that failed).
fn draining(mut record: Record) -> Record {
    if let Some(reason) = crate::heartbeat::draining() {
        if !matches!(record.ready, Readiness::Draining(_)) {
            record.ready = Readiness::Draining(reason.to_owned());
        }
    }
    record
}

/// Reads one heartbeat, from the writer's memory when `MEMORY` (the
/// [`Source`]) allows and this process wrote it.
pub(super) fn read<'a, const MEMORY: bool>(
    component: &'a Component,
    instance: Option<u32>,
    path: PathBuf,
    budget: &Budget,
) -> Unit<'a> {
    let remembered = match (MEMORY, component.heartbeat) {
        (true, Some(heartbeat)) => match instance {
            None => heartbeat.own().last(),
            Some(i) => heartbeat.existing_instance(i).and_then(|slot| slot.last()),
        },
        _ => None,
    };
    let mut from_memory = remembered.is_some();
    let (contents, id) = match remembered {
        // A failure stands from the moment it is declared, written or not.
        Some(record) if matches!(record.event, Event::Fail { .. }) => {
            (Contents::Parsed(Parsed::Record(record)), None)
        }
        Some(record) => match differs(&path, &record, budget) {
            None => (Contents::Parsed(Parsed::Record(draining(record))), None),
            Some(read) => {
                from_memory = false;
                read
            }
        },
        None => store::read_within(&path, budget),
    };
    Unit {
        component,
        instance,
        path,
        contents,
        id,
        remembered: from_memory,
    }
}
