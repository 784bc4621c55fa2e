//! A slot bound to its declaration, and after its component failed: the
//! failure kept in memory, retried until it reaches the file, and what each
//! call answers then.

use std::sync::atomic::Ordering;

use super::memory::{Memory, NEVER};
use crate::{
    Error,
    declaration::Declaration,
    record::{Encoder, Event, Readiness, Record},
    store::HeartbeatFile,
};

/// A slot bound to its declaration at its first write.
#[derive(Debug)]
pub(super) struct Bound {
    pub(super) declaration: Declaration,
    pub(super) file: HeartbeatFile,
    /// Failed in this container: by this process, or found in the file.
    pub(super) failure: Option<Failure>,
    /// A pool instance admitted by its container's `.pool` record.
    pub(super) admitted: bool,
    /// What this process last said of its readiness (`unready`, `ready`);
    /// every record it writes carries it, unless the process drains.
    pub(super) ready: Readiness,
    /// Encodes this slot's records, keeping what does not change between
    /// two of them.
    pub(super) encoder: Encoder,
}

/// The failure a slot knows of: declared by this process, or found in the
/// file (another process of this container declared it).
#[derive(Debug)]
pub(super) struct Failure {
    /// The failure's record, as written or to be written.
    pub record: Record,
    /// Not in the file yet: its write failed, and is retried at every
    /// later due write.
    pub pending: bool,
}

/// Who asked for a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Call {
    /// `beat`, throttled: does not wait for another writer's lock, and is
    /// quietly `Ok` after a failure.
    Beat,
    /// `beat_now`, `extend`, `ready`: an error after a failure.
    Now,
    /// `fail`: a second one keeps the first reason.
    Fail,
}

impl Bound {
    /// After a failure: retries a failure not yet in the file, then answers
    /// `call` (rule: `beat` and a second `fail` are `Ok`, anything else is
    /// [`Error::Failed`]).
    pub(super) fn after_failure(
        &mut self,
        memory: &Memory,
        instance: Option<u32>,
        call: Call,
    ) -> Result<(), Error> {
        let state = self;
        let Some(failure) = &state.failure else {
            return Ok(());
        };
        if failure.pending {
            if let Some(bytes) = failure.record.encode() {
                let file = &mut state.file;
                match file.open().and_then(|_| file.write(&bytes, true)) {
                    Ok(true) => {
                        let record = failure.record.clone();
                        state.failed(memory, record, false);
                    }
                    Err(Error::Failed { .. }) => {
                        state.adopt(memory);
                    }
                    Ok(false) | Err(_) => {}
                }
            }
        }
        match (call, &state.failure) {
            (Call::Now, Some(failure)) => Err(Error::Failed {
                name: state.declaration.label(instance),
                reason: match &failure.record.event {
                    Event::Fail { reason } => reason.clone(),
                    _ => String::new(),
                },
            }),
            _ => Ok(()),
        }
    }

    /// Takes over the failure of this container the file held.
    pub(super) fn adopt(&mut self, memory: &Memory) -> bool {
        let found = self.file.take_found();
        let adopted = found.is_some();
        if let Some(found) = found {
            self.failed(memory, found, false);
        }
        adopted
    }

    /// Records in memory that this component failed with `record`.
    pub(super) fn failed(&mut self, memory: &Memory, record: Record, pending: bool) {
        if !pending {
            // Landed: `beat` never writes again.
            memory.next_due.store(NEVER, Ordering::Relaxed);
        }
        // A failure stands from memory, written or not: no stamp.
        memory.set_last(record.clone(), None, 0);
        self.failure = Some(Failure { record, pending });
    }
}
