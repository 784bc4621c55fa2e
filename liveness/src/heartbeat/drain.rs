//! [`drain`](crate::drain): this process stops taking traffic, for good.

use std::sync::{Mutex, OnceLock, PoisonError};

use super::{slot::Caller, writer::Heartbeat};
use crate::record::bounded_reason;

/// The reason given to the first `drain`; set once, for the life of the
/// process.
static DRAINING: OnceLock<String> = OnceLock::new();

/// Every slot of this process that has written: its type's writer and its
/// instance. Slots are never dropped (a type's is in its `static`, an
/// instance's in the type's map).
static WRITERS: Mutex<Vec<(&'static Heartbeat, Option<u32>)>> = Mutex::new(Vec::new());

/// The reason this process drains, once it does.
#[inline]
pub(crate) fn reason() -> Option<&'static str> {
    DRAINING.get().map(String::as_str)
}

/// Remembers a slot at its first write, for [`drain`].
pub(crate) fn register(heartbeat: &'static Heartbeat, instance: Option<u32>) {
    WRITERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((heartbeat, instance));
}

/// Marks this process as draining (the first reason stays), then writes it
/// into the file of every component and pool instance this process has
/// written. Every file is tried; the first error is returned.
pub(crate) fn drain(reason: &str, caller: Caller) -> Result<(), crate::Error> {
    let _ = DRAINING.set(bounded_reason(reason).to_owned());
    super::changes::changed();
    let writers = WRITERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut first = Ok(());
    for (heartbeat, instance) in writers {
        let written = match instance {
            None => heartbeat.own().drain(heartbeat, None, caller),
            Some(index) => heartbeat
                .existing_instance(index)
                .map_or(Ok(()), |slot| slot.drain(heartbeat, instance, caller)),
        };
        if first.is_ok() {
            first = written;
        }
    }
    first
}
