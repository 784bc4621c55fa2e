//! `Component`: a component as a value, for the probe.

use std::{borrow::Cow, path::PathBuf, time::Duration};

use crate::{Heartbeat, Liveness};

/// The `env` variable's value when set and non-empty, else `path`.
pub(crate) fn resolve_path(path: &str, env: Option<&str>) -> PathBuf {
    env.and_then(std::env::var_os)
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from(path), PathBuf::from)
}

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
    pub(crate) name: Cow<'static, str>,
    path: PathSource,
    pub(crate) max_age: Duration,
    pub(crate) startup_grace: Duration,
    pub(crate) max_extend: Option<Duration>,
    /// The type's writer, when the component is a type: its last record
    /// lets a server in the same process judge it from memory.
    pub(crate) heartbeat: Option<&'static Heartbeat>,
}

#[derive(Clone, Debug)]
enum PathSource {
    Declared(&'static str, Option<&'static str>),
    Fixed(PathBuf),
}

impl Component {
    /// The component `T`.
    pub fn of<T: Liveness>() -> Component {
        Component {
            name: Cow::Borrowed(T::NAME),
            path: PathSource::Declared(T::PATH, T::PATH_ENV),
            max_age: T::MAX_AGE,
            startup_grace: T::STARTUP_GRACE,
            max_extend: Some(T::MAX_EXTEND.unwrap_or_default()),
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
            name: name.into(),
            path: PathSource::Fixed(path.into()),
            max_age,
            startup_grace: max_age,
            max_extend: None,
            heartbeat: None,
        }
    }

    /// Sets how long after the container starts a missing heartbeat counts
    /// as starting (default: `max_age`; zero disables it).
    #[must_use]
    pub fn startup_grace(mut self, grace: Duration) -> Component {
        self.startup_grace = grace;
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
        self.max_extend = Some(max);
        self
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The component's heartbeat path, resolved now.
    pub fn path(&self) -> PathBuf {
        match &self.path {
            PathSource::Declared(path, env) => resolve_path(path, *env),
            PathSource::Fixed(path) => path.clone(),
        }
    }

    /// The component's maximum age.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How long after the container starts a missing heartbeat counts as starting.
    pub fn grace(&self) -> Duration {
        self.startup_grace
    }
}
