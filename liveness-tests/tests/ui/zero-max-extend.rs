use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "0s")]
struct Worker;

fn main() {}
