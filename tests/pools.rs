//! Pools never hide a worker: an empty pool is refused, an instance outside
//! the declared pool (this process's, or its container's `.pool` record) is
//! refused and writes nothing, and the pool never grows implicitly.

mod common;

use std::{path::Path, time::Duration};

use common::record;
use liveness::{Error, Liveness};

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "EMPTY_PATH")]
struct Empty;

#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "1h", env = "OWN_PATH")]
struct Own;

#[derive(Liveness)]
#[liveness(max_age = "90s", name = "shared", env = "SHARED_PATH")]
struct Shared;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "UNDECLARED_PATH")]
struct Undeclared;

fn outside(result: Result<(), Error>, index: u32, size: u32) {
    match result {
        Err(Error::OutsidePool {
            index: i, size: s, ..
        }) if (i, s) == (index, size) => {}
        other => panic!("expected OutsidePool {index} of {size}, got {other:?}"),
    }
}

#[test]
fn an_empty_pool_is_refused_and_records_nothing() {
    common::in_own_dir!(an_empty_pool_is_refused_and_records_nothing, Empty);
    let error = Empty::pool_size(0).unwrap_err();
    assert!(matches!(error, Error::EmptyPool { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "empty cannot have a pool of 0: call pool_size with 1 or more"
    );
    assert!(!Empty::path().with_extension("pool").exists());
}

#[test]
fn an_instance_outside_this_process_s_pool_writes_nothing_until_the_pool_grows() {
    common::in_own_dir!(
        an_instance_outside_this_process_s_pool_writes_nothing_until_the_pool_grows,
        Own
    );
    Own::pool_size(4).unwrap();
    let me = Own::instance(9);
    let error = me.beat().unwrap_err();
    assert_eq!(
        error.to_string(),
        "own: pool instance 9 is outside the pool of 4: call pool_size(10) first"
    );
    outside(me.beat_now(), 9, 4);
    outside(me.extend(Duration::from_secs(60), "reindexing"), 9, 4);
    outside(me.fail("broken"), 9, 4);
    assert!(!me.path().exists());
    Own::instance(3).beat_now().unwrap();
    // Grown: the handle refused earlier works.
    Own::pool_size(10).unwrap();
    me.beat_now().unwrap();
    assert!(me.path().exists());
    // Shrunk: refused again.
    Own::pool_size(2).unwrap();
    outside(Own::instance(3).beat_now(), 3, 2);
}

/// Writes a `.pool` record of `size` for `name` at `path`, as another
/// process of this container would.
fn pool_record(path: &Path, name: &str, size: u32) {
    let beat = record::body(&record::record_now(0.0, 0.0));
    let body = record::set(&beat, "name", &format!("\"{name}\""));
    let body = record::set(&body, "state", &format!("pool size={size}"));
    std::fs::write(path, record::seal(&body)).unwrap();
}

#[test]
fn an_instance_outside_the_container_s_pool_record_writes_nothing_until_it_grows() {
    common::in_own_dir!(
        an_instance_outside_the_container_s_pool_record_writes_nothing_until_it_grows,
        Shared
    );
    let pool = &Shared::path().with_extension("pool");
    pool_record(pool, "shared", 2);
    Shared::instance(1).beat_now().unwrap();
    let me = Shared::instance(2);
    outside(me.beat_now(), 2, 2);
    assert!(!me.path().exists());
    pool_record(pool, "shared", 3);
    me.beat_now().unwrap();
    assert!(me.path().exists());
}

#[test]
fn without_a_pool_an_instance_is_refused() {
    common::in_own_dir!(without_a_pool_an_instance_is_refused, Undeclared);
    let me = Undeclared::instance(0);
    outside(me.beat_now(), 0, 0);
    assert!(!me.path().exists());
}
