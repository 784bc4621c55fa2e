use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", name = "team/worker")]
struct Worker;

fn main() {}
