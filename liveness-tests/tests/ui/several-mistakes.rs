use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90 parsecs", timeout = "10s")]
struct Worker;

fn main() {}
