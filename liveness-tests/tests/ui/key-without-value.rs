use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age)]
struct Worker;

fn main() {}
