//! One heartbeat file's writer: the throttle, the open file, the last record.

use std::{
    sync::{Mutex, MutexGuard, PoisonError, TryLockError, atomic::Ordering},
    time::Duration,
};

mod bound;
mod drain;
mod memory;
mod ready;
mod said;

pub(crate) use drain::{drain, reason as draining};

use bound::{Bound, Call};
use memory::{Memory, NEVER};

use std::sync::Arc;

use super::{identity::failure_here, pool::Pool};
use crate::{
    Error, clock,
    declaration::Declaration,
    host::Identity,
    record::{Encoder, Event, Location, Owner, Readiness, Record},
    registry,
    store::HeartbeatFile,
};

/// The source line of a call, as `#[track_caller]` gives it.
pub(crate) type Caller = &'static std::panic::Location<'static>;

/// The longest interval between two writes of `beat`.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// What a write is for: the declaration, the type's pool, the slot as
/// `drain` finds it again, and the instance, if the slot is a pool
/// instance's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub declaration: &'a Declaration,
    pub pool: &'static Pool,
    pub slot: Handle<'a>,
    pub instance: Option<u32>,
}

/// The slot written, as it lives for the life of the process.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Handle<'a> {
    /// A type's own, in its `static`.
    Own(&'static Slot),
    /// A pool instance's, kept by its type's map.
    Instance(&'a Arc<Slot>),
}

/// The writer of one heartbeat file: a type's own, or one pool instance's.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The throttle's next due time and the last record: outside the lock.
    memory: Memory,
    /// Bound at the first write: unbound, there is no file either.
    state: Mutex<Option<Bound>>,
}

impl Slot {
    pub const fn new() -> Slot {
        Slot {
            memory: Memory::new(),
            state: Mutex::new(None),
        }
    }

    /// The throttle of `beat`: `None` while a write is not due (one was
    /// written less than `min(max_age / 10, 1 s)`, less its margin, ago; see
    /// [`clock`]), else the due time to claim with
    /// [`Slot::claim_and_write`].
    ///
    /// The skip path is one coarse clock read and one atomic load. When a
    /// write is due, one caller claims it with a compare-and-swap and
    /// writes; the others return at once, and so does the claimant when
    /// another write is in progress, so concurrent callers never wait for
    /// each other. The caller builds its declaration and target only when a
    /// write is due.
    #[inline]
    pub fn due(&self, max_age: Duration) -> Option<u64> {
        self.due_within(interval(max_age))
    }

    /// [`Slot::due`] for an interval worked out beforehand ([`interval`]),
    /// for a writer whose `max_age` is not a constant.
    #[inline]
    pub fn due_within(&self, interval: u64) -> Option<u64> {
        let now = clock::coarse_ns();
        let due = self.memory.next_due.load(Ordering::Relaxed);
        (!clock::throttled(due, now, interval)).then_some(due)
    }

    /// Claims the write due at `due` and writes a beat (see [`Slot::due`]).
    #[cold]
    #[inline(never)]
    pub fn claim_and_write(
        &self,
        due: u64,
        target: Target<'_>,
        caller: Caller,
    ) -> Result<(), Error> {
        if due == NEVER {
            return Ok(()); // failed, and the failure is in the file
        }
        let next = clock::next_due(
            clock::precise_ns(),
            interval(target.declaration.max_age()),
            clock::coarse_tick_ns(),
        );
        if self
            .memory
            .next_due
            .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Ok(()); // another thread writes this one
        }
        // A failed write is reported once; the next attempt comes when the
        // interval is over, so a broken disk costs at most one syscall burst
        // per interval. A write still in progress (a stalled disk) is not
        // waited for: it will refresh the heartbeat when it completes.
        let state = match self.state.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        self.write(state, target, (Event::Beat, caller), Call::Beat)
    }

    /// Records `event` now, after any write in progress.
    pub fn record(&self, target: Target<'_>, event: Event, caller: Caller) -> Result<(), Error> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let ends_throttle = matches!(event, Event::Extend { .. });
        let call = match event {
            Event::Fail { .. } => Call::Fail,
            _ => Call::Now,
        };
        self.write(state, target, (event, caller), call)?;
        if ends_throttle {
            // The next beat ends the extension: it must write.
            self.memory.next_due.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The last record that reached the file; once failed, the failure,
    /// whether or not its write has landed yet.
    pub fn last(&self) -> Option<Record> {
        self.memory.last()
    }

    /// When the last beat that reached the file was made (boot clock, ns;
    /// 0 before the first).
    #[cfg(all(feature = "systemd", unix))]
    pub fn beat_at(&self) -> u64 {
        self.memory.beat_at()
    }

    /// [`last`](Slot::last), with the file as that write left it (see
    /// `HeartbeatFile::take_landed`).
    pub fn last_landed(&self) -> Option<(Record, Option<crate::store::Landed>)> {
        self.memory.last_landed()
    }

    /// Writes `event`, said by `caller`, with the slot's readiness.
    fn write(
        &self,
        mut state: MutexGuard<'_, Option<Bound>>,
        target: Target<'_>,
        (event, caller): (Event, Caller),
        call: Call,
    ) -> Result<(), Error> {
        let bound = bind(&mut state, self, target)?;
        if bound.failure.is_some() {
            return bound.after_failure(&self.memory, target.instance, call);
        }
        let owner = Owner::new(target.declaration.name(), target.instance);
        // When the beat is made, for systemd's watchdog: read before the
        // record, so never later than the record's own time.
        let at = if cfg!(all(feature = "systemd", unix)) {
            clock::boot_ns()
        } else {
            0
        };
        let mut record = Identity::get().record(Some(owner), event);
        record.ready = match drain::reason() {
            Some(reason) => Readiness::Draining(reason.to_owned()),
            None => bound.ready.clone(),
        };
        record.location = Some(Location::of(caller));
        let file = &mut bound.file;
        let bytes = bound
            .encoder
            .encode(&record)
            .ok_or_else(|| Error::InvalidTime {
                path: file.path().to_owned(),
            })?;
        let written = file
            .open()
            .and_then(|_| file.write(bytes, call != Call::Beat));
        match written {
            Ok(false) => Ok(()), // another process is writing: skipped
            Ok(true) => {
                let landed = file.take_landed();
                if call == Call::Fail {
                    bound.failed(&self.memory, record.clone(), false);
                }
                let beat = matches!(record.event, Event::Beat);
                self.memory.set_last(record, landed, at);
                if beat {
                    super::changes::written();
                }
                Ok(())
            }
            Err(Error::Failed { .. }) if bound.adopt(&self.memory) => {
                bound.after_failure(&self.memory, target.instance, call)
            }
            Err(error) => {
                if call == Call::Fail {
                    // Dead from now on all the same; the write is retried.
                    bound.failed(&self.memory, record, true);
                }
                Err(error)
            }
        }
    }
}

/// Binds `slot` to `target`'s declaration at its first write (claiming the
/// path), and checks that a pool instance is inside the pool.
fn bind<'s>(
    state: &'s mut Option<Bound>,
    slot: &Slot,
    target: Target<'_>,
) -> Result<&'s mut Bound, Error> {
    let declaration = target.declaration;
    let bound = match state {
        Some(bound) if !bound.declaration.same_writer(declaration) => {
            return Err(Error::SharedWriter {
                name: declaration.name().to_owned(),
                path: bound.file.path().to_owned(),
            });
        }
        Some(bound) => bound,
        None => {
            let path = declaration.file(target.instance);
            registry::claim(&path, slot as *const Slot as usize, declaration.name())?;
            drain::register(drainer(&target));
            state.insert(Bound {
                declaration: declaration.clone(),
                file: HeartbeatFile::new(path, failure_here),
                failure: None,
                admitted: false,
                ready: Readiness::Ready,
                encoder: Encoder::new(),
            })
        }
    };
    if let Some(index) = target.instance {
        target.pool.admit(declaration, index, &mut bound.admitted)?;
    }
    Ok(bound)
}

/// What writes the process's drain into `target`'s slot (see
/// `slot/drain.rs`).
fn drainer(target: &Target<'_>) -> drain::Drainer {
    let (pool, instance) = (target.pool, target.instance);
    match target.slot {
        Handle::Own(slot) => {
            Arc::new(move |caller| slot.drain(Handle::Own(slot), pool, instance, caller))
        }
        Handle::Instance(slot) => {
            let slot = Arc::clone(slot);
            Arc::new(move |caller| slot.drain(Handle::Instance(&slot), pool, instance, caller))
        }
    }
}

/// The throttle's interval for `max_age`, in nanoseconds.
#[inline]
pub(crate) fn interval(max_age: Duration) -> u64 {
    (max_age / 10).min(MAX_INTERVAL).as_nanos() as u64
}
