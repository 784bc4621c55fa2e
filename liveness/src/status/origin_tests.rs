//! Which container a record comes from, and whose component it is.

use super::{
    Verdict,
    tests::{HERE, beat, edit, host, status},
};
use crate::{
    host::{Incarnation, Processes},
    record::Owner,
    store::Contents,
};

#[test]
fn a_previous_container_s_record_is_no_heartbeat() {
    // Written by another container before this one started (second 1).
    let mut previous = beat(1_000_000, 0);
    edit(&mut previous, |r| {
        r.incarnation = Some(Incarnation {
            mnt_ns: 8,
            pid_ns: 80,
            init_start: 0,
        })
    });
    let s = status(&previous, &host(1_000_001, 30));
    assert_eq!((s.verdict(), s.age()), (Verdict::Starting, None));
    assert!(
        s.to_string().starts_with(
            "worker: alive: starting: no heartbeat from this container (the file is from a previous one) yet"
        ),
        "{s}"
    );
    assert_eq!(
        status(&previous, &host(1_000_001, 92)).verdict(),
        Verdict::Dead
    );
}

#[test]
fn a_live_writer_in_a_nested_namespace_vouches() {
    // Another mount namespace (PrivateTmp, unshare -m), but the writer runs.
    let mut nested = beat(1_000_000, 5_000);
    edit(&mut nested, |r| {
        r.incarnation = Some(Incarnation { mnt_ns: 9, ..HERE })
    });
    let mut here = host(1_000_010, 5_010);
    here.processes = Processes::Listed(vec![(42, 4200)]);
    let s = status(&nested, &here);
    assert_eq!(
        (s.verdict(), s.from_this_container()),
        (Verdict::Alive, Some(true)),
        "{s}"
    );
    // Once it has exited, its record is no heartbeat of this container.
    here.processes = Processes::Listed(vec![(42, 4201)]);
    assert_eq!(status(&nested, &here).from_this_container(), Some(false));
}

#[test]
fn another_live_container_writing_the_file_is_a_conflict() {
    // Another container's writer, unseen, beat long after this one started.
    let mut other = beat(1_000_000, 5_000);
    edit(&mut other, |r| {
        r.incarnation = Some(Incarnation {
            mnt_ns: 8,
            pid_ns: 80,
            init_start: 50,
        })
    });
    let s = status(&other, &host(1_000_001, 5_001));
    assert_eq!(s.verdict(), Verdict::Dead);
    assert_eq!(
        s.to_string(),
        "worker: dead: written by another live container, pid 42: give each container its own path (/tmp/liveness/worker)"
    );
}

#[test]
fn a_record_of_another_component_never_vouches() {
    let mut indexer = beat(1_000_000, 5_000);
    edit(&mut indexer, |r| {
        r.owner = Some(Owner::new("indexer", None))
    });
    let s = status(&indexer, &host(1_000_001, 5_001));
    assert_eq!(
        s.to_string(),
        "worker: dead: the file holds the heartbeat of indexer: give each component its own path (/tmp/liveness/worker)"
    );
    let mut instance = beat(1_000_000, 5_000);
    edit(&mut instance, |r| {
        r.owner = Some(Owner::new("worker", Some(3)))
    });
    assert!(
        status(&instance, &host(1_000_001, 5_001))
            .to_string()
            .contains("heartbeat of worker[3]:")
    );
    // A heartbeat of no component (Timestamp::create) vouches for any.
    let mut anonymous = beat(1_000_000, 5_000);
    edit(&mut anonymous, |r| r.owner = None);
    assert_eq!(
        status(&anonymous, &host(1_000_001, 5_001)).verdict(),
        Verdict::Alive
    );
}

#[test]
fn without_procfs_freshness_alone_decides() {
    let mut blind = host(1_000_010, 5_010);
    blind.incarnation = None;
    blind.container_age = None;
    let mut elsewhere = beat(1_000_000, 5_000);
    edit(&mut elsewhere, |r| {
        r.incarnation = Some(Incarnation { mnt_ns: 8, ..HERE })
    });
    assert_eq!(status(&elsewhere, &blind).verdict(), Verdict::Alive);
    assert_eq!(
        status(&Contents::Missing, &blind).to_string(),
        "worker: dead: no heartbeat (/tmp/liveness/worker)"
    );
}
