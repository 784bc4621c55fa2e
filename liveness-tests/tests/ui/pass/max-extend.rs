// `max_extend` lands in `MAX_EXTEND`; without it, extensions are refused.

use std::time::Duration;

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "30s", max_extend = "1h")]
struct Consumer;

#[derive(Liveness)]
#[liveness(max_age = "30s")]
struct Worker;

fn main() {
    assert_eq!(Consumer::MAX_EXTEND, Some(Duration::from_secs(60 * 60)));
    assert_eq!(Worker::MAX_EXTEND, None);
}
