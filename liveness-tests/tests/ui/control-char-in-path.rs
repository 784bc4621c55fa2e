use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/tmp/liveness/\x1b[31mworker")]
struct Worker;

fn main() {}
