//! Which heartbeats a probe judges, read in one pass: every component's own
//! file, its pool record, and its pool instances' files.
//!
//! Files are read first and the clocks after: a beat landing in between is
//! then older than the clock reading, never ahead of it.

use std::{collections::BTreeMap, path::PathBuf};

use crate::{
    Component, Status,
    heartbeat::with_suffix,
    host::Host,
    record::{Event, Parsed},
    status::{Expect, Limits, Origin, Reason, origin},
    store::{self, Contents, FileId},
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
struct Unit<'a> {
    component: &'a Component,
    instance: Option<u32>,
    path: PathBuf,
    contents: Contents,
    id: Option<FileId>,
}

impl Unit<'_> {
    fn label(&self) -> String {
        match self.instance {
            Some(i) => format!("{}[{i}]", self.component.name),
            None => self.component.name.to_string(),
        }
    }
}

/// A component's pool as read: its record's contents and the instances.
struct Pool<'a> {
    record: Option<Contents>,
    instances: Vec<Unit<'a>>,
}

pub(crate) fn survey(components: &[Component], source: Source) -> Vec<Status> {
    let read: Vec<(Unit<'_>, Option<Pool<'_>>)> = components
        .iter()
        .map(|component| {
            let path = component.path();
            let own = read(component, None, path.clone(), source);
            (own, read_pool(component, path, source))
        })
        .collect();
    let host = match source {
        Source::Files => Host::current(),
        Source::Memory => Host::of_process(),
    };
    log::debug!("host: {host:?}");
    let mut units = Vec::new();
    for (own, pool) in read {
        match pool.filter(|pool| counts(pool, &host)) {
            Some(pool) => {
                // Under a pool, the type's own heartbeat is judged once it
                // has beaten in this container.
                let own_status = judge(&own, &host);
                if own_status.has_started() {
                    units.push((own, own_status));
                }
                units.extend(pool.instances.into_iter().map(|unit| {
                    let status = judge(&unit, &host);
                    (unit, status)
                }));
            }
            None => {
                let status = judge(&own, &host);
                units.push((own, status));
            }
        }
    }
    refuse_shared_files(units)
}

fn judge(unit: &Unit<'_>, host: &Host) -> Status {
    let component = unit.component;
    let expect = Expect {
        name: Some(&component.name),
        instance: unit.instance,
    };
    let limits = Limits {
        max_age: component.max_age,
        startup_grace: component.startup_grace,
        max_extend: component.max_extend,
    };
    Status::new(&expect, &unit.path, limits, &unit.contents, host)
}

/// Reads one heartbeat, from the writer's memory when `source` allows and
/// this process wrote it.
fn read(component: &Component, instance: Option<u32>, path: PathBuf, source: Source) -> Unit<'_> {
    let remembered = match (source, component.heartbeat) {
        (Source::Memory, Some(heartbeat)) => match instance {
            None => heartbeat.own().last(),
            Some(i) => heartbeat.existing_instance(i).and_then(|slot| slot.last()),
        },
        _ => None,
    };
    let (contents, id) = match remembered {
        Some(record) => (Contents::Parsed(Parsed::Record(record)), None),
        None => store::read(&path),
    };
    log::debug!("{}: {}: {contents:?}", component.name, path.display());
    Unit {
        component,
        instance,
        path,
        contents,
        id,
    }
}

/// Reads `<path>.pool` and, when it is this component's pool record, every
/// instance's heartbeat.
fn read_pool(component: &Component, path: PathBuf, source: Source) -> Option<Pool<'_>> {
    // A writer of this process that has written keeps its pool in memory
    // too: no pool there is no pool.
    let remembered = match (source, component.heartbeat) {
        (Source::Memory, Some(heartbeat)) if heartbeat.pool_size().is_some() => {
            heartbeat.pool_size()
        }
        (Source::Memory, Some(heartbeat)) if heartbeat.own().last().is_some() => return None,
        _ => None,
    };
    let (record, size) = match remembered {
        Some(size) => (None, size),
        None => {
            let (contents, _) = store::read(&with_suffix(path.clone(), "pool"));
            let Contents::Parsed(Parsed::Record(record)) = &contents else {
                return None;
            };
            let owned = record
                .owner
                .as_ref()
                .is_some_and(|o| o.name == *component.name && o.instance.is_none());
            match record.event {
                Event::Pool { size } if owned => (Some(contents), size.min(crate::MAX_POOL_SIZE)),
                _ => return None,
            }
        }
    };
    let instances = (0..size)
        .map(|i| {
            read(
                component,
                Some(i),
                with_suffix(path.clone(), &i.to_string()),
                source,
            )
        })
        .collect();
    Some(Pool { record, instances })
}

/// Whether a pool record counts: one of this container's (a previous
/// container's pool is no pool), or any when the guard is off.
fn counts(pool: &Pool<'_>, host: &Host) -> bool {
    match &pool.record {
        None => true, // from this process's memory
        Some(Contents::Parsed(Parsed::Record(record))) => {
            matches!(
                origin(record, host),
                Origin::ThisContainer | Origin::Unknown
            )
        }
        Some(_) => false,
    }
}

/// Judges dead every heartbeat whose file another judged heartbeat also
/// resolves to (the same path, or the same file by identity): one file,
/// one owner.
fn refuse_shared_files(units: Vec<(Unit<'_>, Status)>) -> Vec<Status> {
    let mut by_path: BTreeMap<&PathBuf, usize> = BTreeMap::new();
    let mut by_id: BTreeMap<FileId, usize> = BTreeMap::new();
    let mut shared_with: Vec<Option<usize>> = vec![None; units.len()];
    for (i, (unit, _)) in units.iter().enumerate() {
        let first = by_path
            .get(&unit.path)
            .copied()
            .or_else(|| unit.id.and_then(|id| by_id.get(&id).copied()));
        match first {
            Some(first) => {
                shared_with[i] = Some(first);
                shared_with[first].get_or_insert(i);
            }
            None => {
                by_path.insert(&unit.path, i);
                if let Some(id) = unit.id {
                    by_id.insert(id, i);
                }
            }
        }
    }
    let labels: Vec<String> = units.iter().map(|(unit, _)| unit.label()).collect();
    units
        .into_iter()
        .zip(shared_with)
        .map(|((_, status), with)| match with {
            Some(other) => status.with_reason(Reason::SharedPath {
                with: labels[other].clone(),
            }),
            None => status,
        })
        .collect()
}
