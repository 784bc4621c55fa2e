//! Which heartbeats a probe judges, read in one pass: every component's own
//! file, its pool record, and its pool instances' files.
//!
//! Files are read first and the clocks after: a beat landing in between is
//! then older than the clock reading, never ahead of it.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::Duration,
};

#[cfg(all(feature = "http", unix))]
use super::on_disk::differs;
use super::{explain, pool, pool::Pool};
use crate::{
    Component, Status,
    host::Host,
    record::{Event, Parsed},
    status::Reason,
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

pub(crate) fn survey(components: &[Component], source: Source) -> Vec<Status> {
    // Re-reads of torn or empty files, shared by every file read here: a
    // thousand such files cost their first reads, not 12 ms each.
    let budget = Budget::survey();
    let read: Vec<(Unit<'_>, Option<Pool<'_>>)> = components
        .iter()
        .map(|component| {
            let path = component.path();
            let own = read(component, None, path.clone(), source, &budget);
            (own, pool::read(component, path, source, &budget))
        })
        .collect();
    let host = match source {
        Source::Files => Host::current(),
        Source::Memory => Host::of_process(),
    };
    explain::host(&host);
    if components.is_empty() {
        return vec![nothing_to_judge(&host)];
    }
    let mut units = Vec::new();
    for (own, pool) in read {
        units.extend(pool::judge_component(own, pool, &host, source, &budget));
    }
    refuse_shared_files(units)
}

/// The status of a probe of no component: dead, saying so.
fn nothing_to_judge(host: &Host) -> Status {
    Component::new("probe", "", Duration::ZERO)
        .declaration
        .judge(None, Path::new(""), Contents::Missing, host)
        .with_reason(Reason::NoComponent)
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

/// Reads one heartbeat, from the writer's memory when `source` allows and
/// this process wrote it.
pub(super) fn read<'a>(
    component: &'a Component,
    instance: Option<u32>,
    path: PathBuf,
    source: Source,
    budget: &Budget,
) -> Unit<'a> {
    let remembered = match (source, component.heartbeat) {
        (Source::Memory, Some(heartbeat)) => match instance {
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
            None => (Contents::Parsed(Parsed::Record(record)), None),
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

/// Judges dead every heartbeat whose file another judged heartbeat also
/// resolves to (the same path, or the same file by identity): one file,
/// one owner.
fn refuse_shared_files(units: Vec<(Unit<'_>, Status)>) -> Vec<Status> {
    // Hashed by their bytes: comparing or hashing paths walks their
    // components, which a thousand instances make costly. (Spellings of
    // one existing file meet by identity.)
    let mut by_path: HashMap<&[u8], usize, Fnv> =
        HashMap::with_capacity_and_hasher(units.len(), Fnv);
    let mut by_id: HashMap<FileId, usize, Fnv> = HashMap::with_hasher(Fnv);
    let mut shared_with: Vec<Option<usize>> = vec![None; units.len()];
    for (i, (unit, _)) in units.iter().enumerate() {
        let first = by_path
            .get(unit.path.as_os_str().as_encoded_bytes())
            .copied()
            .or_else(|| unit.id.and_then(|id| by_id.get(&id).copied()));
        match first {
            Some(first) => {
                shared_with[i] = Some(first);
                shared_with[first].get_or_insert(i);
            }
            None => {
                by_path.insert(unit.path.as_os_str().as_encoded_bytes(), i);
                if let Some(id) = unit.id {
                    by_id.insert(id, i);
                }
            }
        }
    }
    let labels: Vec<Option<String>> = shared_with
        .iter()
        .map(|with| with.map(|other| units[other].0.label()))
        .collect();
    units
        .into_iter()
        .zip(labels)
        .map(|((unit, status), with)| {
            let status = match with {
                Some(with) => status.with_reason(Reason::SharedPath { with }),
                None => status,
            };
            explain::verdict(&unit, &status);
            status
        })
        .collect()
}

/// FNV-1a: a fast hash for keys no client chooses freely enough to flood.
#[derive(Clone, Copy, Default)]
pub(super) struct Fnv;

pub(super) struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;

    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
