use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", name = "worker\nready")]
struct Worker;

fn main() {}
