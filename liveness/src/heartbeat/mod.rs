//! The per-component writer behind [`Liveness::beat`](crate::Liveness::beat)
//! and its pool instances.

mod identity;
mod instance;
mod slot;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

pub use instance::Instance;

/// How many times a writer of this process recorded a change that can turn
/// a verdict at once (a failure, an extension, a pool's size), for answers
/// that are reused for a moment (`http/cache.rs`): a beat only keeps a
/// component alive, and is not counted.
static CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The count of [`CHANGES`] so far.
#[cfg_attr(not(all(feature = "http", unix)), allow(dead_code))]
pub(crate) fn changes() -> u64 {
    CHANGES.load(std::sync::atomic::Ordering::Acquire)
}

/// Counts a change in [`CHANGES`].
pub(crate) fn changed() {
    CHANGES.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}
pub(crate) use identity::failure_here;
pub(crate) use slot::{Slot, Target};

use crate::{
    Error, MAX_POOL_SIZE,
    declaration::Declaration,
    host::Identity,
    record::{Event, Owner, Parsed, REASON_LIMIT, bounded},
    registry,
    store::{self, Contents, HeartbeatFile},
};

/// The process-wide heartbeat writer of one component.
///
/// `#[derive(Liveness)]` gives each component its own `static` `Heartbeat`;
/// a hand-written impl does the same:
///
/// ```
/// use std::time::Duration;
/// use liveness::{Heartbeat, Liveness};
///
/// struct Worker;
///
/// impl Liveness for Worker {
///     const NAME: &'static str = "worker";
///     const MAX_AGE: Duration = Duration::from_secs(90);
///     const PATH: &'static str = "/tmp/liveness/worker";
///
///     fn heartbeat() -> &'static Heartbeat {
///         static HEARTBEAT: Heartbeat = Heartbeat::new();
///         &HEARTBEAT
///     }
/// }
/// ```
///
/// One `Heartbeat` serves one declaration: it keeps the heartbeat file open
/// between writes, the time of the next write due, the pool's instances, and
/// the last record written (from which a server in the service,
/// `Probe::serve_http`, judges it without reading the file). Its path
/// (with the `env` override) is resolved at the first write and kept for
/// the life of the process. A `static` inside a generic
/// function is one for all its instantiations, so a generic impl that
/// returns it would share one writer between components with different
/// paths: the first write binds the writer to its declaration, and a write
/// through it for another declaration is refused with
/// [`Error::SharedWriter`] rather than landing in the wrong file.
#[derive(Debug)]
pub struct Heartbeat {
    own: Slot,
    instances: Mutex<BTreeMap<u32, Arc<Slot>>>,
    pool: Mutex<Pool>,
}

#[derive(Debug)]
struct Pool {
    file: Option<HeartbeatFile>,
    size: Option<u32>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self::new()
    }
}

impl Heartbeat {
    /// A writer that has not written yet.
    pub const fn new() -> Heartbeat {
        Heartbeat {
            own: Slot::new(),
            instances: Mutex::new(BTreeMap::new()),
            pool: Mutex::new(Pool {
                file: None,
                size: None,
            }),
        }
    }

    /// The writer of the type's own heartbeat.
    #[inline]
    pub(crate) fn own(&self) -> &Slot {
        &self.own
    }

    /// The writer of pool instance `index`, made on first use.
    pub(crate) fn instance(&self, index: u32) -> Arc<Slot> {
        let mut instances = self
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            instances
                .entry(index)
                .or_insert_with(|| Arc::new(Slot::new())),
        )
    }

    /// The writer of pool instance `index`, if this process made it.
    pub(crate) fn existing_instance(&self, index: u32) -> Option<Arc<Slot>> {
        let instances = self
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        instances.get(&index).cloned()
    }

    /// The pool size this process recorded, if any.
    pub(crate) fn pool_size(&self) -> Option<u32> {
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .size
    }

    /// Records that instances `0..size` of `declaration` exist in this
    /// container.
    pub(crate) fn set_pool_size(&self, declaration: &Declaration, size: u32) -> Result<(), Error> {
        let name = declaration.name();
        if size == 0 {
            return Err(Error::EmptyPool {
                name: name.to_owned(),
            });
        }
        if size > MAX_POOL_SIZE {
            return Err(Error::PoolTooLarge {
                name: name.to_owned(),
                size,
            });
        }
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        let pool = &mut *pool;
        let file = match &mut pool.file {
            Some(file) => file,
            None => {
                let path = declaration.pool_file();
                registry::claim(&path, &self.pool as *const _ as usize, name)?;
                pool.file.insert(HeartbeatFile::new(path, failure_here))
            }
        };
        let record = Identity::get().record(Some(Owner::new(name, None)), Event::Pool { size });
        let bytes = record.encode().ok_or_else(|| Error::InvalidTime {
            path: file.path().to_owned(),
        })?;
        file.open()?;
        file.write(&bytes, true)?;
        pool.size = Some(size);
        changed();
        Ok(())
    }

    /// Whether pool instance `index` of `declaration` may write: inside the pool this
    /// process declared, else inside the one its container's `.pool` record
    /// declares (read until it admits the instance, then `admitted`).
    ///
    /// # Errors
    ///
    /// [`Error::OutsidePool`]: the pool never grows implicitly, and an
    /// instance past it would never be judged.
    pub(crate) fn admit(
        &self,
        declaration: &Declaration,
        index: u32,
        admitted: &mut bool,
    ) -> Result<(), Error> {
        let size = match self.pool_size() {
            Some(size) => size,
            None if *admitted => return Ok(()),
            None => container_pool_size(declaration).unwrap_or(0),
        };
        if index < size {
            *admitted = true;
            return Ok(());
        }
        Err(Error::OutsidePool {
            name: declaration.name().to_owned(),
            index,
            size,
        })
    }
}

/// The pool size of `declaration` that a process of this container
/// recorded in `<path>.pool`, if any.
fn container_pool_size(declaration: &Declaration) -> Option<u32> {
    let (Contents::Parsed(Parsed::Record(record)), _) = store::read(&declaration.pool_file())
    else {
        return None;
    };
    let Event::Pool { size } = record.event else {
        return None;
    };
    let ours = record.owner == Some(Owner::new(declaration.name(), None));
    (ours && identity::of_this_container(&record)).then_some(size)
}

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
            reason: bounded(reason, REASON_LIMIT).to_owned(),
        }),
    }
}

/// A failure, its reason cut to what a record holds.
pub(crate) fn failure(reason: &str) -> Event {
    Event::Fail {
        reason: bounded(reason, REASON_LIMIT).to_owned(),
    }
}
