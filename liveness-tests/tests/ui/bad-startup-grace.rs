use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", startup_grace = "soon")]
struct Worker;

fn main() {}
