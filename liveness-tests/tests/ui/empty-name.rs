use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", name = "")]
struct Worker;

fn main() {}
