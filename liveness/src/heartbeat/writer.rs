//! [`Heartbeat`]: the process-wide writer of one component.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
};

use super::{pool::Pool, slot::Slot};
use crate::{Error, declaration::Declaration};

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
    pool: Pool,
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
            pool: Pool::new(),
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

    /// The writers of pool instances `0..size` that this process made, by
    /// index: one lookup for a whole pool.
    pub(crate) fn existing_instances(&self, size: u32) -> Vec<Option<Arc<Slot>>> {
        let instances = self
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut found = vec![None; size as usize];
        for (index, slot) in instances.range(..size) {
            found[*index as usize] = Some(Arc::clone(slot));
        }
        found
    }

    /// The pool size this process recorded, if any.
    pub(crate) fn pool_size(&self) -> Option<u32> {
        self.pool.size()
    }

    /// The type's pool.
    #[inline]
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Records that instances `0..size` of `declaration` exist in this
    /// container.
    pub(crate) fn set_pool_size(&self, declaration: &Declaration, size: u32) -> Result<(), Error> {
        self.pool.set_size(declaration, size)
    }
}
