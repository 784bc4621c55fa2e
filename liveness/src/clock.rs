//! The clocks a heartbeat is measured on.
//!
//! A record carries the wall clock (for people and for other boots) and the
//! boot clock (`CLOCK_BOOTTIME`, which counts suspend and is never stepped
//! by NTP or by hand). The throttle of [`beat`](crate::Liveness::beat) runs
//! on the boot clock too, so time a VM spends paused counts toward the next
//! write exactly as it counts toward the heartbeat's age.
//!
//! Off Linux there is no boot clock a probe could compare across processes:
//! the throttle uses the monotonic clock and records carry the wall clock
//! only.

use std::time::{Duration, SystemTime};

/// Whether [`boot`] is `CLOCK_BOOTTIME`, comparable between processes.
pub(crate) const HAS_BOOT_CLOCK: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// The boot clock (the monotonic clock off Linux): one vDSO call.
#[inline]
pub(crate) fn boot() -> Duration {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    #[cfg(unix)]
    return Duration::new(now.tv_sec as u64, now.tv_nsec as u32);
    #[cfg(not(unix))]
    return monotonic_fallback();
}

/// [`boot`] in nanoseconds, for atomics.
#[inline]
pub(crate) fn boot_ns() -> u64 {
    u64::try_from(boot().as_nanos()).unwrap_or(u64::MAX)
}

/// The wall clock.
pub(crate) fn wall() -> SystemTime {
    SystemTime::now()
}

/// Time since the first call, on `Instant`'s clock: what there is without
/// `clock_gettime`.
#[cfg(not(unix))]
fn monotonic_fallback() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}
