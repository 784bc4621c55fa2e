//! A count of the changes this process recorded that can turn a verdict,
//! and a way to wait for the next one; and, while systemd's watchdog is
//! armed (feature `systemd`), what it is told of each beat that lands and
//! of each change.

use std::{
    sync::{
        Condvar, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

/// How many times a writer of this process recorded a change that can turn
/// a verdict at once (a failure, an extension, a pool's size), for answers
/// that are reused for a moment (`http/cache.rs`) and for the systemd
/// watchdog's thread, which waits for them: a beat only keeps a component
/// alive, and is not counted.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// Wakes the threads waiting in [`wait`]; taken by [`changed`] and
/// [`wake`] only to notify, so that no change falls between a waiter's
/// check and its sleep.
static WAITING: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());

/// The count of [`CHANGES`] so far.
#[cfg_attr(
    not(any(all(feature = "http", unix), all(feature = "systemd", unix))),
    allow(dead_code)
)]
pub(crate) fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

/// Counts a change in [`CHANGES`], and wakes the threads waiting for one.
pub(crate) fn changed() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
    wake();
    #[cfg(all(feature = "systemd", unix))]
    if ARMED.load(Ordering::Acquire) {
        if let Some(hooks) = HOOKS.get() {
            (hooks.changed)();
        }
    }
}

/// What systemd's watchdog does on a beat that landed and on a change.
#[cfg(all(feature = "systemd", unix))]
pub(crate) struct Hooks {
    /// A beat reached its file: ping, when one is due.
    pub written: fn(),
    /// A change was counted: judge at once.
    pub changed: fn(),
}

/// Whether the hooks are called: one load when they are not.
#[cfg(all(feature = "systemd", unix))]
static ARMED: AtomicBool = AtomicBool::new(false);

#[cfg(all(feature = "systemd", unix))]
static HOOKS: std::sync::OnceLock<Hooks> = std::sync::OnceLock::new();

/// Calls `hooks` from now on (the first given, every time: they are one
/// module's functions), or no longer when `None`.
#[cfg(all(feature = "systemd", unix))]
pub(crate) fn arm(hooks: Option<Hooks>) {
    match hooks {
        Some(hooks) => {
            let _ = HOOKS.set(hooks);
            ARMED.store(true, Ordering::Release);
        }
        None => ARMED.store(false, Ordering::Release),
    }
}

/// A beat reached its file: tells systemd's watchdog, when armed.
#[inline]
pub(crate) fn written() {
    #[cfg(all(feature = "systemd", unix))]
    if ARMED.load(Ordering::Relaxed) {
        if let Some(hooks) = HOOKS.get() {
            (hooks.written)();
        }
    }
}

/// Wakes the threads waiting in [`wait`], so they look at their `stop`.
#[cfg_attr(not(all(feature = "systemd", unix)), allow(dead_code))]
pub(crate) fn wake() {
    let _held = WAITING.0.lock().unwrap_or_else(PoisonError::into_inner);
    WAITING.1.notify_all();
}

/// Waits until the count is no longer `seen`, `stop` is set (then
/// [`wake`]), or `timeout` passes; the count then. (On Linux the watchdog's
/// thread sleeps on a timer instead: `systemd/ping.rs`.)
#[cfg_attr(
    not(all(
        feature = "systemd",
        unix,
        not(any(target_os = "linux", target_os = "android"))
    )),
    allow(dead_code)
)]
pub(crate) fn wait(seen: u64, stop: &AtomicBool, timeout: Duration) -> u64 {
    let held = WAITING.0.lock().unwrap_or_else(PoisonError::into_inner);
    let (_held, _) = WAITING
        .1
        .wait_timeout_while(held, timeout, |_| {
            changes() == seen && !stop.load(Ordering::Acquire)
        })
        .unwrap_or_else(PoisonError::into_inner);
    changes()
}
