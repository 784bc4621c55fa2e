// Every key set, each one landing in its constant.

use std::time::Duration;

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(
    max_age = "1m 30s",
    path = "/var/run/liveness/indexer.beat",
    env = "INDEXER_LIVENESS_PATH",
    startup_grace = "5m",
    name = "search-indexer"
)]
struct Indexer;

fn main() {
    assert_eq!(Indexer::NAME, "search-indexer");
    assert_eq!(Indexer::MAX_AGE, Duration::from_secs(90));
    assert_eq!(Indexer::PATH, "/var/run/liveness/indexer.beat");
    assert_eq!(Indexer::PATH_ENV, Some("INDEXER_LIVENESS_PATH"));
    assert_eq!(Indexer::STARTUP_GRACE, Duration::from_secs(300));
}
