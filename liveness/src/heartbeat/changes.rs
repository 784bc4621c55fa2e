//! A count of the changes this process recorded that can turn a verdict.

/// How many times a writer of this process recorded a change that can turn
/// a verdict at once (a failure, an extension, a pool's size), for answers
/// that are reused for a moment (`http/cache.rs`): a beat only keeps a
/// component alive, and is not counted.
static CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The count of [`CHANGES`] so far.
#[cfg_attr(
    not(any(all(feature = "http", unix), all(feature = "systemd", unix))),
    allow(dead_code)
)]
pub(crate) fn changes() -> u64 {
    CHANGES.load(std::sync::atomic::Ordering::Acquire)
}

/// Counts a change in [`CHANGES`].
pub(crate) fn changed() {
    CHANGES.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}
