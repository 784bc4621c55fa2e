use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "0s")]
struct Worker;

fn main() {}
