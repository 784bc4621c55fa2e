//! What a slot keeps outside its lock: the throttle's next due time and
//! the last record, read without waiting for a write in progress.

#[cfg(all(feature = "systemd", unix))]
use std::sync::atomic::Ordering;
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
    /// When the last beat that reached the file was made, on the boot
    /// clock ([`clock::boot_ns`](crate::clock::boot_ns)); 0 before the
    /// first: what systemd's watchdog reads to judge a beating component
    /// alive without copying its record.
    #[cfg(all(feature = "systemd", unix))]
    beat_at: AtomicU64,
}

impl Memory {
    pub const fn new() -> Memory {
        Memory {
            next_due: AtomicU64::new(0),
            last: Mutex::new(None),
            said: Said::new(),
            #[cfg(all(feature = "systemd", unix))]
            beat_at: AtomicU64::new(0),
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

    /// When the last beat that reached the file was made (boot clock, ns;
    /// 0 before the first).
    #[cfg(all(feature = "systemd", unix))]
    pub fn beat_at(&self) -> u64 {
        self.beat_at.load(Ordering::Acquire)
    }

    /// Keeps `record`, made at `at` on the boot clock, as the last, with the
    /// file as its write left it, counting a change that can turn a
    /// verdict: any record but a beat, and the beat after one (which ends an
    /// extension early).
    pub fn set_last(
        &self,
        record: Record,
        landed: Option<Landed>,
        #[allow(unused_variables)] at: u64,
    ) {
        let beat = matches!(record.event, Event::Beat);
        let previous = self
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace((record, landed));
        let after_other = previous.is_some_and(|(p, _)| !matches!(p.event, Event::Beat));
        #[cfg(all(feature = "systemd", unix))]
        if beat {
            self.beat_at.fetch_max(at, Ordering::AcqRel);
        }
        if !beat || after_other {
            changed();
        }
    }
}
