use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "1BAD-NAME")]
struct Worker;

fn main() {}
