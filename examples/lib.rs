//! The components of the example worker service, shared by the service
//! binary (`worker`), its probe binary (`worker-liveness`) and the tests.

use liveness::Liveness;

/// The worker's main loop.
///
/// The timings are scaled down so that the tests, which play the kubelet
/// around this service, take seconds; a real service would say `"90s"`. A
/// missing heartbeat counts as starting for 1 s after the container starts.
/// `WORKER_LIVENESS_PATH` moves the heartbeat at run time (the tests use it to
/// give each run its own file).
#[derive(Liveness)]
#[liveness(
    max_age = "3s",
    startup_grace = "1s",
    path = "/tmp/liveness/worker",
    env = "WORKER_LIVENESS_PATH"
)]
pub struct Worker;

/// A second loop of the same service, probed by the same binary; its
/// heartbeat is `/tmp/liveness/indexer` unless `INDEXER_LIVENESS_PATH` says.
#[derive(Liveness)]
#[liveness(max_age = "5s", env = "INDEXER_LIVENESS_PATH")]
pub struct Indexer;

/// The queue consumer of `examples/pool.rs`: a pool of worker tasks, each
/// with a heartbeat of its own (`/tmp/liveness/consumer.0`, ...), and the
/// pool's size in `/tmp/liveness/consumer.pool`; `CONSUMER_LIVENESS_PATH`
/// moves them. Scaled down like `Worker`.
#[derive(Liveness)]
#[liveness(
    max_age = "3s",
    startup_grace = "1s",
    max_extend = "1m",
    path = "/tmp/liveness/consumer",
    env = "CONSUMER_LIVENESS_PATH"
)]
pub struct Consumer;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
