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
    let mut units = Vec::with_capacity(read.len());
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
    let shared_with = shared(&units);
    let labels: Vec<Option<String>> = shared_with
        .iter()
        .map(|with| with.map(|other| units[other].0.label()))
        .collect();
    // One look at the log level per survey, not one per heartbeat.
    let explain = log::log_enabled!(log::Level::Debug);
    units
        .into_iter()
        .zip(labels)
        .map(|((unit, status), with)| {
            let status = match with {
                Some(with) => status.with_reason(Reason::SharedPath { with }),
                None => status,
            };
            if explain {
                explain::verdict(&unit, &status);
            }
            status
        })
        .collect()
}

/// A path as the search for shared files compares it: `<base>.<i>` (a pool
/// instance's file, or any path that ends so) as its base, numbered in
/// order of appearance, and its index; any other path as its bytes. Two
/// paths are equal exactly when their keys are (the index is the digits
/// after the last dot, written as `u32` writes it), and a pool's instances,
/// which share their base, cost a comparison of the base with the previous
/// one's and a hash of two numbers, not a hash of every byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'p> {
    Instance(usize, u32),
    Path(&'p [u8]),
}

/// For each unit, another unit whose file is the same (the same path, or
/// the same file by identity), if any.
fn shared(units: &[(Unit<'_>, Status)]) -> Vec<Option<usize>> {
    let mut bases: HashMap<&[u8], usize, Fnv> = HashMap::with_hasher(Fnv);
    let mut last_base: (&[u8], usize) = (&[], usize::MAX);
    let mut by_key: HashMap<Key<'_>, usize, Fnv> =
        HashMap::with_capacity_and_hasher(units.len(), Fnv);
    let mut by_id: HashMap<FileId, usize, Fnv> = HashMap::with_hasher(Fnv);
    let mut shared_with: Vec<Option<usize>> = vec![None; units.len()];
    for (i, (unit, _)) in units.iter().enumerate() {
        let bytes = unit.path.as_os_str().as_encoded_bytes();
        let key = match split_instance(bytes) {
            Some((base, index)) => {
                if base != last_base.0 {
                    let next = bases.len();
                    last_base = (base, *bases.entry(base).or_insert(next));
                }
                Key::Instance(last_base.1, index)
            }
            None => Key::Path(bytes),
        };
        let first = by_key
            .get(&key)
            .copied()
            .or_else(|| unit.id.and_then(|id| by_id.get(&id).copied()));
        match first {
            Some(first) => {
                shared_with[i] = Some(first);
                shared_with[first].get_or_insert(i);
            }
            None => {
                by_key.insert(key, i);
                if let Some(id) = unit.id {
                    by_id.insert(id, i);
                }
            }
        }
    }
    shared_with
}

/// `path` as `<base>.<i>`, when it ends so (the digits after its last
/// dot, written as `u32` writes them: no sign, no leading zero).
fn split_instance(path: &[u8]) -> Option<(&[u8], u32)> {
    let dot = path.iter().rposition(|b| *b == b'.')?;
    let (base, digits) = (&path[..dot], &path[dot + 1..]);
    let canonical =
        digits.first().is_some_and(u8::is_ascii_digit) && (digits.len() == 1 || digits[0] != b'0');
    let i: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    canonical.then_some((base, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_paths_share_a_key_exactly_when_they_are_equal() {
        let paths: [&[u8]; 12] = [
            b"/x/a",
            b"/x/a.1",
            b"/x/a.01",
            b"/x/a.+1",
            b"/x/a.1.2",
            b"/x/a.",
            b"/x.1/a",
            b"/x/a.pool",
            b"/x/b.1",
            b"/x/a.4294967296",
            b"/x/a.0",
            b"/x/a.10",
        ];
        let key = |path: &'static [u8], bases: &mut Vec<&'static [u8]>| match split_instance(path) {
            Some((base, i)) => {
                let id = bases.iter().position(|b| *b == base).unwrap_or_else(|| {
                    bases.push(base);
                    bases.len() - 1
                });
                Key::Instance(id, i)
            }
            None => Key::Path(path),
        };
        let mut bases = Vec::new();
        for p in paths {
            for q in paths {
                let (kp, kq) = (key(p, &mut bases), key(q, &mut bases));
                assert_eq!(
                    kp == kq,
                    p == q,
                    "{:?} {:?}",
                    p.escape_ascii(),
                    q.escape_ascii()
                );
            }
        }
        assert_eq!(split_instance(b"/x/a.17"), Some((&b"/x/a"[..], 17)));
        assert_eq!(split_instance(b"/x/a.017"), None);
    }
}
