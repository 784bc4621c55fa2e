//! A component's pool: its `.pool` record, and which instances are inside.

use std::sync::{Mutex, PoisonError};

use super::{
    changes::changed,
    identity::{failure_here, of_this_container},
};
use crate::{
    Error, MAX_POOL_SIZE,
    declaration::Declaration,
    host::Identity,
    record::{Event, Owner, Parsed},
    registry,
    store::{self, Contents, HeartbeatFile},
};

/// A component's pool, as this process recorded it.
#[derive(Debug)]
pub(crate) struct Pool {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: Option<HeartbeatFile>,
    size: Option<u32>,
}

impl Pool {
    pub(crate) const fn new() -> Pool {
        Pool {
            state: Mutex::new(State {
                file: None,
                size: None,
            }),
        }
    }

    /// The pool size this process recorded, if any.
    pub(crate) fn size(&self) -> Option<u32> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .size
    }

    /// Records that instances `0..size` of `declaration` exist in this
    /// container.
    pub(crate) fn set_size(&self, declaration: &Declaration, size: u32) -> Result<(), Error> {
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
        let mut pool = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let pool = &mut *pool;
        let file = match &mut pool.file {
            Some(file) => file,
            None => {
                let path = declaration.pool_file();
                registry::claim(&path, self as *const Pool as usize, name)?;
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
        let size = match self.size() {
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
    (ours && of_this_container(&record)).then_some(size)
}
