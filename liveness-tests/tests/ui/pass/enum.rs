// An enum derives like a unit struct; sub-second durations keep their nanos.

use std::time::Duration;

use liveness::Liveness;

#[allow(dead_code)]
#[derive(Liveness)]
#[liveness(max_age = "1s 500ms")]
enum Pipeline {
    Fetch,
    Index(u32),
    Publish { batch: usize },
}

fn main() {
    assert_eq!(Pipeline::NAME, "pipeline");
    assert_eq!(Pipeline::PATH, "/tmp/liveness/pipeline");
    assert_eq!(Pipeline::MAX_AGE, Duration::from_millis(1500));
}
