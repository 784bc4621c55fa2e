//! The clocks a heartbeat is measured on.
//!
//! A record carries the wall clock (for people and for other boots) and the
//! boot clock (`CLOCK_BOOTTIME`, which counts suspend and is never stepped by
//! NTP or by hand). The throttle of [`beat`](crate::Liveness::beat) uses the
//! boot clock too.

use std::time::{Duration, SystemTime};

/// Nanoseconds on the boot clock (the monotonic clock off Linux): one vDSO
/// call, no system call.
///
/// The throttle runs on the clock the probe ages heartbeats on, so time a
/// VM spends paused or a machine suspended counts toward the next write
/// exactly as it counts toward the heartbeat's age.
#[inline]
pub(crate) fn steady_ns() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (now.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(now.tv_nsec as u64)
}

/// The wall clock.
pub(crate) fn wall() -> SystemTime {
    SystemTime::now()
}

/// Time since boot on `CLOCK_BOOTTIME`, where the platform has it.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn boottime() -> Option<Duration> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    Some(Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

/// Time since boot on `CLOCK_BOOTTIME`, where the platform has it.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn boottime() -> Option<Duration> {
    None
}
