// An acronym in the type name becomes one word of the kebab-case name.

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s")]
struct HTTPQueueWorker;

fn main() {
    assert_eq!(HTTPQueueWorker::NAME, "http-queue-worker");
    assert_eq!(HTTPQueueWorker::PATH, "/tmp/liveness/http-queue-worker");
}
