use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s"secs)]
struct Worker;

fn main() {}
