// A probe binary: `liveness_main!` writes `main`. trybuild runs it with no
// arguments and wants exit 0, so tests/ui.rs beats this path first.

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "1d", path = "/tmp/liveness/trybuild-liveness-main")]
struct Worker;

liveness::liveness_main!(Worker);
