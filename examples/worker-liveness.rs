//! The worker's probe binary: the whole file is one line.
liveness::liveness_main!(liveness_examples::Worker);
