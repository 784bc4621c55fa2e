use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", timeout = "10s")]
struct Worker;

fn main() {}
