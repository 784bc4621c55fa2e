use liveness::Liveness;

#[derive(Liveness)]
#[liveness]
struct Worker;

fn main() {}
