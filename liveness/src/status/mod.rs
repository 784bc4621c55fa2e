//! Verdicts: from a heartbeat and a snapshot of the host to one line:
//! `judged.rs` ([`Status`]), `judge.rs` (the rules), `line.rs` (the line),
//! `origin.rs` (whose container), `verdict.rs` ([`Verdict`], [`State`]),
//! `ready.rs` (readiness and the writer's location).

mod judge;
mod judged;
mod line;
mod origin;
mod ready;
mod verdict;

pub(crate) use judge::{Expect, Limits, Reason};
pub use judged::Status;
pub(crate) use line::human;
pub(crate) use origin::{Origin, origin};
pub use verdict::{State, Verdict};

/// What the tests below use through `super::*`.
#[cfg(test)]
use {
    crate::{host::Host, record::Record, store::Contents},
    std::time::Duration,
};

#[cfg(test)]
mod origin_tests;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
