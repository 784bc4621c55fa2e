//! The clocks a heartbeat is measured on.
//!
//! A record carries the wall clock (for people and for other boots) and the
//! boot clock (`CLOCK_BOOTTIME`, which counts suspend and is never stepped
//! by NTP or by hand), both read precisely, and only when a record is made.
//!
//! The throttle of [`beat`](crate::Liveness::beat) reads a coarse clock
//! instead: `CLOCK_REALTIME_COARSE`, the time of the kernel's last
//! timekeeping update, which the vDSO returns without reading a counter,
//! several times quicker than a precise read. It is the only coarse clock
//! that counts suspend, as the boot clock does (`CLOCK_MONOTONIC_COARSE`
//! stops while the machine sleeps, which would hold back the first write
//! after a resume by up to a whole interval); time namespaces offset no clock
//! the throttle reads differently from another (all its readings are this
//! process's). Its one flaw, that it can be stepped, the throttle turns
//! harmless: it skips a beat only while the clock reads inside the interval
//! before the next write is due ([`throttled`]), so a step forward, or back
//! by more than the margin below, makes the next beat write.
//!
//! The coarse clock lags: by one tick (`clock_getres`, 1 to 10 ms) in
//! principle, by more when the timekeeping tick runs late (over 20 ms was
//! seen on a loaded 2-vCPU VM). So the next write is due a margin before the
//! interval ends, measured from a precise reading taken when the write is
//! claimed ([`next_due`]): a tenth of the interval, at least a tick. Lagging
//! by up to the margin, the throttle never skips a beat made an interval or
//! more after the last write, which keeps DESIGN's promise (a loop beating
//! every `max_age - 1 s` is never dead); the price is that writes may come
//! the margin sooner than the interval. A lag beyond the margin delays a
//! write by the excess only.
//!
//! Off Linux there is no boot clock a probe could compare across processes:
//! records carry the wall clock only, and the throttle reads the precise
//! monotonic clock.

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

/// The throttle's clock in nanoseconds, modulo 2^64: coarse on Linux (see
/// the module's documentation). Only differences of two readings mean
/// anything.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn coarse_ns() -> u64 {
    wrapping_ns(rustix::time::clock_gettime(
        rustix::time::ClockId::RealtimeCoarse,
    ))
}

/// A reading in nanoseconds modulo 2^64: before 1970 too, the difference
/// of two readings stays right.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
fn wrapping_ns(now: rustix::time::Timespec) -> u64 {
    (now.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(now.tv_nsec as u64)
}

/// The throttle's clock off Linux: [`boot`], precise.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn coarse_ns() -> u64 {
    boot_ns()
}

/// The resolution of [`coarse_ns`] (`clock_getres`): one kernel tick, 1 to
/// 10 ms; read once.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn coarse_tick_ns() -> u64 {
    static LAG: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LAG.get_or_init(|| {
        let res = rustix::time::clock_getres(rustix::time::ClockId::RealtimeCoarse);
        (res.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(res.tv_nsec as u64)
    })
}

/// The precise time on [`coarse_ns`]'s clock, for the end of an interval.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn precise_ns() -> u64 {
    wrapping_ns(rustix::time::clock_gettime(rustix::time::ClockId::Realtime))
}

/// Off Linux [`coarse_ns`] is precise already.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn precise_ns() -> u64 {
    coarse_ns()
}

/// Off Linux the throttle's clock is precise: no tick.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn coarse_tick_ns() -> u64 {
    0
}

/// How much sooner than the interval the next write is due: a tenth of the
/// `interval`, at least the coarse clock's resolution `tick`, at most half
/// the interval.
#[inline]
pub(crate) fn margin(interval: u64, tick: u64) -> u64 {
    (interval / 10).max(tick).min(interval / 2)
}

/// When the next write is due on the coarse clock, after a write claimed at
/// the precise reading `now`: `interval` later, less the [`margin`].
#[inline]
pub(crate) fn next_due(now: u64, interval: u64, tick: u64) -> u64 {
    now.wrapping_add(interval - margin(interval, tick))
}

/// Whether a beat at the coarse reading `now` is skipped: when `now` lies
/// in the `interval` before `due`. As the interval begins a [`margin`] after
/// the write, a clock stepped back by less than the margin delays the next
/// write by the step at most; stepped back further, or on past `due`, it
/// makes the next beat write.
#[inline]
pub(crate) const fn throttled(due: u64, now: u64, interval: u64) -> bool {
    due.wrapping_sub(now).wrapping_sub(1) < interval
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

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn a_beat_an_interval_after_a_write_always_writes() {
        // This machine's tick and the kernel's others (HZ 1000, 250, 100),
        // intervals from a max_age of 1 s to the longest.
        for tick in [coarse_tick_ns(), MS, 4 * MS, 10 * MS] {
            for interval in [100 * MS, 300 * MS, 1000 * MS] {
                let margin = margin(interval, tick);
                assert!(margin >= tick && margin >= interval / 10, "{margin}");
                // A write claimed at precise time w; beats at precise t,
                // the coarse clock lagging by up to the margin.
                let w = 1_700_000_000_000 * MS;
                let due = next_due(w, interval, tick);
                let step = (margin / 7).max(1) as usize;
                for t in (w..w + interval + 3 * margin).step_by(step) {
                    for lag in [0, tick / 2, tick, margin / 2, margin] {
                        let skipped = throttled(due, t - lag, interval);
                        // The worst-case delay of a due write is zero...
                        assert!(
                            !(skipped && t - w >= interval),
                            "tick {tick} interval {interval} lag {lag}: a beat {} ns after the write skipped",
                            t - w
                        );
                        // ...and writes stay at least interval - margin apart.
                        assert!(
                            skipped || t - w >= interval - margin,
                            "tick {tick} interval {interval} lag {lag}: a beat {} ns after the write wrote",
                            t - w
                        );
                    }
                }
                // A lag beyond the margin delays a write by the excess only.
                let excess = 7 * MS;
                let t = w + interval + excess;
                assert!(!throttled(due, t - (margin + excess), interval));
                assert!(throttled(due, t - (margin + excess + 1), interval));
            }
        }
    }

    #[test]
    fn a_stepped_clock_makes_the_next_beat_write() {
        let (interval, tick, now) = (1000 * MS, 4 * MS, 1_700_000_000_000 * MS);
        let due = next_due(now, interval, tick);
        let margin = margin(interval, tick);
        assert_eq!(margin, 100 * MS);
        assert!(throttled(due, now, interval));
        assert!(throttled(due, now + interval - margin - 1, interval));
        // Stepped back more than the margin before the write, or on past
        // the interval's end.
        for stepped in [
            now - margin - 1,
            now - 3_600_000 * MS,
            0,
            due,
            due + 3_600_000 * MS,
        ] {
            assert!(!throttled(due, stepped, interval), "{stepped}");
        }
        // Stepped back less: the write comes at most that much later.
        assert!(throttled(due, now - margin, interval));
        // A suspend advances the clock: the beat after the resume writes.
        assert!(!throttled(due, now + 60_000 * MS, interval));
        // Wrapping around 2^64 (a clock before 1970) changes nothing.
        let now = u64::MAX - 10 * MS;
        let due = next_due(now, interval, tick);
        assert!(throttled(due, now.wrapping_add(500 * MS), interval));
        assert!(!throttled(due, now.wrapping_add(interval), interval));
        // Slot's start and the end of an extension (due 0) write at once.
        assert!(!throttled(0, coarse_ns(), interval));
        assert!(!throttled(0, 0, interval));
    }

    #[test]
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn the_coarse_clock_is_never_ahead_of_the_precise_one() {
        let tick = coarse_tick_ns();
        assert!((1..=10 * MS).contains(&tick), "clock_getres {tick} ns");
        let coarse = coarse_ns();
        let precise = u64::try_from(
            wall()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        )
        .unwrap();
        // Read after it, the precise clock is never behind the coarse one.
        assert!(coarse <= precise, "{coarse} > {precise}");
        assert!(precise <= precise_ns());
    }
}
