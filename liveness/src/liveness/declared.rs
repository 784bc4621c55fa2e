//! [`Declared`]: a type's one declaration value, from its constants.

use crate::{
    Error, Liveness,
    declaration::Declaration,
    heartbeat::{Caller, Handle, Target},
    record::Event,
};

/// The one declaration value of a type, built from its constants: what its
/// writer, its [`Component`](crate::Component) and its verdicts read.
pub(crate) trait Declared {
    const DECLARATION: Declaration;

    /// What a write of the type's own heartbeat is for.
    fn own<'a>(declaration: &'a Declaration) -> Target<'a>;

    /// Records `event` in the type's own heartbeat, for `caller`.
    fn record_own(event: Event, caller: Caller) -> Result<(), Error>;

    /// Records the type's own readiness (`None`: ready), for `caller`.
    fn ready_own(reason: Option<&str>, caller: Caller) -> Result<(), Error>;
}

impl<T: Liveness + ?Sized> Declared for T {
    const DECLARATION: Declaration = Declaration::declared(
        T::NAME,
        (T::PATH, T::PATH_ENV),
        T::MAX_AGE,
        T::STARTUP_GRACE,
        T::MAX_EXTEND,
    );

    #[inline]
    fn own<'a>(declaration: &'a Declaration) -> Target<'a> {
        Target {
            declaration,
            pool: T::heartbeat().pool(),
            slot: Handle::Own(T::heartbeat().own()),
            instance: None,
        }
    }

    fn record_own(event: Event, caller: Caller) -> Result<(), Error> {
        let declaration = Self::DECLARATION;
        let target = Self::own(&declaration);
        T::heartbeat().own().record(target, event, caller)
    }

    #[inline]
    fn ready_own(reason: Option<&str>, caller: Caller) -> Result<(), Error> {
        let slot = T::heartbeat().own();
        // Repeating what was said writes nothing: checked before the
        // declaration is built, as `beat` does with its throttle.
        if slot.repeats(reason) {
            return Ok(());
        }
        let declaration = Self::DECLARATION;
        slot.set_ready(Self::own(&declaration), reason, caller)
    }
}
