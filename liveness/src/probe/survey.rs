//! Which heartbeats a probe judges, read in one pass: every component's own
//! file, its pool record, and its pool instances' files.
//!
//! Files are read first and the clocks after: a beat landing in between is
//! then older than the clock reading, never ahead of it.

use std::{collections::HashMap, path::Path, time::Duration};

use super::{
    explain,
    fnv::Fnv,
    pool::{self, Pool},
    unit::{Source, Unit, read},
};
use crate::{
    Component, Status,
    host::Host,
    status::Reason,
    store::{Budget, Contents, FileId},
};

/// Judges every component (and pool instance), reading as `source` says.
/// Each source is its own copy of the survey, so that a binary that never
/// judges from memory (the probe) carries none of that code.
#[inline]
pub(crate) fn survey(components: &[Component], source: Source) -> Vec<Status> {
    match source {
        Source::Files => survey_from::<false>(components),
        Source::Memory => survey_from::<true>(components),
    }
}

fn survey_from<const MEMORY: bool>(components: &[Component]) -> Vec<Status> {
    // Re-reads of torn or empty files, shared by every file read here: a
    // thousand such files cost their first reads, not 12 ms each.
    let budget = Budget::survey();
    let read: Vec<(Unit<'_>, Option<Pool<'_>>)> = components
        .iter()
        .map(|component| {
            let path = component.path();
            let own = read::<MEMORY>(component, None, path.clone(), &budget);
            (own, pool::read::<MEMORY>(component, path, &budget))
        })
        .collect();
    let host = if MEMORY {
        Host::of_process()
    } else {
        Host::current()
    };
    explain::host(&host);
    if components.is_empty() {
        return vec![nothing_to_judge(&host)];
    }
    let mut units = Vec::new();
    for (own, pool) in read {
        units.extend(pool::judge_component::<MEMORY>(own, pool, &host, &budget));
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
