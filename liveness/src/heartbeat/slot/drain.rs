//! [`drain`](crate::drain): this process stops taking traffic, for good,
//! and says so in every file it writes.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::{Error, heartbeat::changes::changed, record::bounded_reason};

/// The reason given to the first `drain`; set once, for the life of the
/// process.
static DRAINING: OnceLock<String> = OnceLock::new();

/// What writes the drain into one file: a closure over a slot that has
/// written (its owner keeps it for the life of the process), made by
/// `slot.rs` at the slot's first write.
pub(crate) type Drainer = Arc<dyn Fn(Caller) -> Result<(), Error> + Send + Sync>;

/// The call's source line, as `#[track_caller]` gives it.
type Caller = &'static std::panic::Location<'static>;

/// Every slot of this process that has written.
static WRITERS: Mutex<Vec<Drainer>> = Mutex::new(Vec::new());

/// The reason this process drains, once it does.
#[inline]
pub(crate) fn reason() -> Option<&'static str> {
    DRAINING.get().map(String::as_str)
}

/// Remembers a slot at its first write, for [`drain`].
pub(crate) fn register(drainer: Drainer) {
    WRITERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(drainer);
}

/// Marks this process as draining (the first reason stays), then writes it
/// into the file of every component and pool instance this process has
/// written. Every file is tried; the first error is returned.
pub(crate) fn drain(reason: &str, caller: Caller) -> Result<(), Error> {
    let _ = DRAINING.set(bounded_reason(reason).to_owned());
    changed();
    // A copy: a slot's first write, which registers it, never waits for
    // the writes below.
    let writers = WRITERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut first = Ok(());
    for drainer in &writers {
        let written = drainer(caller);
        if first.is_ok() {
            first = written;
        }
    }
    first
}
