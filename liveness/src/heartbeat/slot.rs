//! One heartbeat file's writer: the throttle, the open file, the last record.

use std::{
    path::PathBuf,
    sync::{
        Mutex, MutexGuard, PoisonError, TryLockError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use crate::{
    Error, Liveness, clock,
    host::Identity,
    record::{Event, Owner, Record},
    registry,
    store::HeartbeatFile,
};

/// The longest interval between two writes of `beat`.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// `next_due` once the component has failed: `beat` never writes again.
const NEVER: u64 = u64::MAX;

/// The writer of one heartbeat file: a type's own, or one pool instance's.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The end of the throttle's interval on [`clock::coarse_ns`]; 0 at start.
    next_due: AtomicU64,
    state: Mutex<State>,
    /// The last record written, for verdicts from memory. Its own lock, held
    /// only to copy: a write stalled on a slow disk does not hold it.
    last: Mutex<Option<Record>>,
}

#[derive(Debug)]
struct State {
    file: Option<HeartbeatFile>,
    /// The declaration the first write bound this writer to.
    bound: Option<(&'static str, &'static str, Option<&'static str>)>,
    /// Failed: nothing is recorded any more.
    failed: bool,
}

impl Slot {
    pub const fn new() -> Slot {
        Slot {
            next_due: AtomicU64::new(0),
            state: Mutex::new(State {
                file: None,
                bound: None,
                failed: false,
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
        let next = clock::next_due(
            clock::precise_ns(),
            interval::<T>(),
            clock::coarse_tick_ns(),
        );
        if due == NEVER
            || self
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
        self.write::<T>(state, instance, Event::Beat)
    }

    /// Records `event` now, after any write in progress.
    pub fn record<T: Liveness + ?Sized>(
        &self,
        instance: Option<u32>,
        event: Event,
    ) -> Result<(), Error> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let ends_throttle = matches!(event, Event::Extend { .. });
        let failing = matches!(event, Event::Fail { .. });
        self.write::<T>(state, instance, event)?;
        if failing {
            self.next_due.store(NEVER, Ordering::Relaxed);
        } else if ends_throttle {
            // The next beat ends the extension: it must write.
            self.next_due.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The last record this process wrote here, if any.
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
    ) -> Result<(), Error> {
        if state.failed {
            return Ok(()); // dead from now on in this container
        }
        let declaration = (T::NAME, T::PATH, T::PATH_ENV);
        let path = match state.bound {
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
            Some(_) => None,
            None => Some(path_of::<T>(instance)),
        };
        if let Some(path) = path {
            registry::claim(&path, self as *const Slot as usize, T::NAME)?;
            state.file = Some(HeartbeatFile::new(path));
            state.bound = Some(declaration);
        }
        let file = state.file.as_mut().expect("bound above");
        let identity = Identity::get();
        let owner = Owner::new(T::NAME, instance);
        if let Some(previous) = file.open()? {
            if identity.failed_here(&previous, &owner) {
                // A process of this container declared the failure before
                // this one started: it stands until the container restarts.
                state.failed = true;
                self.next_due.store(NEVER, Ordering::Relaxed);
                return Ok(());
            }
        }
        let record = identity.record(Some(owner), event);
        let bytes = record.encode().ok_or_else(|| Error::InvalidTime {
            path: file.path().to_owned(),
        })?;
        file.write(&bytes)?;
        if matches!(record.event, Event::Fail { .. }) {
            state.failed = true;
        }
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(record);
        Ok(())
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
