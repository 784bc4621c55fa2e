//! Readiness: what `unready`, `ready` and `drain` record in a slot.
//!
//! The slot keeps what its process last said outside its lock
//! (`said.rs`), so that a call repeating it is a few loads and writes
//! nothing. A change is written at once, as a
//! sign of life that keeps what the last record declared (an extension
//! keeps its end).

use std::{sync::PoisonError, time::Duration};

use super::{Call, Caller, Handle, Pool, Slot, Target, bind, drain};
use crate::{
    Error,
    heartbeat::changes::changed,
    record::{Event, Readiness, Record, bounded_reason},
};

impl Slot {
    /// Records that the component is ready (`None`) or not, for `reason`.
    /// Repeating what this process last said writes nothing; once the
    /// process drains, nothing changes its readiness.
    #[inline]
    pub fn set_ready(
        &self,
        target: Target<'_>,
        reason: Option<&str>,
        caller: Caller,
    ) -> Result<(), Error> {
        if self.repeats(reason) {
            return Ok(());
        }
        self.change_ready(target, reason, caller)
    }

    /// Whether [`Slot::set_ready`] with `reason` would change nothing: it
    /// repeats what this process last said, or the process drains.
    #[inline]
    pub fn repeats(&self, reason: Option<&str>) -> bool {
        self.memory.said.is(reason) || drain::reason().is_some()
    }

    #[cold]
    #[inline(never)]
    fn change_ready(
        &self,
        target: Target<'_>,
        reason: Option<&str>,
        caller: Caller,
    ) -> Result<(), Error> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let bound = bind(&mut state, self, target)?;
        if bound.failure.is_some() {
            // `fail` wins: not ready already; `ready` is refused.
            let call = if reason.is_some() {
                Call::Beat
            } else {
                Call::Now
            };
            return bound.after_failure(&self.memory, target.instance, call);
        }
        let ready = reason.map_or(Readiness::Ready, |r| {
            Readiness::Unready(bounded_reason(r).to_owned())
        });
        self.memory.said.set(reason);
        if bound.ready == ready {
            return Ok(()); // the first call, repeating the start: ready
        }
        bound.ready = ready;
        let event = self.carried();
        let written = self.write(state, target, (event, caller), Call::Now);
        changed();
        written
    }

    /// Writes the process's drain into this slot's file, if it has one.
    pub(super) fn drain(
        &self,
        slot: Handle<'_>,
        pool: &'static Pool,
        instance: Option<u32>,
        caller: Caller,
    ) -> Result<(), Error> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(bound) = state.as_ref().filter(|bound| bound.failure.is_none()) else {
            return Ok(());
        };
        let declaration = bound.declaration.clone();
        let target = Target {
            declaration: &declaration,
            pool,
            slot,
            instance,
        };
        let event = self.carried();
        // Waits for another writer's lock rather than skip the file.
        self.write(state, target, (event, caller), Call::Now)
    }

    /// What a write of readiness records as its event: a beat, or what is
    /// left of the extension the last record declared.
    fn carried(&self) -> Event {
        match self.memory.last() {
            Some(
                last @ Record {
                    event: Event::Extend { .. },
                    ..
                },
            ) => left_of(&last),
            _ => Event::Beat,
        }
    }
}

/// What is left now of the extension `last` declared.
fn left_of(last: &Record) -> Event {
    let Event::Extend { by, reason } = &last.event else {
        return Event::Beat;
    };
    let now = crate::host::Identity::get().record(None, Event::Beat);
    let elapsed = match (last.boot, now.boot) {
        (Some((id, then)), Some((here, up))) if id == here => up.saturating_sub(then),
        _ => now.wall.duration_since(last.wall).unwrap_or(Duration::ZERO),
    };
    Event::Extend {
        by: by.saturating_sub(elapsed),
        reason: reason.clone(),
    }
}
