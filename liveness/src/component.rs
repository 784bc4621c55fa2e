//! `Component`: a component as a value, for the probe.

use std::{borrow::Cow, path::PathBuf, time::Duration};

use crate::{Heartbeat, Liveness, declaration::Declaration, liveness::Declared};

/// A component as a value, for the [`Probe`](crate::Probe): from a type, or
/// built at run time from configuration.
///
/// ```
/// use std::time::Duration;
/// use liveness::{Component, Liveness};
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "90s")]
/// struct QueueWorker;
///
/// let derived = Component::of::<QueueWorker>();
/// assert_eq!(derived.name(), "queue-worker");
/// assert_eq!(derived.path(), std::path::Path::new("/tmp/liveness/queue-worker"));
///
/// // The same component, known only from configuration:
/// let configured = Component::new("queue-worker", "/tmp/liveness/queue-worker", Duration::from_secs(90))
///     .startup_grace(Duration::from_secs(90));
/// assert_eq!(configured.max_age(), derived.max_age());
/// ```
#[derive(Clone, Debug)]
pub struct Component {
    pub(crate) declaration: Declaration,
    /// The type's writer, when the component is a type: its last record
    /// lets a server in the same process judge it from memory.
    pub(crate) heartbeat: Option<&'static Heartbeat>,
}

impl Component {
    /// The component `T`.
    pub fn of<T: Liveness>() -> Component {
        Component {
            declaration: <T as Declared>::DECLARATION,
            heartbeat: Some(T::heartbeat()),
        }
    }

    /// A component known at run time: its name (as its writer records it),
    /// heartbeat path and maximum age; the startup grace is `max_age`, and
    /// extensions are honoured as the writer recorded them.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        path: impl Into<PathBuf>,
        max_age: Duration,
    ) -> Component {
        Component {
            declaration: Declaration::fixed(name.into(), path.into(), max_age),
            heartbeat: None,
        }
    }

    /// Sets how long after the container starts a missing heartbeat counts
    /// as starting (default: `max_age`; zero disables it).
    #[must_use]
    pub fn startup_grace(mut self, grace: Duration) -> Component {
        self.declaration = self.declaration.with_startup_grace(grace);
        self
    }

    /// Honours extensions up to `max` only (default for a type: its
    /// `max_extend`; for a run-time component: what the writer recorded).
    ///
    /// ```
    /// use std::time::Duration;
    /// use liveness::Component;
    ///
    /// let indexer = Component::new("indexer", "/tmp/liveness/indexer", Duration::from_secs(30))
    ///     .startup_grace(Duration::from_secs(300))
    ///     .max_extend(Duration::from_secs(3600));
    /// assert_eq!(indexer.grace(), Duration::from_secs(300));
    /// ```
    #[must_use]
    pub fn max_extend(mut self, max: Duration) -> Component {
        self.declaration = self.declaration.with_max_extend(max);
        self
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        self.declaration.name()
    }

    /// The component's heartbeat path, resolved now.
    pub fn path(&self) -> PathBuf {
        self.declaration.path()
    }

    /// The component's maximum age.
    pub fn max_age(&self) -> Duration {
        self.declaration.max_age()
    }

    /// How long after the container starts a missing heartbeat counts as starting.
    pub fn grace(&self) -> Duration {
        self.declaration.startup_grace()
    }
}
