// `crate = "lv"`: liveness reached under another name, here through a module
// that re-exports it as a facade crate would. (Cargo refuses a second,
// renamed dependency on the same crate; the derive's own tests check that
// the expansion names no `liveness` path.)

use std::time::Duration;

mod lv {
    pub use liveness::*;
}

use lv::Liveness;

#[derive(Liveness)]
#[liveness(crate = "lv", max_age = "90s", max_extend = "1h")]
struct Worker;

fn main() {
    assert_eq!(Worker::NAME, "worker");
    assert_eq!(Worker::MAX_AGE, Duration::from_secs(90));
    assert_eq!(Worker::MAX_EXTEND, Some(Duration::from_secs(60 * 60)));
}
