//! The per-component writer behind [`Liveness::beat`](crate::Liveness::beat).

use std::{
    path::PathBuf,
    sync::{
        Mutex, MutexGuard, TryLockError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use crate::{Error, clock, host::Identity, record::Record, store::Writer};

/// The longest interval between two writes of [`beat`](Heartbeat::beat).
const MAX_INTERVAL: Duration = Duration::from_secs(1);

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
/// It keeps the heartbeat file open between writes and the time of the next
/// write due. The heartbeat path (with its `env` override) is resolved at the
/// first write and kept for the life of the process.
#[derive(Debug)]
pub struct Heartbeat {
    /// Boot-clock nanoseconds before which `beat` does not write; 0 at start.
    next_due: AtomicU64,
    writer: Mutex<Option<Writer>>,
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
            next_due: AtomicU64::new(0),
            writer: Mutex::new(None),
        }
    }

    /// Writes unless a write happened less than `min(max_age / 10, 1 s)` ago.
    ///
    /// The skip path is one clock read and one atomic load. When a write is
    /// due, one caller claims it with a compare-and-swap and writes; the others
    /// return at once, and so does the claimant when a `beat_now` is writing,
    /// so concurrent callers never wait for each other.
    #[inline]
    pub(crate) fn beat(&self, path: fn() -> PathBuf, max_age: Duration) -> Result<(), Error> {
        let now = clock::steady_ns();
        let due = self.next_due.load(Ordering::Relaxed);
        if now < due {
            return Ok(());
        }
        self.claim_and_write(now, due, path, max_age)
    }

    #[cold]
    #[inline(never)]
    fn claim_and_write(
        &self,
        now: u64,
        due: u64,
        path: fn() -> PathBuf,
        max_age: Duration,
    ) -> Result<(), Error> {
        let interval = (max_age / 10).min(MAX_INTERVAL).as_nanos() as u64;
        let next = now.saturating_add(interval);
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
        let guard = match self.writer.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        write(guard, path)
    }

    /// Writes the heartbeat now, after any write in progress.
    pub(crate) fn beat_now(&self, path: fn() -> PathBuf) -> Result<(), Error> {
        let guard = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        write(guard, path)
    }
}

fn write(mut writer: MutexGuard<'_, Option<Writer>>, path: fn() -> PathBuf) -> Result<(), Error> {
    let writer = writer.get_or_insert_with(|| Writer::new(path()));
    let bytes = current_record()
        .encode()
        .ok_or_else(|| Error::InvalidTime {
            path: writer.path().to_owned(),
        })?;
    writer.write(&bytes)
}

/// A record of this process, now.
pub(crate) fn current_record() -> Record {
    let identity = Identity::get();
    let up = clock::boottime();
    Record {
        wall: clock::wall(),
        boot: identity.boot_id.zip(up),
        incarnation: identity.incarnation,
        pid: identity.pid,
    }
}
