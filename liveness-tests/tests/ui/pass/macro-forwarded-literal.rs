// Literals forwarded through `macro_rules!` arrive wrapped in an invisible
// group; they are read as the literals they are.

use std::time::Duration;

use liveness::Liveness;

macro_rules! component {
    ($name:ident, $max_age:expr, $path:literal) => {
        #[derive(Liveness)]
        #[liveness(max_age = $max_age, path = $path)]
        struct $name;
    };
}

component!(Worker, "90s", "/tmp/liveness/forwarded");

fn main() {
    assert_eq!(Worker::MAX_AGE, Duration::from_secs(90));
    assert_eq!(Worker::PATH, "/tmp/liveness/forwarded");
}
