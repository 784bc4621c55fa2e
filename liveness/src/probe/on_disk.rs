//! Whether the file still holds what this process's writer last wrote, so
//! that a verdict from memory is the verdict the file gives.
//!
//! A file is read in full once after each of the writer's writes and
//! compared with the writer's record; while `lstat` says the file has not
//! changed since (the same file, size, modification and change times), the
//! record in memory stands without reading it again. Anything else (another
//! live container writing the same path, another component's record, a
//! file replaced, a write that never reached the file) is judged from the
//! file, as the exec probe judges it.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Mutex, PoisonError},
    time::SystemTime,
};

use super::fnv::Fnv;
use crate::{
    record::{Parsed, Record},
    store::{self, Budget, Contents, FileId, Stamp},
};

/// Per path: the time of the writer's record the file was found to hold,
/// and the file's stamp then.
/// Keyed by the path's bytes, hashed with FNV: a thousand lookups a check.
static CONFIRMED: Mutex<Option<Confirmed>> = Mutex::new(None);

/// Path bytes to the record's time and the file's stamp.
type Confirmed = HashMap<Vec<u8>, (SystemTime, Stamp), Fnv>;

/// `None` when the file at `path` holds `record`; else what it holds.
pub(super) fn differs(
    path: &Path,
    record: &Record,
    budget: &Budget,
) -> Option<(Contents, Option<FileId>)> {
    let before = store::stamp(path);
    {
        let confirmed = CONFIRMED.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = confirmed.as_ref().and_then(|map| map.get(key(path)));
        if before.is_some() && seen == Some(&(record.wall, before.expect("checked"))) {
            return None;
        }
    }
    let (contents, id) = store::read_within(path, budget);
    let holds = matches!(&contents, Contents::Parsed(Parsed::Record(r)) if r == record);
    let mut confirmed = CONFIRMED.lock().unwrap_or_else(PoisonError::into_inner);
    let map = confirmed.get_or_insert_with(|| HashMap::with_hasher(Fnv));
    match (holds, before) {
        // The stamp from before the read: a write after it changes it.
        (true, Some(before)) => {
            map.insert(key(path).to_owned(), (record.wall, before));
            None
        }
        (true, None) => None,
        (false, _) => {
            map.remove(key(path));
            Some((contents, id))
        }
    }
}

fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}
