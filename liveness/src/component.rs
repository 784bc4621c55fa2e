//! The `Liveness` trait, and `Component`, its value form for the probe.

use std::{path::PathBuf, time::Duration};

use crate::{Error, Heartbeat, Status, Timestamp};

/// A component of a service that proves it is alive by beating.
///
/// Derive it: `#[derive(Liveness)]` with `#[liveness(max_age = "90s", ...)]`
/// fills in the constants and [`heartbeat`](Liveness::heartbeat); every other
/// method is provided.
///
/// ```no_run
/// use liveness::Liveness;
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "90s", path = "/tmp/liveness/worker")]
/// struct Worker;
///
/// fn main() -> Result<(), liveness::Error> {
///     loop {
///         // ... one unit of work ...
///         Worker::beat()?;
///     }
/// }
/// ```
///
/// `MAX_AGE` has no default: an impl without it does not compile.
pub trait Liveness {
    /// The component's name in messages (default: the type name in kebab-case).
    const NAME: &'static str;
    /// How old the last heartbeat may be before the component counts as dead.
    const MAX_AGE: Duration;
    /// The heartbeat file (default: `/tmp/liveness/<name>`).
    const PATH: &'static str;
    /// An environment variable that, when set and non-empty, overrides `PATH`.
    const PATH_ENV: Option<&'static str> = None;
    /// How long after the container starts a missing heartbeat still counts
    /// as starting (alive). Defaults to `MAX_AGE`; zero disables it.
    const STARTUP_GRACE: Duration = Self::MAX_AGE;
    /// The longest extension `extend` may ask for; `None`: extensions are refused.
    const MAX_EXTEND: Option<Duration> = None;

    /// The process-wide writer of this component: one `static` per type.
    fn heartbeat() -> &'static Heartbeat;

    /// The heartbeat path: the `PATH_ENV` variable when set and non-empty,
    /// else `PATH`.
    fn path() -> PathBuf {
        resolve_path(Self::PATH, Self::PATH_ENV)
    }

    /// Records a heartbeat, touching the disk at most once per
    /// `min(MAX_AGE / 10, 1 s)`; otherwise one clock read and one atomic load.
    ///
    /// A loop that calls `beat` at least every `MAX_AGE - 1 s` is never
    /// reported dead. The path is resolved at the first write.
    ///
    /// # Errors
    ///
    /// When a due write fails (see [`Error`]); the next write is attempted
    /// when the interval is over.
    #[inline]
    fn beat() -> Result<(), Error> {
        Self::heartbeat().beat(Self::path, Self::MAX_AGE)
    }

    /// Records a heartbeat now, whatever the throttle says.
    ///
    /// # Errors
    ///
    /// When the write fails (see [`Error`]).
    fn beat_now() -> Result<(), Error> {
        Self::heartbeat().beat_now(Self::path)
    }

    /// Reads the heartbeat as the probe does.
    fn timestamp() -> Timestamp {
        Timestamp::byref(Self::path(), Self::MAX_AGE)
            .with_name(Self::NAME)
            .with_startup_grace(Self::STARTUP_GRACE)
    }

    /// The verdict the probe would give now.
    fn check() -> Status {
        Self::timestamp().check()
    }
}

pub(crate) fn resolve_path(path: &str, env: Option<&str>) -> PathBuf {
    env.and_then(std::env::var_os)
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from(path), PathBuf::from)
}

/// A [`Liveness`] component as a value, for the [`Probe`](crate::Probe).
///
/// ```
/// use liveness::{Component, Liveness};
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "90s")]
/// struct QueueWorker;
///
/// let component = Component::of::<QueueWorker>();
/// assert_eq!(component.name(), "queue-worker");
/// assert_eq!(component.path(), std::path::Path::new("/tmp/liveness/queue-worker"));
/// assert_eq!(component.max_age().as_secs(), 90);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Component {
    pub(crate) name: &'static str,
    pub(crate) path: fn() -> PathBuf,
    pub(crate) max_age: Duration,
    pub(crate) startup_grace: Duration,
}

impl Component {
    /// The component `T`.
    pub fn of<T: Liveness>() -> Component {
        Component {
            name: T::NAME,
            path: T::path,
            max_age: T::MAX_AGE,
            startup_grace: T::STARTUP_GRACE,
        }
    }

    /// The component's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The component's heartbeat path, resolved now.
    pub fn path(&self) -> PathBuf {
        (self.path)()
    }

    /// The component's maximum age.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }
}
