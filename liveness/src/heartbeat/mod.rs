//! The per-component writer behind [`Liveness::beat`](crate::Liveness::beat)
//! and its pool instances: `writer.rs` (a type's [`Heartbeat`]), `slot.rs`
//! (one file's writer), `pool.rs` (the pool's record and who is inside it),
//! `instance.rs`, `event.rs` (what a call asks to record), `changes.rs`,
//! `identity.rs` (which records are this container's).

mod changes;
mod event;
mod identity;
mod instance;
mod pool;
mod slot;
mod writer;

pub use instance::Instance;
pub use writer::Heartbeat;

#[cfg(all(test, feature = "http", unix))]
pub(crate) use changes::changed;
#[cfg(any(all(feature = "http", unix), all(feature = "systemd", unix)))]
pub(crate) use changes::changes;
#[cfg(all(feature = "systemd", unix))]
pub(crate) use changes::{Hooks, arm};
#[cfg(all(
    feature = "systemd",
    unix,
    not(any(target_os = "linux", target_os = "android"))
))]
pub(crate) use changes::{wait, wake};
pub(crate) use event::{extension, failure};
pub(crate) use identity::failure_here;
#[cfg(all(feature = "systemd", unix))]
pub(crate) use slot::Slot;
pub(crate) use slot::{Caller, Handle, Target};
pub(crate) use slot::{drain, draining};
