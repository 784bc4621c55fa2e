//! A component's pool as the probe reads it: its `.pool` record, its
//! instances, and the instance files the record does not cover. A pool
//! never hides a worker: a pool of no instance, instances that beat with no
//! pool declared, and a failed instance beyond a shrunk pool are each dead,
//! saying why.

use std::path::{Path, PathBuf};

use super::unit::{Unit, judge, read as read_unit, read_instances};
use crate::{
    Component, MAX_POOL_SIZE, Status,
    declaration::{instance_file, instance_index, pool_file},
    host::Host,
    record::{Event, Parsed},
    status::{Origin, Reason, origin},
    store::{self, Budget, Contents},
};

/// A component's pool as read: its record and its instances.
pub(super) struct Pool<'a> {
    /// The record's contents; `None`: from this process's memory.
    record: Option<Contents>,
    /// `<path>.pool`.
    path: PathBuf,
    size: u32,
    /// The process that recorded the pool.
    pid: u32,
    instances: Vec<Unit<'a>>,
}

/// Reads `<path>.pool` and, when it is this component's pool record, every
/// instance's heartbeat.
pub(super) fn read<'a, const MEMORY: bool>(
    component: &'a Component,
    path: PathBuf,
    budget: &Budget,
) -> Option<Pool<'a>> {
    let pool_path = pool_file(&path);
    // A writer of this process that has written keeps its pool in memory
    // too: no pool there is no pool.
    let remembered = match (MEMORY, component.heartbeat) {
        (true, Some(heartbeat)) if heartbeat.pool_size().is_some() => heartbeat.pool_size(),
        (true, Some(heartbeat)) if heartbeat.own().last().is_some() => return None,
        _ => None,
    };
    let (record, size, pid) = match remembered {
        Some(size) => (None, size, std::process::id()),
        None => {
            let (contents, _) = store::read_within(&pool_path, budget);
            let Contents::Parsed(Parsed::Record(record)) = &contents else {
                return None;
            };
            let owned = record
                .owner
                .as_ref()
                .is_some_and(|o| o.name == component.name() && o.instance.is_none());
            match record.event {
                Event::Pool { size } if owned => {
                    let pid = record.writer.pid;
                    (Some(contents), size.min(MAX_POOL_SIZE), pid)
                }
                _ => return None,
            }
        }
    };
    let instances = read_instances::<MEMORY>(component, &path, size, budget);
    Some(Pool {
        record,
        path: pool_path,
        size,
        pid,
        instances,
    })
}

/// Where a pool record comes from: this container's (or this process's
/// memory), another live container's, or none that counts.
fn pool_origin(pool: &Pool<'_>, host: &Host) -> Option<Origin> {
    match &pool.record {
        None => Some(Origin::ThisContainer),
        Some(Contents::Parsed(Parsed::Record(record))) => match origin(record, host) {
            Origin::Previous => None, // a previous container's pool is no pool
            other => Some(other),
        },
        Some(_) => None,
    }
}

/// The statuses of a component: its own heartbeat, or its pool's.
pub(super) fn judge_component<'a, const MEMORY: bool>(
    own: Unit<'a>,
    pool: Option<Pool<'a>>,
    host: &Host,
    budget: &Budget,
) -> Vec<(Unit<'a>, Status)> {
    let mut own = own;
    let own_status = judge(&mut own, host);
    let Some((pool, found)) = pool.and_then(|p| pool_origin(&p, host).map(|o| (p, o))) else {
        let status = undeclared::<MEMORY>(&own, own_status, host, budget);
        return vec![(own, status)];
    };
    if let Origin::OtherLive { pid } = found {
        if own_status.has_started() {
            return vec![(own, own_status)];
        }
        let status = own_status.with_reason(Reason::Conflict { pid });
        return vec![pool_unit(own, &pool.path, status)];
    }
    if pool.size == 0 {
        let status = own_status.with_reason(Reason::EmptyPool { pid: pool.pid });
        return vec![pool_unit(own, &pool.path, status)];
    }
    let mut units = Vec::new();
    let beyond = beyond::<MEMORY>(&own, &pool, host, budget);
    // Under a pool, the type's own heartbeat is judged once it has beaten
    // in this container.
    if own_status.has_started() {
        units.push((own, own_status));
    }
    units.extend(pool.instances.into_iter().map(|mut unit| {
        let status = judge(&mut unit, host);
        (unit, status)
    }));
    units.extend(beyond);
    units
}

/// A status about the pool record's file.
fn pool_unit<'a>(own: Unit<'a>, path: &Path, status: Status) -> (Unit<'a>, Status) {
    let unit = Unit {
        path: path.to_owned(),
        id: None,
        contents: Contents::Missing,
        remembered: false,
        ..own
    };
    (unit, status.at(path))
}

/// Instances beyond the pool's size that failed in this container: still
/// dead, naming the shrink. Others beyond it are retired.
fn beyond<'a, const MEMORY: bool>(
    own: &Unit<'a>,
    pool: &Pool<'a>,
    host: &Host,
    budget: &Budget,
) -> Vec<(Unit<'a>, Status)> {
    let mut found = Vec::new();
    if pool.size >= MAX_POOL_SIZE {
        return found; // no instance lies beyond a full pool
    }
    for i in indices(&own.path).into_iter().filter(|i| *i >= pool.size) {
        let at = instance_file(&own.path, i);
        let mut unit = read_unit::<MEMORY>(own.component, Some(i), at, budget);
        let status = judge(&mut unit, host);
        if let Reason::Failed { reason } = status.cause() {
            let reason = Reason::BeyondPool {
                reason: reason.clone(),
                size: pool.size,
                pid: pool.pid,
            };
            found.push((unit, status.with_reason(reason)));
        }
    }
    found
}

/// The type's status with no pool: when it has no heartbeat but instances
/// of this container beat, says that no pool was declared.
fn undeclared<const MEMORY: bool>(
    own: &Unit<'_>,
    status: Status,
    host: &Host,
    budget: &Budget,
) -> Status {
    if !matches!(status.cause(), Reason::NoBeat { .. }) {
        return status;
    }
    let beating = indices(&own.path).into_iter().rev().find(|&i| {
        let at = instance_file(&own.path, i);
        judge(
            &mut read_unit::<MEMORY>(own.component, Some(i), at, budget),
            host,
        )
        .has_started()
    });
    match beating {
        Some(last) => status.with_reason(Reason::Undeclared {
            instances: last + 1,
        }),
        None => status,
    }
}

/// The instance indices that have a file beside `path` (`<name>.<i>`, `i`
/// below [`MAX_POOL_SIZE`], written as the writer writes it), ascending:
/// one directory read of at most [`MAX_POOL_SIZE`] entries.
fn indices(path: &Path) -> Vec<u32> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let name = name.as_encoded_bytes();
    let mut found: Vec<u32> = entries
        .take(MAX_POOL_SIZE as usize)
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let i = instance_index(name, entry.file_name().as_encoded_bytes())?;
            (i < MAX_POOL_SIZE).then_some(i)
        })
        .collect();
    found.sort_unstable();
    found
}
