//! One heartbeat a probe judges, read from its file or from its writer's
//! memory, and its verdict.

use std::path::{Path, PathBuf};

#[cfg(all(feature = "http", unix))]
use super::on_disk::differs;
use crate::{
    Component, Status,
    declaration::instance_file,
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
    _: Option<store::Landed>,
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
    let slot = match (MEMORY, component.heartbeat, instance) {
        (true, Some(heartbeat), None) => Some(heartbeat.own().last_landed()),
        (true, Some(heartbeat), Some(i)) => {
            Some(heartbeat.existing_instance(i).and_then(|s| s.last_landed()))
        }
        _ => None,
    };
    read_remembered::<MEMORY>(component, instance, path, slot.flatten(), budget)
}

/// Reads pool instances `0..size` of `component`, whose heartbeat is at
/// `path`: [`read`] of each, looking up this process's writers once.
pub(super) fn read_instances<'a, const MEMORY: bool>(
    component: &'a Component,
    path: &Path,
    size: u32,
    budget: &Budget,
) -> Vec<Unit<'a>> {
    let slots = match (MEMORY, component.heartbeat) {
        (true, Some(heartbeat)) => heartbeat.existing_instances(size),
        _ => Vec::new(),
    };
    (0..size)
        .map(|i| {
            let at = instance_file(path, i);
            let slot = slots.get(i as usize).and_then(Option::as_ref);
            let remembered = slot.and_then(|slot| slot.last_landed());
            read_remembered::<MEMORY>(component, Some(i), at, remembered, budget)
        })
        .collect()
}

/// [`read`], given what the writer remembers, if this process wrote it.
/// One copy per source, as the survey's: reading from the files, the
/// memory's branches are not in the binary.
fn read_remembered<'a, const MEMORY: bool>(
    component: &'a Component,
    instance: Option<u32>,
    path: PathBuf,
    remembered: Option<(Record, Option<store::Landed>)>,
    budget: &Budget,
) -> Unit<'a> {
    let remembered = if MEMORY { remembered } else { None };
    let mut from_memory = remembered.is_some();
    let (contents, id) = match remembered {
        // A failure stands from the moment it is declared, written or not.
        Some((record, _)) if matches!(record.event, Event::Fail { .. }) => {
            (Contents::Parsed(Parsed::Record(record)), None)
        }
        Some((record, landed)) => match differs(&path, &record, landed, budget) {
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
