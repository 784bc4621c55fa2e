use std::{path::Path, time::UNIX_EPOCH};

use super::*;
use crate::{
    host::{Boot, BootId, Incarnation, Processes},
    record::{Event, Owner, Parsed, Writer},
};

pub(super) const BOOT: BootId = BootId(*b"11111111-2222-3333-4444-555555555555");
pub(super) const OTHER_BOOT: BootId = BootId(*b"99999999-2222-3333-4444-555555555555");
/// This container: mount and PID namespaces, PID 1 started 100 ticks (1 s)
/// after boot.
pub(super) const HERE: Incarnation = Incarnation {
    mnt_ns: 7,
    pid_ns: 70,
    init_start: 100,
};
pub(super) const MAX_AGE: Duration = Duration::from_secs(90);
const HOUR: Duration = Duration::from_secs(3600);

pub(super) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A host at wall time `wall` (seconds since the epoch), `up` seconds
/// after boot, in the container `HERE`, which started at second 1.
pub(super) fn host(wall: u64, up: u64) -> Host {
    Host {
        wall: UNIX_EPOCH + secs(wall),
        boot: Some(Boot {
            id: BOOT,
            now: secs(up),
        }),
        incarnation: Some(HERE),
        container_age: Some(secs(up.saturating_sub(1))),
        processes: Processes::Listed(vec![]),
    }
}

/// A record of `worker` in this boot and container, written at `wall`, `up`.
pub(super) fn record(wall: u64, up: u64, event: Event) -> Record {
    Record {
        wall: UNIX_EPOCH + secs(wall),
        boot: Some((BOOT, secs(up))),
        writer: Writer {
            pid: 42,
            start: Some(4200),
        },
        incarnation: Some(HERE),
        owner: Some(Owner::new("worker", None)),
        event,
        ready: crate::record::Readiness::Ready,
        location: None,
    }
}

pub(super) fn beat(wall: u64, up: u64) -> Contents {
    Contents::Parsed(Parsed::Record(record(wall, up, Event::Beat)))
}

pub(super) fn limits() -> Limits {
    Limits {
        max_age: MAX_AGE,
        startup_grace: MAX_AGE,
        max_extend: Some(HOUR),
    }
}

pub(super) const WORKER: Expect<'static> = Expect {
    name: Some("worker"),
    instance: None,
};

pub(super) fn status(contents: &Contents, host: &Host) -> Status {
    Status::owning(
        &WORKER,
        Path::new("/tmp/liveness/worker"),
        limits(),
        contents.clone(),
        host,
    )
}

pub(super) fn edit(contents: &mut Contents, f: impl FnOnce(&mut Record)) {
    if let Contents::Parsed(Parsed::Record(r)) = contents {
        f(r);
    }
}

#[test]
fn wall_clock_steps_change_no_verdict_within_a_boot() {
    // Beat 10 s ago on the boot clock: fresh, whatever the wall clock did.
    let fresh = beat(1_000_000, 5_000);
    for wall in [1_000_010, 1_000_010 + 3600, 1_000_010 - 3600] {
        let s = status(&fresh, &host(wall, 5_010));
        assert_eq!(
            (s.verdict(), s.age()),
            (Verdict::Alive, Some(secs(10))),
            "wall {wall}: {s}"
        );
    }
    // Beat 200 s ago on the boot clock: stale, even if the wall clock was
    // stepped back to make it look recent.
    for wall in [1_000_200, 1_000_200 - 3600, 1_000_000] {
        let s = status(&fresh, &host(wall, 5_200));
        assert_eq!(
            (s.verdict(), s.age()),
            (Verdict::Dead, Some(secs(200))),
            "wall {wall}: {s}"
        );
    }
}

#[test]
fn another_boot_is_a_previous_container_and_an_epoch_float_is_aged_on_the_wall_clock() {
    let mut other_boot = beat(1_000_000, 999_999);
    edit(&mut other_boot, |r| {
        r.boot = Some((OTHER_BOOT, secs(999_999)))
    });
    let s = status(&other_boot, &host(1_000_030, 20));
    assert_eq!(
        (s.verdict(), s.from_this_container()),
        (Verdict::Starting, Some(false)),
        "{s}"
    );
    let float = Contents::Parsed(Parsed::EpochFloat(UNIX_EPOCH + secs(1_000_000)));
    let s = status(&float, &host(1_000_100, 20));
    assert_eq!(
        (s.verdict(), s.age()),
        (Verdict::Dead, Some(secs(100))),
        "{s}"
    );
}

#[test]
fn a_time_more_than_a_second_ahead_is_invalid() {
    let float = Contents::Parsed(Parsed::EpochFloat(UNIX_EPOCH + secs(1_000_000) + HOUR));
    let s = status(&float, &host(1_000_000, 20));
    assert_eq!(
        s.to_string(),
        "worker: dead: invalid heartbeat: last heartbeat is 1h in the future (/tmp/liveness/worker)"
    );
    let close = Contents::Parsed(Parsed::EpochFloat(
        UNIX_EPOCH + Duration::from_millis(1_000_000_900),
    ));
    assert_eq!(
        status(&close, &host(1_000_000, 20)).verdict(),
        Verdict::Alive
    );
    let s = status(&beat(1_000_000, 5_000), &host(1_000_000, 4_000));
    assert!(s.to_string().contains("is 16m 40s in the future"), "{s}");
}

#[test]
fn a_dead_age_never_reads_as_the_maximum() {
    let s = status(&beat(1_000_000, 5_000), &host(1_000_090, 5_090));
    assert_eq!(s.verdict(), Verdict::Alive, "exactly max_age is alive: {s}");
    let mut just_over = host(1_000_090, 5_090);
    just_over.boot.as_mut().unwrap().now += Duration::from_millis(400);
    let s = status(&beat(1_000_000, 5_000), &just_over);
    assert!(
        s.to_string()
            .starts_with("worker: dead: last heartbeat 1m 30s 400ms ago, max 1m 30s"),
        "{s}"
    );
}

#[test]
fn an_extension_keeps_alive_until_it_runs_out() {
    let extended = Contents::Parsed(Parsed::Record(record(
        1_000_000,
        5_000,
        Event::Extend {
            by: secs(600),
            reason: "reindexing\n".into(),
        },
    )));
    let s = status(&extended, &host(1_000_300, 5_300));
    assert_eq!(
        (s.verdict(), s.state(), s.reason()),
        (Verdict::Alive, Some(State::Extended), Some("reindexing\n"))
    );
    assert_eq!(
        s.to_string(),
        "worker: alive: extended: reindexing\\n, 5m left (/tmp/liveness/worker)"
    );
    assert_eq!(s.deadline(), Some(UNIX_EPOCH + secs(1_000_600)));
    let s = status(&extended, &host(1_000_605, 5_605));
    assert_eq!(s.verdict(), Verdict::Dead);
    assert!(
        s.to_string().starts_with(
            "worker: dead: extension ran out 5s ago: reindexing\\n, last heartbeat 10m 5s ago"
        ),
        "{s}"
    );
    // More than the declared maximum is cut to it.
    let mut bounded = limits();
    bounded.max_extend = Some(secs(120));
    let s = Status::owning(
        &WORKER,
        Path::new("/w"),
        bounded,
        extended,
        &host(1_000_300, 5_300),
    );
    assert_eq!(s.verdict(), Verdict::Dead, "{s}");
}

#[test]
fn a_failure_is_dead_whatever_its_age() {
    let failed = Contents::Parsed(Parsed::Record(record(
        1_000_000,
        5_000,
        Event::Fail {
            reason: "lost the schema".into(),
        },
    )));
    let s = status(&failed, &host(1_000_000, 5_000));
    assert_eq!(
        (s.verdict(), s.state()),
        (Verdict::Dead, Some(State::Failed))
    );
    assert_eq!(
        s.to_string(),
        "worker: dead: failed: lost the schema (/tmp/liveness/worker)"
    );
    assert!(s.has_started());
}

#[test]
fn an_empty_file_is_no_heartbeat_and_startup_grace_zero_is_dead_at_once() {
    let mut young = host(1_000_000, 5_000);
    young.container_age = Some(secs(10));
    assert_eq!(
        status(&Contents::Empty, &young).verdict(),
        Verdict::Starting
    );
    young.container_age = Some(secs(100));
    assert_eq!(
        status(&Contents::Empty, &young).to_string(),
        "worker: dead: no heartbeat (the file is empty) since the container started 1m 40s ago, grace 1m 30s: beat earlier, or raise startup_grace (/tmp/liveness/worker)"
    );
    let mut no_grace = limits();
    no_grace.startup_grace = Duration::ZERO;
    let s = Status::owning(
        &WORKER,
        Path::new("/w"),
        no_grace,
        Contents::Missing,
        &host(1, 0),
    );
    assert_eq!(s.verdict(), Verdict::Dead);
}
