//! One heartbeat file's writer: the throttle, the open file, the last record.

use std::{
    path::PathBuf,
    sync::{
        Mutex, MutexGuard, PoisonError, TryLockError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

mod failure;

use failure::{Call, Failure};

use crate::{
    Error, Liveness, clock,
    host::Identity,
    record::{Event, Owner, Record},
    registry,
    store::HeartbeatFile,
};

/// The longest interval between two writes of `beat`.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// `next_due` once a failure is in the file: `beat` never writes again.
const NEVER: u64 = u64::MAX;

/// The writer of one heartbeat file: a type's own, or one pool instance's.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The end of the throttle's interval on [`clock::coarse_ns`]; 0 at start.
    next_due: AtomicU64,
    state: Mutex<State>,
    /// The last record that reached the file, or, once failed, the failure
    /// (even before its write lands), for verdicts from memory. Its own
    /// lock, held only to copy: a write stalled on a slow disk does not
    /// hold it.
    last: Mutex<Option<Record>>,
}

#[derive(Debug)]
struct State {
    file: Option<HeartbeatFile>,
    /// The declaration the first write bound this writer to.
    bound: Option<(&'static str, &'static str, Option<&'static str>)>,
    /// Failed in this container: by this process, or found in the file.
    failure: Option<Failure>,
    /// A pool instance admitted by its container's `.pool` record.
    admitted: bool,
}

impl Slot {
    pub const fn new() -> Slot {
        Slot {
            next_due: AtomicU64::new(0),
            state: Mutex::new(State {
                file: None,
                bound: None,
                failure: None,
                admitted: false,
            }),
            last: Mutex::new(None),
        }
    }

    /// Writes a beat unless one was written less than `min(max_age / 10,
    /// 1 s)`, less its margin (see [`clock`]), ago.
    ///
    /// The skip path is one coarse clock read and one atomic load. When a write is
    /// due, one caller claims it with a compare-and-swap and writes; the
    /// others return at once, and so does the claimant when another write is
    /// in progress, so concurrent callers never wait for each other.
    #[inline]
    pub fn beat<T: Liveness + ?Sized>(&self, instance: Option<u32>) -> Result<(), Error> {
        let now = clock::coarse_ns();
        let due = self.next_due.load(Ordering::Relaxed);
        if clock::throttled(due, now, interval::<T>()) {
            return Ok(());
        }
        self.claim_and_write::<T>(due, instance)
    }

    #[cold]
    #[inline(never)]
    fn claim_and_write<T: Liveness + ?Sized>(
        &self,
        due: u64,
        instance: Option<u32>,
    ) -> Result<(), Error> {
        if due == NEVER {
            return Ok(()); // failed, and the failure is in the file
        }
        let next = clock::next_due(
            clock::precise_ns(),
            interval::<T>(),
            clock::coarse_tick_ns(),
        );
        if self
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
        self.write::<T>(state, instance, Event::Beat, Call::Beat)
    }

    /// Records `event` now, after any write in progress.
    pub fn record<T: Liveness + ?Sized>(
        &self,
        instance: Option<u32>,
        event: Event,
    ) -> Result<(), Error> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let ends_throttle = matches!(event, Event::Extend { .. });
        let call = match event {
            Event::Fail { .. } => Call::Fail,
            _ => Call::Now,
        };
        self.write::<T>(state, instance, event, call)?;
        if ends_throttle {
            // The next beat ends the extension: it must write.
            self.next_due.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The last record that reached the file; once failed, the failure,
    /// whether or not its write has landed yet.
    pub fn last(&self) -> Option<Record> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn write<T: Liveness + ?Sized>(
        &self,
        mut state: MutexGuard<'_, State>,
        instance: Option<u32>,
        event: Event,
        call: Call,
    ) -> Result<(), Error> {
        self.bind::<T>(&mut state, instance)?;
        if state.failure.is_some() {
            return self.after_failure::<T>(&mut state, instance, call);
        }
        let record = Identity::get().record(Some(Owner::new(T::NAME, instance)), event);
        let file = state.file.as_mut().expect("bound above");
        let bytes = record.encode().ok_or_else(|| Error::InvalidTime {
            path: file.path().to_owned(),
        })?;
        let written = file
            .open()
            .and_then(|_| file.write(&bytes, call != Call::Beat));
        match written {
            Ok(false) => Ok(()), // another process is writing: skipped
            Ok(true) => {
                if call == Call::Fail {
                    self.failed(&mut state, record.clone(), false);
                }
                self.set_last(record);
                Ok(())
            }
            Err(Error::Failed { .. }) if self.adopt(&mut state) => {
                self.after_failure::<T>(&mut state, instance, call)
            }
            Err(error) => {
                if call == Call::Fail {
                    // Dead from now on all the same; the write is retried.
                    self.failed(&mut state, record, true);
                }
                Err(error)
            }
        }
    }

    /// Binds this writer to `T`'s declaration at its first write (claiming
    /// the path), and checks that a pool instance is inside the pool.
    fn bind<T: Liveness + ?Sized>(
        &self,
        state: &mut State,
        instance: Option<u32>,
    ) -> Result<(), Error> {
        let declaration = (T::NAME, T::PATH, T::PATH_ENV);
        match state.bound {
            Some(bound) if bound != declaration => {
                return Err(Error::SharedWriter {
                    name: T::NAME.to_owned(),
                    path: state
                        .file
                        .as_ref()
                        .map(|f| f.path().to_owned())
                        .unwrap_or_default(),
                });
            }
            Some(_) => {}
            None => {
                let path = path_of::<T>(instance);
                registry::claim(&path, self as *const Slot as usize, T::NAME)?;
                state.file = Some(HeartbeatFile::new(path));
                state.bound = Some(declaration);
            }
        }
        match instance {
            Some(index) => T::heartbeat().admit::<T>(index, &mut state.admitted),
            None => Ok(()),
        }
    }

    pub(super) fn set_last(&self, record: Record) {
        let change = !matches!(record.event, Event::Beat);
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(record);
        if change {
            super::changed();
        }
    }
}

/// The throttle's interval of `T`, in nanoseconds.
#[inline]
fn interval<T: Liveness + ?Sized>() -> u64 {
    (T::MAX_AGE / 10).min(MAX_INTERVAL).as_nanos() as u64
}

/// The heartbeat path of `T`, or of its pool instance: `<path>.<instance>`.
pub(crate) fn path_of<T: Liveness + ?Sized>(instance: Option<u32>) -> PathBuf {
    let path = T::path();
    match instance {
        Some(index) => with_suffix(path, &index.to_string()),
        None => path,
    }
}

/// `path` with `.suffix` appended to its file name.
pub(crate) fn with_suffix(path: PathBuf, suffix: &str) -> PathBuf {
    let mut path = path.into_os_string();
    path.push(".");
    path.push(suffix);
    path.into()
}
