//! What a slot keeps outside its lock: the throttle's next due time and
//! the last record, read without waiting for a write in progress.

use std::sync::{Mutex, PoisonError, atomic::AtomicU64};

use super::said::Said;

use super::super::changes::changed;
use crate::{
    record::{Event, Record},
    store::Landed,
};

/// `next_due` once a failure is in the file: `beat` never writes again.
pub(super) const NEVER: u64 = u64::MAX;

#[derive(Debug)]
pub(super) struct Memory {
    /// The end of the throttle's interval on the coarse clock; 0 at start.
    pub next_due: AtomicU64,
    /// The last record that reached the file, or, once failed, the failure
    /// (even before its write lands), for verdicts from memory; with the
    /// file as that write left it (`HeartbeatFile::take_landed`), which
    /// tells a verdict from memory whether the file still holds the record
    /// without reading it. Its own lock, held only to copy: a write stalled
    /// on a slow disk does not hold it.
    last: Mutex<Option<(Record, Option<Landed>)>>,
    /// What this process last said of its readiness (`slot/said.rs`).
    pub said: Said,
}

impl Memory {
    pub const fn new() -> Memory {
        Memory {
            next_due: AtomicU64::new(0),
            last: Mutex::new(None),
            said: Said::new(),
        }
    }

    /// The last record that reached the file; once failed, the failure,
    /// whether or not its write has landed yet.
    pub fn last(&self) -> Option<Record> {
        self.last_landed().map(|(record, _)| record)
    }

    /// [`last`](Self::last), with the file as its write left it (`None`:
    /// not written, or not known).
    pub fn last_landed(&self) -> Option<(Record, Option<Landed>)> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps `record` as the last, with the file as its write left it,
    /// counting a change that can turn a verdict.
    pub fn set_last(&self, record: Record, landed: Option<Landed>) {
        let change = !matches!(record.event, Event::Beat);
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some((record, landed));
        if change {
            changed();
        }
    }
}
