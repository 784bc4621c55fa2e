use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", max_age = "2m")]
struct Worker;

fn main() {}
