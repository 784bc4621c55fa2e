//! Answers reused for a moment: a flood of checks (clients that connect
//! and send requests as fast as they can, without reading the answers)
//! costs the server one survey per [`FRESH_FOR`] and question, not one per
//! connection, so the kubelet's check, queued behind hundreds of theirs, is
//! still answered within its timeout. A change this process records that
//! can turn a verdict at once (a failure, an extension, a pool's size) ends
//! the reuse: `/livez` is dead the moment `fail` returns.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use super::{Check, Judge};

/// How long an answer is reused: far below any heartbeat's maximum age,
/// and long enough that a flood costs a few surveys a second per question.
pub(super) const FRESH_FOR: Duration = Duration::from_millis(20);

/// A judge that reuses its answers for [`FRESH_FOR`].
pub(super) struct Cached<J> {
    judge: J,
    /// Per question (what is checked, text or JSON): when it was answered,
    /// the count of this process's changes then, and the answer.
    answers: Mutex<Vec<((Check, bool), Answer)>>,
}

/// When an answer was given, the count of this process's changes then,
/// whether alive, and the body.
type Answer = (Instant, u64, bool, String);

impl<J: Judge> Cached<J> {
    pub fn new(judge: J) -> Cached<J> {
        Cached {
            judge,
            answers: Mutex::new(Vec::new()),
        }
    }
}

impl<J: Judge> Judge for Cached<J> {
    fn report(&self, check: Check, json: bool) -> (bool, String) {
        let now = Instant::now();
        let changes = crate::heartbeat::changes();
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = answers
            .iter()
            .position(|(question, _)| *question == (check, json));
        if let Some((_, (at, seen, ok, body))) = slot.map(|i| &answers[i]) {
            if now.duration_since(*at) < FRESH_FOR && *seen == changes {
                return (*ok, body.clone());
            }
        }
        let (ok, body) = self.judge.report(check, json);
        let answer = (now, changes, ok, body.clone());
        match slot {
            Some(i) => answers[i].1 = answer,
            None => answers.push(((check, json), answer)),
        }
        (ok, body)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    struct Counting(AtomicU32);

    impl Judge for Counting {
        fn report(&self, _: Check, json: bool) -> (bool, String) {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            (true, format!("{json} {n}"))
        }
    }

    #[test]
    fn answers_are_reused_for_a_moment_per_question() {
        let cached = Cached::new(Counting(AtomicU32::new(0)));
        for _ in 0..100 {
            assert_eq!(cached.report(Check::Liveness, false).1, "false 0");
        }
        assert_eq!(cached.report(Check::Liveness, true).1, "true 1");
        assert_eq!(cached.report(Check::Startup, false).1, "false 2");
        std::thread::sleep(FRESH_FOR);
        assert_eq!(cached.report(Check::Liveness, false).1, "false 3");
    }

    #[test]
    fn a_change_this_process_records_ends_the_reuse_at_once() {
        let cached = Cached::new(Counting(AtomicU32::new(0)));
        assert_eq!(cached.report(Check::Liveness, false).1, "false 0");
        assert_eq!(cached.report(Check::Liveness, false).1, "false 0");
        crate::heartbeat::changed();
        assert_eq!(cached.report(Check::Liveness, false).1, "false 1");
    }
}
