//! What a client may take, and the sizes a connection reads in: shared by
//! the loop (`mod.rs`) and its connections (`connection.rs`).

use std::time::Duration;

/// What a client may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// From accept to a complete head.
    pub head_time: Duration,
    /// From the response being ready to the client closing.
    pub close_time: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_connections: 512,
        head_time: Duration::from_secs(1),
        close_time: Duration::from_secs(1),
    };
}

/// Bytes read after the response before closing anyway.
pub(super) const DISCARD_LIMIT: usize = 64 * 1024;

/// Bytes read per `read` call.
pub(super) const READ_CHUNK: usize = 4096;
