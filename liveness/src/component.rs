//! The `Liveness` trait, and `Component`, its value form for the probe.

use std::{borrow::Cow, path::PathBuf, time::Duration};

use crate::{Error, Heartbeat, Instance, Status, Timestamp, heartbeat, record::Event};

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
/// fn main() {
///     loop {
///         // ... one unit of work ...
///         if let Err(error) = Worker::beat() {
///             // A full or read-only volume: log it and go on working; the
///             // probe reports the missing beats.
///             eprintln!("{error}");
///         }
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
    /// The longest extension [`extend`](Liveness::extend) may ask for;
    /// `None`: extensions are refused.
    const MAX_EXTEND: Option<Duration> = None;

    /// The process-wide writer of this component: one `static` per type
    /// (see [`Heartbeat`] for why it must not be shared).
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
        Self::heartbeat().own().beat::<Self>(None)
    }

    /// Records a heartbeat now, whatever the throttle says.
    ///
    /// # Errors
    ///
    /// When the write fails (see [`Error`]).
    fn beat_now() -> Result<(), Error> {
        Self::heartbeat().own().record::<Self>(None, Event::Beat)
    }

    /// Declares a long operation: the component stays alive without beats
    /// until `by` from now (or `MAX_AGE`, if longer), and the probe's line
    /// says `extended: <reason>, <time> left`. The next beat ends it.
    ///
    /// `reason` is cut to 120 bytes and escaped wherever it is shown.
    ///
    /// ```
    /// use std::time::Duration;
    /// use liveness::Liveness;
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", max_extend = "1h", path = "/tmp/liveness-doc-extend/indexer")]
    /// struct Indexer;
    ///
    /// Indexer::extend(Duration::from_secs(600), "reindexing")?;
    /// let status = Indexer::check();
    /// assert!(status.to_string().starts_with("indexer: alive: extended: reindexing, 10m left"));
    /// assert!(Indexer::extend(Duration::from_secs(7200), "too long").is_err());
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-extend").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ExtendNotDeclared`] without `max_extend`,
    /// [`Error::ExtendTooLong`] above it (nothing is recorded in either
    /// case), or a failed write.
    fn extend(by: Duration, reason: &str) -> Result<(), Error> {
        let event = heartbeat::extension::<Self>(by, reason)?;
        Self::heartbeat().own().record::<Self>(None, event)
    }

    /// Declares the component broken: dead from now on in this container,
    /// whatever beats follow, and the probe's line says `failed: <reason>`.
    /// A container restart clears it.
    ///
    /// ```
    /// use liveness::{Liveness, Verdict};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-fail/store")]
    /// struct Store;
    ///
    /// Store::fail("lost the database schema")?;
    /// Store::beat_now()?; // changes nothing
    /// assert_eq!(Store::check().verdict(), Verdict::Dead);
    /// assert!(Store::check().to_string().starts_with("store: dead: failed: lost the database schema"));
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-fail").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the write fails (see [`Error`]).
    fn fail(reason: &str) -> Result<(), Error> {
        Self::heartbeat()
            .own()
            .record::<Self>(None, heartbeat::failure(reason))
    }

    /// Pool instance `index`: a heartbeat of its own, beside the type's,
    /// at the type's path with `.<index>` appended. See [`Instance`].
    ///
    /// ```
    /// use liveness::Liveness;
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-instance/consumer")]
    /// struct Consumer;
    ///
    /// let me = Consumer::instance(2);
    /// assert_eq!(me.path(), std::path::Path::new("/tmp/liveness-doc-instance/consumer.2"));
    /// me.beat()?;
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-instance").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    fn instance(index: u32) -> Instance<Self> {
        Instance::new(index)
    }

    /// Records, for this container, that instances `0..size` of the pool
    /// exist (in `<path>.pool`). The probe then judges every instance, one
    /// line each (`consumer[2]: dead: ...`), and is dead if any is; an
    /// instance that never beat is judged with the startup grace. Call it
    /// again to grow or shrink the pool: instances past the new size are no
    /// longer judged. The type's own heartbeat, if it beats, is judged too.
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-pool/consumer")]
    /// struct Consumer;
    ///
    /// Consumer::pool_size(3)?;
    /// for i in 0..3 {
    ///     Consumer::instance(i).beat()?;
    /// }
    /// let lines: Vec<String> = Probe::new([Component::of::<Consumer>()])
    ///     .statuses()
    ///     .iter()
    ///     .map(ToString::to_string)
    ///     .collect();
    /// assert_eq!(lines.len(), 3);
    /// assert!(lines[2].starts_with("consumer[2]: alive: last heartbeat "));
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-pool").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::PoolTooLarge`] above [`MAX_POOL_SIZE`](crate::MAX_POOL_SIZE),
    /// or a failed write.
    fn pool_size(size: u32) -> Result<(), Error> {
        Self::heartbeat().set_pool_size::<Self>(size)
    }

    /// Reads the heartbeat as the probe does (the type's own, not its pool).
    fn timestamp() -> Timestamp {
        Timestamp::byref(Self::path(), Self::MAX_AGE)
            .with_name(Self::NAME)
            .with_startup_grace(Self::STARTUP_GRACE)
            .with_max_extend(Self::MAX_EXTEND.unwrap_or_default())
    }

    /// The verdict the probe would give now on the type's own heartbeat.
    fn check() -> Status {
        Self::timestamp().check()
    }
}

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
