//! The caller's location: `beat`, `beat_now`, `extend`, `fail`, `unready`,
//! `ready` record the `file:line` that called them, a dead line names it,
//! `--json` carries it, a pool instance's line names its own, and a
//! hand-made location is escaped like any outside text.

mod common;

use std::{thread::sleep, time::Duration};

use common::record::{body, record_now, seal, set};
use liveness::{Component, Liveness, Probe, Timestamp};

#[derive(Liveness)]
#[liveness(max_age = "1s", env = "LOCATION_INGEST_PATH")]
struct Ingest;

#[derive(Liveness)]
#[liveness(max_age = "1s", env = "LOCATION_POOL_PATH")]
struct Pool;

#[test]
fn a_dead_line_names_the_call_that_last_wrote() {
    common::in_own_dir!(a_dead_line_names_the_call_that_last_wrote, Ingest);
    Ingest::beat_now().unwrap();
    let first = line!() - 1;
    assert_eq!(Ingest::check().location(), Some((file!(), first)));
    // An alive line does not change.
    assert!(!Ingest::check().to_string().contains(" at "));
    Ingest::unready("slow").unwrap();
    let unready = line!() - 1;
    assert_eq!(Ingest::check().location(), Some((file!(), unready)));
    // The last call that wrote is the one named.
    Ingest::beat_now().unwrap();
    let stopped = line!() - 1;
    sleep(Duration::from_millis(1300));
    let status = Ingest::check();
    assert!(!status.is_alive());
    let line = status.to_string();
    let at = format!(" ago at {}:{stopped}, max 1s (", file!());
    assert!(line.starts_with("ingest: dead: last heartbeat "), "{line}");
    assert!(line.contains(&at), "{line}");
    let mut out = Vec::new();
    Probe::new([Component::of::<Ingest>()]).run_with(["--json"], &mut out, &mut Vec::new());
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["components"][0]["location"],
        format!("{}:{stopped}", file!())
    );
}

#[test]
fn a_pool_instance_names_its_own_call() {
    common::in_own_dir!(a_pool_instance_names_its_own_call, Pool);
    Pool::pool_size(2).unwrap();
    let zero = Pool::instance(0);
    let one = Pool::instance(1);
    zero.beat().unwrap();
    let zero_at = line!() - 1;
    one.extend(Duration::ZERO, "x").unwrap_err(); // no max_extend: nothing written
    one.beat_now().unwrap();
    let one_at = line!() - 1;
    let statuses = Probe::new([Component::of::<Pool>()]).statuses();
    assert_eq!(statuses[0].location(), Some((file!(), zero_at)));
    assert_eq!(statuses[1].location(), Some((file!(), one_at)));
}

#[test]
fn a_hand_made_location_is_escaped_and_older_records_have_none() {
    let dir = common::scratch();
    let path = dir.path().join("worker");
    let stale = body(&record_now(-125.0, -125.0));
    let hostile = set(&stale, "loc", "\"src/\\x1b[31m\\x0aingest.rs\" line=42");
    std::fs::write(&path, seal(&hostile)).unwrap();
    let status = Timestamp::byref(&path, Duration::from_secs(90)).check();
    assert_eq!(status.location(), Some(("src/\u{1b}[31m\ningest.rs", 42)));
    let line = status.to_string();
    assert!(!line.chars().any(char::is_control), "{line:?}");
    assert!(
        line.contains(" ago at src/\\u{1b}[31m\\ningest.rs:42, max 1m 30s ("),
        "{line}"
    );
    // The second version carries no location: the line is as it was.
    let v2 = stale
        .replace("liveness/3 ", "liveness/2 ")
        .replace(" ready=yes loc=-", "");
    std::fs::write(&path, seal(&v2)).unwrap();
    let status = Timestamp::byref(&path, Duration::from_secs(90)).check();
    assert_eq!(status.location(), None);
    assert!(
        status.to_string().contains(" ago, max 1m 30s ("),
        "{status}"
    );
}
