// The trait implemented by hand: the constants the derive would fill in and a
// `static` heartbeat; `PATH_ENV` and `STARTUP_GRACE` keep their defaults.

use std::time::Duration;

use liveness::{Component, Heartbeat, Liveness};

struct Worker;

impl Liveness for Worker {
    const NAME: &'static str = "worker";
    const MAX_AGE: Duration = Duration::from_secs(90);
    const PATH: &'static str = "/tmp/liveness/worker";

    fn heartbeat() -> &'static Heartbeat {
        static HEARTBEAT: Heartbeat = Heartbeat::new();
        &HEARTBEAT
    }
}

fn main() {
    assert_eq!(Worker::PATH_ENV, None);
    assert_eq!(Worker::STARTUP_GRACE, Worker::MAX_AGE);
    let component = Component::of::<Worker>();
    assert_eq!(component.name(), "worker");
    assert_eq!(component.max_age(), Duration::from_secs(90));
}
