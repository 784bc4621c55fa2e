//! The heartbeat record: one human-readable line of fixed size.
//!
//! ```text
//! liveness/3 at=2026-11-25T05:21:02.123456789Z boot=6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2 up=12345.678901234 pid=4242 start=1234500 mnt=4026532650 pidns=4026531836 init=442800 name="consumer" inst=2 state=extended for=600.000000000 why="reindexing" ready=no because="cache warming" loc="src/consumer.rs" line=42 crc=8c1d2e3f
//! ```
//!
//! - `liveness/3`: the format and its version;
//! - `at`: the wall-clock time of the write, RFC 3339, UTC, nanoseconds;
//! - `boot`, `up`: the kernel's boot id and the boot clock (`CLOCK_BOOTTIME`,
//!   seconds since boot, as the host counts them: a writer in a time
//!   namespace takes its offset off);
//! - `pid`, `start`: the writer's process id and start time (clock ticks
//!   since boot, as the host counts them), so that a probe can tell whether
//!   the writer still runs;
//! - `mnt`, `pidns`, `init`: the container incarnation (mount and PID
//!   namespace inodes, start of PID 1 in ticks since boot); `-` when unknown;
//! - `name`, `inst`: the component and its pool instance (`-`: none), so that
//!   a record never vouches for another component;
//! - `state`: `beating`; `extended` with `for` (how long from `at` the
//!   component is alive without beats) and `why`; `failed` with `why`;
//!   `pool` with `size` (the pool's instances, written to `<path>.pool`);
//! - `ready`: `yes`; `no` with `because` (the reason given to `unready`);
//!   `draining` with `because` (the reason given to `drain`);
//! - `loc`, `line`: the source file and line of the call that wrote the
//!   record (`beat`, `fail`, ...), `loc=-` when unknown;
//! - `crc`: CRC-32 of everything before ` crc=`.
//!
//! Every record is padded with spaces after its check to [`RECORD_LEN`]
//! bytes, newline included, so a rewrite in place covers the previous record
//! exactly. Text fields are quoted, with `\\`, `\"`, and control characters
//! (`\xNN`, `\u{NN}`) escaped, and bounded: a name to [`NAME_LIMIT`] bytes, a
//! reason to [`REASON_LIMIT`] bytes and 180 quoted, a location's file to its
//! last 100 quoted bytes, cut at a character boundary.
//!
//! The reader also accepts the second version (the same without `ready`,
//! `loc` and `line`: ready, no location), the first version of this format
//! (178 bytes, without names or states) and the prior art's bare float of
//! seconds since the Unix epoch, both as heartbeats of no particular
//! component.

mod encoder;
mod fields;
mod ids;
mod invalid;
mod parse;
mod ready;
mod text;
mod v1;

pub(crate) use encoder::Encoder;
pub use fields::MAX_POOL_SIZE;
pub(crate) use fields::{
    Event, NAME_LIMIT, Owner, REASON_LIMIT, RECORD_LEN, Record, Writer, bounded,
};
pub(crate) use ids::{BootId, Incarnation};
pub(crate) use invalid::{Invalid, Parsed};
pub(crate) use parse::parse;
pub(crate) use ready::{Location, Readiness, bounded_reason};

#[cfg(test)]
mod tests;
