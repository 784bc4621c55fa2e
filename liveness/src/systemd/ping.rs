//! The pings sent from the heartbeats: the thread's last judgement, kept
//! where a beat that lands finds it, and the alarm the thread sleeps on.
//!
//! When a beat reaches its file (at most once per throttle interval: never
//! on `beat`'s skip path) and half a ping interval has passed since the last
//! ping, the writing thread sends `WATCHDOG=1` itself, if every component is
//! alive: alive when the thread judged them, or beating since (the beat's
//! time plus its `max_age`, read from one atomic per component: no file, no
//! copy of a record, no allocation). It then pushes the thread's alarm back
//! to the next ping or the earliest deadline, whichever comes first, so
//! the thread sleeps while the pings flow: a ping sent by the writes proves
//! that the loops run, and costs no thread a wake-up.
//!
//! The writes do not ping when the last judgement found a component dead
//! or not started, when it could not send what it had to say, or when a
//! change (`fail`, `extend`, the beat after an extension, ...) was counted
//! since: the change fires the alarm, and the thread judges at once. A
//! component that stops beating stops the pings at its deadline, and the
//! alarm, never set past it, wakes the thread then.

use std::{
    io,
    os::unix::net::UnixDatagram,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use crate::{
    Component, Status, clock,
    heartbeat::{self, Slot, changes},
};

/// The watchdog that runs in this process, for the writes that ping.
static ARMED: RwLock<Option<Arc<Shared>>> = RwLock::new(None);

/// The pings the writes sent, for the tests.
#[cfg(test)]
pub(crate) static WRITE_PINGS: AtomicU64 = AtomicU64::new(0);

/// What a ping sends.
const PING: &[u8] = b"WATCHDOG=1\n";

/// What the thread and the writes share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The ping interval, in nanoseconds; 0 without systemd's watchdog.
    ping_ns: u64,
    /// When the last ping was sent, on the boot clock.
    pub last_ping: AtomicU64,
    pub table: Mutex<Table>,
    pub alarm: Alarm,
    pub stop: Arc<AtomicBool>,
}

/// The thread's last judgement, as the writes read it.
#[derive(Debug, Default)]
pub(crate) struct Table {
    /// Whether the writes may ping: every component was started and alive,
    /// and what the thread had to say was sent.
    pub pingable: bool,
    /// The count of changes before that judgement.
    pub changes: u64,
    pub entries: Vec<Entry>,
    /// systemd's socket, as the thread last reached it.
    pub socket: Option<UnixDatagram>,
}

/// One judged heartbeat.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Its writer, when it lives in this process.
    slot: Option<Held>,
    max_age_ns: u64,
    /// Its deadline when judged, on the boot clock; 0 when dead.
    until: u64,
}

#[derive(Debug)]
enum Held {
    Own(&'static Slot),
    Instance(Arc<Slot>),
}

impl Entry {
    /// `status`'s, judged now (`now` on the boot clock).
    pub fn of(components: &[Component], status: &Status, now: u64) -> Entry {
        let component = components.iter().find(|c| c.name() == status.name());
        let slot = component
            .and_then(|c| c.heartbeat)
            .and_then(|h| match status.instance() {
                None => Some(Held::Own(h.own())),
                Some(i) => h.existing_instance(i).map(Held::Instance),
            });
        let left = status.deadline().map(|deadline| {
            deadline
                .duration_since(SystemTime::now())
                .unwrap_or_default()
        });
        Entry {
            slot,
            max_age_ns: ns(status.max_age()),
            until: left.map_or(0, |left| now.saturating_add(ns(left))),
        }
    }

    /// Until when it is alive: its judged deadline, or its last beat's.
    fn until(&self) -> u64 {
        let beat_at = match &self.slot {
            Some(Held::Own(slot)) => slot.beat_at(),
            Some(Held::Instance(slot)) => slot.beat_at(),
            None => 0,
        };
        if beat_at == 0 {
            return self.until;
        }
        self.until.max(beat_at.saturating_add(self.max_age_ns))
    }
}

impl Table {
    /// The earliest deadline, when every heartbeat is alive at `now`.
    fn alive_until(&self, now: u64) -> Option<u64> {
        let mut earliest = u64::MAX;
        for entry in &self.entries {
            let until = entry.until();
            if until <= now {
                return None;
            }
            earliest = earliest.min(until);
        }
        Some(earliest)
    }
}

#[cfg(test)]
impl Entry {
    /// A heartbeat with no writer in this process, alive until `until`.
    pub(crate) fn alive_until_only(until: u64) -> Entry {
        Entry {
            slot: None,
            max_age_ns: 0,
            until,
        }
    }
}

/// `d` in nanoseconds, saturated.
pub(crate) fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Shared {
    pub fn new(ping: Option<Duration>, stop: Arc<AtomicBool>) -> io::Result<Shared> {
        Ok(Shared {
            ping_ns: ping.map_or(0, ns),
            last_ping: AtomicU64::new(0),
            table: Mutex::default(),
            alarm: Alarm::new()?,
            stop,
        })
    }

    /// Publishes `table` for the writes.
    pub fn publish(&self, table: Table) {
        *self.table.lock().unwrap_or_else(PoisonError::into_inner) = table;
    }

    /// A beat landed: pings when one is due and every component is alive.
    pub(crate) fn written(&self) {
        let now = clock::boot_ns();
        let due = |last: u64| now >= last.saturating_add(self.ping_ns / 2);
        if self.ping_ns == 0 || !due(self.last_ping.load(Ordering::Acquire)) {
            return;
        }
        // Busy: the thread judges, or another write pings.
        let Ok(table) = self.table.try_lock() else {
            return;
        };
        if !table.pingable
            || table.changes != changes()
            || !due(self.last_ping.load(Ordering::Acquire))
        {
            return;
        }
        // A heartbeat past its deadline: no ping; the alarm, never set past
        // it, wakes the thread, which judges it.
        let Some(until) = table.alive_until(now) else {
            return;
        };
        let Some(socket) = &table.socket else { return };
        if socket.send(PING).ok() != Some(PING.len()) {
            return; // the thread pings, and reconnects if need be
        }
        self.last_ping.store(now, Ordering::Release);
        // The thread's own ping only if no beat pings for 3/4 of systemd's
        // timeout (one and a half ping intervals): beats whose writes come
        // a coarse clock tick late must not wake it, and a quarter of the
        // timeout is left for it to send.
        self.alarm.set(
            now.saturating_add(self.ping_ns.saturating_add(self.ping_ns / 2))
                .min(until.saturating_add(ns(Duration::from_millis(1)))),
        );
        // A change or a stop in between must not sleep behind that alarm.
        if table.changes != changes() || self.stop.load(Ordering::Acquire) {
            self.alarm.fire();
        }
        #[cfg(test)]
        WRITE_PINGS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Lets the writes ping from `shared` (and changes wake its thread).
pub(crate) fn arm(shared: &Arc<Shared>) {
    *ARMED.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(shared));
    heartbeat::arm(Some(heartbeat::Hooks { written, changed }));
}

/// No longer.
pub(crate) fn disarm() {
    heartbeat::arm(None);
    *ARMED.write().unwrap_or_else(PoisonError::into_inner) = None;
}

fn written() {
    let armed = ARMED.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(shared) = armed.as_ref() {
        shared.written();
    }
}

fn changed() {
    let armed = ARMED.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(shared) = armed.as_ref() {
        shared.alarm.fire();
    }
}

/// What the thread sleeps on: a timer on the boot clock that the writes
/// push back, and that a change or a stop fires at once.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Debug)]
pub(crate) struct Alarm {
    timer: std::os::fd::OwnedFd,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl Alarm {
    fn new() -> io::Result<Alarm> {
        use rustix::time::{TimerfdClockId, TimerfdFlags, timerfd_create};
        let timer = timerfd_create(TimerfdClockId::Boottime, TimerfdFlags::CLOEXEC)?;
        Ok(Alarm { timer })
    }

    /// Rings at `at` on the boot clock (at once when past), and no sooner.
    pub fn set(&self, at: u64) {
        use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_settime};
        let at = at.max(1); // 0 would disarm it
        let value = Timespec {
            tv_sec: i64::try_from(at / 1_000_000_000).unwrap_or(i64::MAX),
            tv_nsec: (at % 1_000_000_000) as _,
        };
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        // Cannot fail with a valid time on a timer of ours.
        let _ = timerfd_settime(&self.timer, TimerfdTimerFlags::ABSTIME, &spec);
    }

    /// Rings now.
    pub fn fire(&self) {
        self.set(1);
    }

    /// Sleeps until `at` (boot clock), a change after `seen`, or `stop`.
    pub fn sleep_until(&self, at: u64, seen: u64, stop: &AtomicBool) {
        self.set(at);
        // Set after the check would lose a change counted in between.
        if changes() != seen || stop.load(Ordering::Acquire) {
            return;
        }
        let mut rang = [0u8; 8];
        loop {
            match rustix::io::read(&self.timer, &mut rang) {
                Err(rustix::io::Errno::INTR) => continue,
                _ => return,
            }
        }
    }
}

/// Off Linux, no timer the writes could push back: the thread sleeps on
/// the count of changes, and pings on its own too.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[derive(Debug)]
pub(crate) struct Alarm;

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl Alarm {
    fn new() -> io::Result<Alarm> {
        Ok(Alarm)
    }

    pub fn set(&self, _: u64) {}

    pub fn fire(&self) {
        heartbeat::wake();
    }

    pub fn sleep_until(&self, at: u64, seen: u64, stop: &AtomicBool) {
        let left = Duration::from_nanos(at.saturating_sub(clock::boot_ns()));
        heartbeat::wait(seen, stop, left);
    }
}
