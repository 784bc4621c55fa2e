//! The ids a record carries: the boot's and the container incarnation's
//! (read from the host by `host/`, written and read here).

use std::fmt;

/// The kernel's random id of the current boot: a UUID in its text form.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct BootId(pub [u8; 36]);

impl BootId {
    /// What a record writes for "no boot id".
    pub const NIL: BootId = BootId(*b"00000000-0000-0000-0000-000000000000");

    /// Reads a boot id; `Some(None)` for the nil id, `None` when malformed.
    pub fn parse(text: &str) -> Option<Option<BootId>> {
        let id = BootId(text.as_bytes().try_into().ok()?);
        let uuid = id.0.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-');
        uuid.then_some((id != BootId::NIL).then_some(id))
    }
}

impl fmt::Display for BootId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.0).unwrap_or("?"))
    }
}

impl fmt::Debug for BootId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BootId({self})")
    }
}

/// Identifies one container incarnation within a boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Incarnation {
    /// Inode of the mount namespace.
    pub mnt_ns: u64,
    /// Inode of the PID namespace; 0 in first-version records (unknown).
    pub pid_ns: u64,
    /// Start time of PID 1, in clock ticks since boot (host's boot clock).
    pub init_start: u64,
}

impl Incarnation {
    /// Whether both are the same container: same namespaces, same PID 1
    /// (a PID namespace of 0 is unknown, and matches any). PID 1's start
    /// may differ by one tick: a writer in a time namespace with a negative
    /// offset reads it rounded in the namespace's time.
    pub fn same(&self, other: &Incarnation) -> bool {
        self.mnt_ns == other.mnt_ns
            && self.init_start.abs_diff(other.init_start) <= 1
            && (self.pid_ns == 0 || other.pid_ns == 0 || self.pid_ns == other.pid_ns)
    }

    /// Whether both share the PID namespace and its PID 1 (the mount
    /// namespace may differ; PID 1's start within one tick, as for
    /// [`same`](Self::same)).
    pub fn same_pid_ns(&self, other: &Incarnation) -> bool {
        self.pid_ns != 0
            && self.pid_ns == other.pid_ns
            && self.init_start.abs_diff(other.init_start) <= 1
    }
}
