use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", crate = "lv")]
struct Worker;

fn main() {}
