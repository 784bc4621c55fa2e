use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90 parsecs")]
struct Worker;

fn main() {}
