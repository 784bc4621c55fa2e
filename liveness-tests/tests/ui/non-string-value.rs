use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = 90)]
struct Worker;

fn main() {}
