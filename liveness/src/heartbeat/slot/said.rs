//! What a slot's process last said of its readiness, kept outside the
//! slot's lock so that a call repeating it is a few loads: exact, by a
//! sequence lock over the reason's bytes (up to [`REASON_LIMIT`]: reasons
//! that differ only beyond it are one reason in a record too).

use std::sync::atomic::{AtomicU64, Ordering, fence};

use crate::record::REASON_LIMIT;

/// Words of reason kept.
const WORDS: usize = REASON_LIMIT.div_ceil(8);

/// `state` before the first call: ready, but not yet checked that the slot
/// may write (a pool instance outside its pool may not).
const UNCHECKED: u64 = 0;
/// `state` when ready.
const READY: u64 = 1;
/// `state` when not ready: this plus the length of the kept reason.
const UNREADY: u64 = 2;

#[derive(Debug)]
pub(super) struct Said {
    /// Even while stable, odd while [`Said::set`] writes.
    seq: AtomicU64,
    state: AtomicU64,
    words: [AtomicU64; WORDS],
}

impl Said {
    pub const fn new() -> Said {
        Said {
            seq: AtomicU64::new(0),
            state: AtomicU64::new(UNCHECKED),
            words: [const { AtomicU64::new(0) }; WORDS],
        }
    }

    /// Whether the process last said `reason` (`None`: ready).
    #[inline]
    pub fn is(&self, reason: Option<&str>) -> bool {
        let seq = self.seq.load(Ordering::Acquire);
        if seq & 1 == 1 {
            return false;
        }
        let state = self.state.load(Ordering::Relaxed);
        let same = match reason {
            None => state == READY,
            Some(reason) => {
                let kept = kept(reason);
                state == UNREADY + kept.len() as u64 && holds(&self.words, kept)
            }
        };
        fence(Ordering::Acquire);
        same && self.seq.load(Ordering::Relaxed) == seq
    }

    /// Keeps `reason` (`None`: ready) as what the process last said. One
    /// writer at a time: called under the slot's lock.
    pub fn set(&self, reason: Option<&str>) {
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        match reason {
            None => self.state.store(READY, Ordering::Relaxed),
            Some(reason) => {
                let kept = kept(reason);
                for (word, held) in words(kept).zip(&self.words) {
                    held.store(word, Ordering::Relaxed);
                }
                self.state
                    .store(UNREADY + kept.len() as u64, Ordering::Relaxed);
            }
        }
        self.seq.store(seq + 2, Ordering::Release);
    }
}

/// Whether `held` holds `bytes` as [`words`] makes them: a word at a time,
/// stopping at the first that differs.
#[inline]
fn holds(held: &[AtomicU64; WORDS], bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        if held[at].load(Ordering::Relaxed) != word {
            return false;
        }
        at += 1;
    }
    let tail = chunks.remainder();
    tail.is_empty()
        || held[at].load(Ordering::Relaxed)
            == tail
                .iter()
                .rev()
                .fold(0u64, |word, byte| word << 8 | u64::from(*byte))
}

/// The bytes of `reason` that tell it from another.
#[inline]
fn kept(reason: &str) -> &[u8] {
    &reason.as_bytes()[..reason.len().min(REASON_LIMIT)]
}

/// `bytes` as little-endian words, the last padded with zeros, as
/// [`Said::set`] keeps them ([`holds`] compares them the same way, without
/// an iterator chain or a `memcpy`: that is the hot path of a repeated
/// `unready`).
#[inline]
fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let chunks = bytes.chunks_exact(8);
    let tail = chunks.remainder();
    let full = chunks.map(|chunk| u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
    let last = (!tail.is_empty()).then(|| {
        tail.iter()
            .rev()
            .fold(0u64, |word, byte| word << 8 | u64::from(*byte))
    });
    full.chain(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_was_said_is_what_was_said() {
        let said = Said::new();
        assert!(!said.is(None) && !said.is(Some("")));
        said.set(None);
        assert!(said.is(None) && !said.is(Some("")));
        said.set(Some("cache warming"));
        assert!(said.is(Some("cache warming")));
        for other in [
            "cache warmin",
            "cache warming ",
            "cache warmINg",
            "Cache warming",
            "cache warminG",
            "",
            "cache warming\0",
        ] {
            assert!(!said.is(Some(other)), "{other:?}");
        }
        assert!(!said.is(None));
        let long = "x".repeat(200);
        said.set(Some(&long));
        assert!(said.is(Some(&long)));
        assert!(said.is(Some(&"x".repeat(121)))); // the same record
        assert!(!said.is(Some(&"x".repeat(119))));
        // Whole words only, no tail.
        said.set(Some("0123456789abcdef"));
        assert!(said.is(Some("0123456789abcdef")));
        assert!(!said.is(Some("0123456789abcdeF")) && !said.is(Some("x123456789abcdef")));
        said.set(Some(""));
        assert!(said.is(Some("")) && !said.is(None));
    }
}
