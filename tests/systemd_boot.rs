//! The example worker under the real systemd: systemd 252 boots as PID 1 in
//! a container (`tests/common/systemd.rs`) and runs three `Type=notify`
//! units of the static worker, each made of what `worker-liveness
//! --systemd` prints and an `ExecStart=`: one that beats, one whose loops
//! wedge, one that calls `fail`. systemd restarts the last two on the
//! watchdog, and not the first.
//!
//! Needs root, `runc` and `debootstrap` (the root file system is built once
//! into `target/systemd-rootfs`, about 90 s of network), so it is ignored
//! by default; `.ci/run` runs it with `cargo test --test systemd_boot --
//! --ignored`, where it fails if it cannot run.

mod common;

use std::{
    process::Command,
    thread,
    time::{Duration, Instant},
};

use common::{runc, systemd::Machine};

/// The worker's `max_age`, and the ping interval of `WatchdogSec=3s`.
const MAX_AGE: Duration = Duration::from_secs(3);
const PING: Duration = Duration::from_millis(1500);

/// How long any one wait may take (a hang guard, not a timing assertion).
const GUARD: Duration = Duration::from_secs(30);

/// A unit: the probe's settings, and the worker with `args`.
fn unit(args: &str) -> String {
    let probe = runc::static_binaries().join("worker-liveness");
    let out = Command::new(probe).arg("--systemd").output().unwrap();
    assert!(out.status.success(), "worker-liveness --systemd: {out:?}");
    let settings = String::from_utf8(out.stdout).unwrap();
    format!("[Unit]\nDescription=worker {args}\n\n{settings}ExecStart=/srv/worker {args}\n")
}

/// When `message` first appears in `journal`.
fn first(journal: &[(Duration, String)], message: &str) -> Duration {
    journal
        .iter()
        .find(|(_, m)| m.starts_with(message))
        .unwrap_or_else(|| panic!("{message:?} not in the journal: {journal:#?}"))
        .0
}

/// Waits until `unit` has been restarted at least once.
fn until_restarted(machine: &Machine, unit: &str) {
    let begin = Instant::now();
    while machine.show(unit, "NRestarts") == "0" {
        assert!(
            begin.elapsed() < GUARD,
            "{unit} not restarted: {:#?}",
            machine.journal(unit)
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the journal says `unit` started after `after`: `NRestarts`
/// counts a restart when it is scheduled, `Started` comes a `RestartSec`
/// later.
fn until_started_after(machine: &Machine, unit: &str, after: Duration) {
    let begin = Instant::now();
    loop {
        let journal = machine.journal(unit);
        let started = format!("Started {unit}");
        if journal
            .iter()
            .any(|(at, m)| *at > after && m.starts_with(&started))
        {
            return;
        }
        assert!(
            begin.elapsed() < GUARD,
            "{unit} not started again: {journal:#?}"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs root, runc and debootstrap"]
fn systemd_restarts_a_wedged_or_failed_worker_and_only_those() {
    if let Some(why) = runc::unavailable() {
        panic!("cannot boot systemd: {why}");
    }
    let machine = Machine::boot(&[
        ("beat.service", unit("--period 100")),
        ("wedge.service", unit("--period 100 --hang-after 3")),
        ("fail.service", unit("--period 100 --fail-after 2")),
    ]);

    // Beating: started (READY=1), its status the probe's lines.
    let status = machine.show("beat.service", "StatusText");
    assert!(
        status.starts_with("worker: alive: last heartbeat "),
        "{status}"
    );
    assert!(
        status.contains("; indexer: alive: last heartbeat "),
        "{status}"
    );
    assert_eq!(machine.show("beat.service", "ActiveState"), "active");

    // Failed: the watchdog triggered at once, saying why; restarted.
    until_restarted(&machine, "fail.service");
    let journal = machine.journal("fail.service");
    let started = first(&journal, "Started fail.service");
    let request = first(
        &journal,
        "fail.service: Watchdog request (last status: worker: dead: failed: lost the database schema",
    );
    let killed = first(&journal, "fail.service: Failed with result 'watchdog'");
    assert!(request <= killed, "{journal:#?}");
    // `fail` is called 2 s after the worker starts (before `Started`):
    // killed then, not a WatchdogSec later (a margin for a loaded machine).
    let after = killed - started;
    assert!(
        after < Duration::from_secs(2) + Duration::from_secs(1),
        "{after:?}: {journal:#?}"
    );

    // Wedged: killed once max_age had passed since its last beat, within
    // max_age and one ping interval of it, then restarted.
    until_restarted(&machine, "wedge.service");
    let journal = machine.journal("wedge.service");
    let wedged = first(&journal, "worker: wedged");
    first(
        &journal,
        "wedge.service: Watchdog request (last status: worker: dead: last heartbeat ",
    );
    let killed = first(&journal, "wedge.service: Failed with result 'watchdog'");
    // The last beat was recorded at most max_age / 10 and a period before
    // the loop wedged.
    let last_beat_at_least = wedged - Duration::from_millis(400);
    assert!(
        killed - last_beat_at_least <= MAX_AGE + PING,
        "{journal:#?}"
    );
    assert!(
        killed - wedged >= MAX_AGE - Duration::from_millis(400),
        "{journal:#?}"
    );
    until_started_after(&machine, "wedge.service", killed);

    // Meanwhile the beating worker was never restarted.
    assert_eq!(machine.show("beat.service", "NRestarts"), "0");
    assert_eq!(machine.show("beat.service", "Result"), "success");
    assert_eq!(machine.show("beat.service", "ActiveState"), "active");
}
