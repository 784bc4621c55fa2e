//! The components of the example worker service, shared by the service
//! binary (`worker`), its probe binary (`worker-liveness`) and the tests.

use liveness::Liveness;

/// The worker's main loop.
///
/// `WORKER_LIVENESS_PATH` moves the heartbeat at run time (the tests use it
/// to give each run its own file).
#[derive(Liveness)]
#[liveness(
    max_age = "2s",
    path = "/tmp/liveness/worker",
    env = "WORKER_LIVENESS_PATH"
)]
pub struct Worker;

/// A second loop of the same service, probed by the same binary.
#[derive(Liveness)]
#[liveness(max_age = "5s", env = "INDEXER_LIVENESS_PATH", startup_grace = "0s")]
pub struct Indexer;
