// A struct with fields, and `startup_grace = "0s"` to turn the grace off.

use std::time::Duration;

use liveness::Liveness;

#[allow(dead_code)]
#[derive(Liveness)]
#[liveness(max_age = "2h", startup_grace = "0s")]
struct Crawler {
    queue: Vec<String>,
    done: usize,
}

fn main() {
    assert_eq!(Crawler::NAME, "crawler");
    assert_eq!(Crawler::MAX_AGE, Duration::from_secs(2 * 60 * 60));
    assert_eq!(Crawler::STARTUP_GRACE, Duration::ZERO);
}
