use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "1m 30s")]
struct Worker;

fn main() {}
