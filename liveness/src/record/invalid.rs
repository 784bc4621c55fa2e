//! What reading a heartbeat file concludes: a heartbeat, or why not.

use std::time::SystemTime;

use super::fields::Record;

/// What a heartbeat file held.
///
/// A record is a few hundred bytes, the float sixteen: a `Parsed` lives
/// for one judgement, and is never kept in bulk, so it is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A record of this crate, of any version.
    Record(Record),
    /// The prior art's bare float of seconds since the Unix epoch.
    EpochFloat(SystemTime),
}

/// Why bytes are not a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// The integrity check does not match: torn or tampered.
    Checksum,
    /// Anything else, said in words.
    Garbage(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Checksum => f.write_str("integrity check failed"),
            Invalid::Garbage(why) => f.write_str(why),
        }
    }
}

pub(crate) fn garbage(why: impl Into<String>) -> Invalid {
    Invalid::Garbage(why.into())
}
