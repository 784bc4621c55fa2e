use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s")]
struct Worker<T>(T);

fn main() {}
