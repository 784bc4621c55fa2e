// Only `max_age`: every other constant takes its default.

use std::time::Duration;

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s")]
struct QueueWorker;

fn main() {
    assert_eq!(QueueWorker::NAME, "queue-worker");
    assert_eq!(QueueWorker::PATH, "/tmp/liveness/queue-worker");
    assert_eq!(QueueWorker::PATH_ENV, None);
    assert_eq!(QueueWorker::MAX_AGE, Duration::from_secs(90));
    assert_eq!(QueueWorker::STARTUP_GRACE, QueueWorker::MAX_AGE);
}
