use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/tmp/liveness/")]
struct Worker;

fn main() {}
