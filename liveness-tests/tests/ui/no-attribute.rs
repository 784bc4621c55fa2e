use liveness::Liveness;

#[derive(Liveness)]
struct Worker;

fn main() {}
