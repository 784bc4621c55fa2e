use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/tmp/liveness/work\0er")]
struct Worker;

fn main() {}
