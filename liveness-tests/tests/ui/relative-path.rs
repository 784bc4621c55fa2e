use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "liveness/worker")]
struct Worker;

fn main() {}
