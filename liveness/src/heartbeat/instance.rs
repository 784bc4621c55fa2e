//! [`Instance`]: one member of a component's pool.

use std::{fmt, marker::PhantomData, panic::Location, path::PathBuf, sync::Arc, time::Duration};

use super::slot::{self, Handle, Slot, Target};
use super::{event, writer::Heartbeat};
use crate::{Error, declaration::Declaration, record::Event};

/// One instance of a pool of identical workers, with a heartbeat of its own:
/// what [`Liveness::instance`](crate::Liveness::instance) returns.
///
/// An owned handle, `Send` and `'static`: move it into the thread or task
/// that does the instance's work. Its methods cost what the type's do; two
/// handles of the same instance share one writer.
///
/// An instance must be inside the pool ([`Liveness::pool_size`](crate::Liveness::pool_size), by this
/// process, else by another process of this container, read at the
/// instance's first write): outside it, each of its methods returns
/// [`Error::OutsidePool`] and writes nothing, until the pool grows to
/// include it. Once failed ([`fail`](Self::fail)), it stays failed in this
/// container, as [`Liveness::fail`](crate::Liveness::fail) says for the type.
///
/// ```
/// use std::time::Duration;
/// use liveness::Liveness;
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "30s", max_extend = "1h")]
/// # #[liveness(path = "/tmp/liveness-doc/consumer")]
/// struct Consumer;
///
/// Consumer::pool_size(4)?; // this container runs instances 0..4
/// let workers: Vec<_> = (0..4)
///     .map(|i| {
///         let me = Consumer::instance(i);
///         std::thread::spawn(move || -> Result<(), liveness::Error> {
///             me.beat()?; // in the instance's loop
///             if me.index() == 2 {
///                 me.extend(Duration::from_secs(600), "reindexing")?;
///             }
///             Ok(())
///         })
///     })
///     .collect();
/// for worker in workers {
///     worker.join().unwrap()?;
/// }
/// # std::fs::remove_dir_all("/tmp/liveness-doc").unwrap();
/// # Ok::<(), liveness::Error>(())
/// ```
pub struct Instance<T: ?Sized> {
    index: u32,
    slot: Arc<Slot>,
    /// The type's writer, which keeps the pool.
    heartbeat: &'static Heartbeat,
    declaration: Declaration,
    /// The throttle's interval in nanoseconds, worked out once.
    interval: u64,
    component: PhantomData<fn() -> T>,
}

impl<T: ?Sized> Instance<T> {
    /// Instance `index` of the type declared by `declaration`, whose writer
    /// is `heartbeat`.
    pub(crate) fn new(
        heartbeat: &'static Heartbeat,
        declaration: Declaration,
        index: u32,
    ) -> Instance<T> {
        Instance {
            index,
            slot: heartbeat.instance(index),
            heartbeat,
            interval: slot::interval(declaration.max_age()),
            declaration,
            component: PhantomData,
        }
    }

    /// The instance's number in the pool.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The instance's heartbeat file: the type's path with `.<index>`
    /// appended (`/tmp/liveness/consumer.2`).
    pub fn path(&self) -> PathBuf {
        self.declaration.file(Some(self.index))
    }

    /// Records a heartbeat of this instance, as [`Liveness::beat`](crate::Liveness::beat) does for
    /// the type: at most once per `min(MAX_AGE / 10, 1 s)`, less a tenth,
    /// otherwise one coarse clock read and one atomic load. After a
    /// failure, `Ok` and nothing written.
    ///
    /// # Errors
    ///
    /// [`Error::OutsidePool`], or when a due write fails (see [`Error`]).
    #[inline]
    #[track_caller]
    pub fn beat(&self) -> Result<(), Error> {
        match self.slot.due_within(self.interval) {
            None => Ok(()),
            Some(due) => self
                .slot
                .claim_and_write(due, self.target(), Location::caller()),
        }
    }

    /// Records a heartbeat of this instance now.
    ///
    /// # Errors
    ///
    /// [`Error::OutsidePool`]; [`Error::Failed`] once the instance failed in
    /// this container; or when the write fails (see [`Error`]).
    #[track_caller]
    pub fn beat_now(&self) -> Result<(), Error> {
        self.slot
            .record(self.target(), Event::Beat, Location::caller())
    }

    /// Keeps this instance alive without beats for `by` from now, saying
    /// why; see [`Liveness::extend`](crate::Liveness::extend).
    ///
    /// # Errors
    ///
    /// [`Error::ExtendNotDeclared`], [`Error::ExtendTooLong`],
    /// [`Error::OutsidePool`] or [`Error::Failed`] (nothing is recorded), or
    /// a failed write.
    #[track_caller]
    pub fn extend(&self, by: Duration, reason: &str) -> Result<(), Error> {
        let event = event::extension(&self.declaration, by, reason)?;
        self.slot.record(self.target(), event, Location::caller())
    }

    /// Declares this instance broken; see [`Liveness::fail`](crate::Liveness::fail): sticky in this
    /// container, kept in memory and retried when its write fails, a second
    /// `fail` keeps the first reason. The other instances go on as they
    /// are; the probe is dead while any instance is. Fail the instance
    /// whose work is broken; fail the type when the whole service is.
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe, Verdict};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-instance-fail/consumer")]
    /// struct Consumer;
    ///
    /// Consumer::pool_size(2)?;
    /// Consumer::instance(0).beat()?;
    /// Consumer::instance(1).fail("poisoned message")?;
    /// let statuses = Probe::new([Component::of::<Consumer>()]).statuses();
    /// assert_eq!(statuses[0].verdict(), Verdict::Alive);
    /// assert!(statuses[1].to_string().starts_with("consumer[1]: dead: failed: poisoned message"));
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-instance-fail").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutsidePool`] (nothing recorded), or when the write fails
    /// (see [`Error`]; the failure stands all the same, and is retried).
    #[track_caller]
    pub fn fail(&self, reason: &str) -> Result<(), Error> {
        self.slot
            .record(self.target(), event::failure(reason), Location::caller())
    }

    /// Takes this instance out of traffic, saying why; see
    /// [`Liveness::unready`](crate::Liveness::unready). The other instances
    /// go on as they are; the component is not ready while any instance is
    /// not.
    ///
    /// # Errors
    ///
    /// [`Error::OutsidePool`] (nothing recorded), or when the write fails
    /// (see [`Error`]; this process keeps the state, and its next due beat
    /// writes it).
    #[inline]
    #[track_caller]
    pub fn unready(&self, reason: &str) -> Result<(), Error> {
        self.slot
            .set_ready(self.target(), Some(reason), Location::caller())
    }

    /// Puts this instance back into traffic; see
    /// [`Liveness::ready`](crate::Liveness::ready).
    ///
    /// # Errors
    ///
    /// [`Error::OutsidePool`], [`Error::Failed`] once the instance failed in
    /// this container, or when the write fails.
    #[inline]
    #[track_caller]
    pub fn ready(&self) -> Result<(), Error> {
        self.slot.set_ready(self.target(), None, Location::caller())
    }
}

impl<T: ?Sized> Instance<T> {
    /// What this instance's writes are for.
    #[inline]
    fn target(&self) -> Target<'_> {
        Target {
            declaration: &self.declaration,
            pool: self.heartbeat.pool(),
            slot: Handle::Instance(&self.slot),
            instance: Some(self.index),
        }
    }
}

impl<T: ?Sized> Clone for Instance<T> {
    fn clone(&self) -> Self {
        Instance {
            index: self.index,
            slot: Arc::clone(&self.slot),
            heartbeat: self.heartbeat,
            declaration: self.declaration.clone(),
            interval: self.interval,
            component: PhantomData,
        }
    }
}

impl<T: ?Sized> fmt::Debug for Instance<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}
