//! The `Liveness` trait: a component's declaration and what it records.

use std::{panic::Location, path::PathBuf, time::Duration};

use crate::{Error, Heartbeat, Instance, Status, Timestamp, heartbeat, record::Event};

mod declared;

pub(crate) use declared::Declared;

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
        <Self as Declared>::DECLARATION.path()
    }

    /// Records a heartbeat, touching the disk at most once per
    /// `min(MAX_AGE / 10, 1 s)`, less a tenth (a margin for the coarse clock
    /// it reads); otherwise one coarse clock read and one atomic load.
    ///
    /// A loop that calls `beat` at least every `MAX_AGE - 1 s` is never
    /// reported dead. The path is resolved at the first write.
    ///
    /// After [`fail`](Self::fail), `beat` writes nothing and returns `Ok`
    /// (a hot loop does not log every iteration); a failure whose write
    /// failed is retried at each due beat instead.
    ///
    /// # Errors
    ///
    /// When a due write fails (see [`Error`]); the next write is attempted
    /// when the interval is over.
    #[inline]
    #[track_caller]
    fn beat() -> Result<(), Error> {
        let slot = Self::heartbeat().own();
        match slot.due(Self::MAX_AGE) {
            None => Ok(()),
            Some(due) => {
                let declaration = <Self as Declared>::DECLARATION;
                let target = <Self as Declared>::own(&declaration);
                slot.claim_and_write(due, target, Location::caller())
            }
        }
    }

    /// Records a heartbeat now, whatever the throttle says. Like every
    /// write, it first checks under a lock that the file does not declare a
    /// failure of this container (see [`fail`](Self::fail)).
    ///
    /// # Errors
    ///
    /// [`Error::Failed`] once the component failed in this container (by
    /// this process or another; nothing is written), or when the write
    /// fails (see [`Error`]).
    #[track_caller]
    fn beat_now() -> Result<(), Error> {
        <Self as Declared>::record_own(Event::Beat, Location::caller())
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
    /// [`Error::ExtendTooLong`] above it, [`Error::Failed`] after a failure
    /// in this container (nothing is recorded in any of these cases), or a
    /// failed write.
    #[track_caller]
    fn extend(by: Duration, reason: &str) -> Result<(), Error> {
        let event = heartbeat::extension(&<Self as Declared>::DECLARATION, by, reason)?;
        <Self as Declared>::record_own(event, Location::caller())
    }

    /// Declares the component broken: dead from now on in this container,
    /// whatever beats follow, and the probe's line says `failed: <reason>`.
    ///
    /// Failures are sticky per container: no later write from this
    /// container (this process or another, a nested mount or PID namespace,
    /// any API including [`Timestamp::create`]) makes the component alive.
    /// Afterwards [`beat`](Self::beat) returns `Ok(())` and writes nothing;
    /// [`beat_now`](Self::beat_now) and [`extend`](Self::extend) return
    /// [`Error::Failed`]; a second `fail` keeps the first reason. When the
    /// write of the failure fails (a full or read-only disk), the failure is
    /// kept in memory (the in-process verdict, `/livez`, is dead at once)
    /// and written at every later due beat until it lands.
    ///
    /// To clear it: in a container, restart the container. On a host with
    /// no container (a developer's machine), stop the process, delete the
    /// heartbeat file, start it again. In a pool, fail the instance whose
    /// work is broken (`Consumer::instance(i).fail(..)`), or the type when
    /// the whole service is; either makes the probe dead.
    ///
    /// ```
    /// use liveness::{Liveness, Verdict};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-fail/store")]
    /// struct Store;
    ///
    /// Store::fail("lost the database schema")?;
    /// assert!(matches!(Store::beat_now(), Err(liveness::Error::Failed { .. })));
    /// Store::beat()?; // Ok, and writes nothing
    /// assert_eq!(Store::check().verdict(), Verdict::Dead);
    /// assert!(Store::check().to_string().starts_with("store: dead: failed: lost the database schema"));
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-fail").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the write fails (see [`Error`]); the failure stands all the
    /// same, and the write is retried.
    #[track_caller]
    fn fail(reason: &str) -> Result<(), Error> {
        <Self as Declared>::record_own(heartbeat::failure(reason), Location::caller())
    }

    /// Takes the component out of traffic, saying why (`/readyz` and
    /// `--ready` answer "not ready"), without touching its liveness: never
    /// restarted for it, and [`fail`](Self::fail) still wins.
    /// [`ready`](Self::ready) puts it back; see [`Status::is_ready`]. A call
    /// repeating what this process last said writes nothing and costs about
    /// a skipped [`beat`](Self::beat); a change is written at once (a
    /// heartbeat too; an extension keeps its end). `reason` is bounded and
    /// escaped as for `fail`. A new process starts ready.
    ///
    /// # Errors
    ///
    /// When the write fails (see [`Error`]); this process keeps the state,
    /// and its next due beat writes it.
    #[inline]
    #[track_caller]
    fn unready(reason: &str) -> Result<(), Error> {
        <Self as Declared>::ready_own(Some(reason), Location::caller())
    }

    /// Puts the component back into traffic after [`unready`](Self::unready):
    /// ready again while it is alive. Nothing undoes [`drain`](crate::drain):
    /// after it, `ready` is `Ok` and changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Failed`] once the component failed in this container, or
    /// when the write fails.
    #[inline]
    #[track_caller]
    fn ready() -> Result<(), Error> {
        <Self as Declared>::ready_own(None, Location::caller())
    }

    /// Pool instance `index`: a heartbeat of its own, beside the type's,
    /// at the type's path with `.<index>` appended. See [`Instance`].
    ///
    /// Pools never hide a worker: an instance must be inside the pool
    /// declared with [`pool_size`](Self::pool_size), by this process or,
    /// read at the instance's first write, by another process of this
    /// container. Outside it, every call of the instance returns
    /// [`Error::OutsidePool`] and writes nothing; the pool never grows
    /// implicitly, and an instance refused earlier works once the pool
    /// includes it.
    ///
    /// ```
    /// use liveness::{Error, Liveness};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-instance/consumer")]
    /// struct Consumer;
    ///
    /// assert!(matches!(Consumer::instance(2).beat(), Err(Error::OutsidePool { .. })));
    /// Consumer::pool_size(4)?;
    /// let me = Consumer::instance(2);
    /// assert_eq!(me.path(), std::path::Path::new("/tmp/liveness-doc-instance/consumer.2"));
    /// me.beat()?;
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-instance").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    fn instance(index: u32) -> Instance<Self> {
        Instance::new(Self::heartbeat(), <Self as Declared>::DECLARATION, index)
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
    /// A size of 0 is refused ([`Error::EmptyPool`]): a pool that judges
    /// nothing would hide every worker. After a shrink, instances past the
    /// new size are refused ([`Error::OutsidePool`]); one whose file holds a
    /// failure of this container is still judged, dead.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyPool`] for 0 and [`Error::PoolTooLarge`] above
    /// [`MAX_POOL_SIZE`](crate::MAX_POOL_SIZE) (nothing is recorded), or a
    /// failed write.
    fn pool_size(size: u32) -> Result<(), Error> {
        Self::heartbeat().set_pool_size(&<Self as Declared>::DECLARATION, size)
    }

    /// Reads the heartbeat as the probe does (the type's own, not its pool).
    fn timestamp() -> Timestamp {
        Timestamp::of(<Self as Declared>::DECLARATION)
    }

    /// The verdict the probe would give now on the type's own heartbeat.
    fn check() -> Status {
        Self::timestamp().check()
    }
}
