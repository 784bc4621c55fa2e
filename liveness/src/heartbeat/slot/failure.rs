//! A slot after its component failed: the failure kept in memory, retried
//! until it reaches the file, and what each call answers then.

use super::{Bound, NEVER, Slot};
use crate::{
    Error,
    record::{Event, Record},
};
use std::sync::atomic::Ordering;

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
    /// `beat_now`, `extend`: an error after a failure.
    Now,
    /// `fail`: a second one keeps the first reason.
    Fail,
}

impl Slot {
    /// After a failure: retries a failure not yet in the file, then answers
    /// `call` (rule: `beat` and a second `fail` are `Ok`, anything else is
    /// [`Error::Failed`]).
    pub(super) fn after_failure(
        &self,
        state: &mut Bound,
        instance: Option<u32>,
        call: Call,
    ) -> Result<(), Error> {
        let Some(failure) = &state.failure else {
            return Ok(());
        };
        if failure.pending {
            if let Some(bytes) = failure.record.encode() {
                let file = &mut state.file;
                match file.open().and_then(|_| file.write(&bytes, true)) {
                    Ok(true) => {
                        let record = failure.record.clone();
                        self.failed(state, record, false);
                    }
                    Err(Error::Failed { .. }) => {
                        self.adopt(state);
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
    pub(super) fn adopt(&self, state: &mut Bound) -> bool {
        let found = state.file.take_found();
        let adopted = found.is_some();
        if let Some(found) = found {
            self.failed(state, found, false);
        }
        adopted
    }

    /// Records in memory that this component failed with `record`.
    pub(super) fn failed(&self, state: &mut Bound, record: Record, pending: bool) {
        if !pending {
            // Landed: `beat` never writes again.
            self.next_due.store(NEVER, Ordering::Relaxed);
        }
        self.set_last(record.clone());
        state.failure = Some(Failure { record, pending });
    }
}
