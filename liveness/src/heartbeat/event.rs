//! What a call asks to record, checked against its declaration.

use std::time::Duration;

use crate::{
    Error,
    declaration::Declaration,
    record::{Event, bounded_reason},
};

/// The extension `declaration` may record, or why not.
pub(crate) fn extension(
    declaration: &Declaration,
    by: Duration,
    reason: &str,
) -> Result<Event, Error> {
    match declaration.max_extend() {
        None => Err(Error::ExtendNotDeclared {
            name: declaration.name().to_owned(),
        }),
        Some(max) if by > max => Err(Error::ExtendTooLong {
            name: declaration.name().to_owned(),
            asked: by,
            max,
        }),
        Some(_) => Ok(Event::Extend {
            by,
            reason: bounded_reason(reason).to_owned(),
        }),
    }
}

/// A failure, its reason cut to what a record holds.
pub(crate) fn failure(reason: &str) -> Event {
    Event::Fail {
        reason: bounded_reason(reason).to_owned(),
    }
}
