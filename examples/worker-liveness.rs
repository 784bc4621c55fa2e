//! The worker's probe binary: the whole file is one line. It judges both
//! components of the worker and is dead when either is.
liveness::liveness_main!(liveness_examples::Worker, liveness_examples::Indexer);
