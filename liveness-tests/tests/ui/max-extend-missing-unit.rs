use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "10")]
struct Worker;

fn main() {}
