use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", crate = "liveness-rs")]
struct Worker;

fn main() {}
