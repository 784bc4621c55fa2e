use liveness::Liveness;

#[derive(Liveness)]
#[liveness(path = "/tmp/liveness/worker")]
struct Worker;

fn main() {}
