// The generated impl compiles under a crate's strict lints, with the items
// it names also imported by their short names.

#![deny(unused_qualifications, unused_results, missing_docs, rust_2018_idioms)]

//! A crate with strict lints.

use core::time::Duration;
use liveness::{Heartbeat, Liveness};

/// A worker.
#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "1h")]
pub struct Worker;

fn main() {
    let _: &'static Heartbeat = Worker::heartbeat();
    assert_eq!(Worker::MAX_AGE, Duration::from_secs(90));
}
