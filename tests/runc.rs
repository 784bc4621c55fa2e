//! The example worker and its static probe under a real OCI runtime: `runc`,
//! which containerd runs for the kubelet. The root file system is read-only
//! and holds only the two static binaries, the worker runs as uid 65532, its
//! heartbeats live on a host directory bind-mounted at `/tmp/liveness` (an
//! `emptyDir`, which outlives the containers of a pod), and the probe runs
//! with `runc exec`, as containerd runs an exec probe. `max_age` is 3 s,
//! `startup_grace` 1 s.
//!
//! Needs root and `runc`, so it is ignored by default; `.ci/run` runs it with
//! `cargo test --test runc -- --ignored`, where it fails if it cannot run.

mod common;

use std::time::Duration;

use common::runc::{self, Pod, ProbeRun, record_time, transcript};

const MAX_AGE: Duration = Duration::from_secs(3);

/// How long any one step may take before the test gives up (a hang guard on
/// a shared machine, not a timing assertion).
const GUARD: Duration = Duration::from_secs(15);

const PREVIOUS: &str = "no heartbeat from this container (the file is from a previous one)";

fn worker_alive(run: &ProbeRun) -> bool {
    run.code == Some(0)
        && run
            .line("worker")
            .starts_with("worker: alive: last heartbeat ")
}

fn worker_dead(run: &ProbeRun) -> bool {
    run.code == Some(1) && run.line("worker").starts_with("worker: dead: ")
}

#[test]
#[ignore = "needs root and runc"]
// One scenario, step by step: splitting it would hide the order it tests.
#[allow(clippy::too_many_lines)]
fn restarts_under_runc_are_told_apart_by_the_probe() {
    if let Some(why) = runc::unavailable() {
        eprintln!("tests/runc.rs cannot run: {why}");
        panic!("cannot run containers: {why}");
    }
    let mut pod = Pod::new();
    let heartbeat = pod.heartbeats().join("worker");

    // A container that beats is alive.
    let first = pod.start(&[]);
    let runs = first.probe_until(GUARD, worker_alive);
    eprintln!("beating:\n{}", transcript(&runs));
    assert!(
        runs.iter().all(|r| r.code == Some(0)),
        "a beating worker was judged dead:\n{}",
        transcript(&runs)
    );
    // The worker is the container's PID 1.
    let record = std::fs::read_to_string(&heartbeat).unwrap();
    assert!(record.contains(" pid=1 "), "{record}");
    drop(first); // runc kill KILL, runc delete --force

    // Its replacement never beats, while the old heartbeat is still fresh:
    // starting within the grace, dead after it, never vouched for by the
    // previous container's file.
    let old = std::fs::read_to_string(&heartbeat).unwrap();
    let old_beat = record_time(&old);
    let second = pod.start(&["--hang-after", "0"]);
    let runs = second.probe_until(GUARD, worker_dead);
    eprintln!("never beats, old file {old:?}:\n{}", transcript(&runs));
    let (dead, before) = runs.split_last().unwrap();
    assert!(
        !before.is_empty(),
        "dead at the first probe, within the startup grace:\n{}",
        transcript(&runs)
    );
    for run in before {
        assert_eq!(run.code, Some(0), "{}", transcript(&runs));
        assert!(
            run.line("worker").starts_with(&format!(
                "worker: alive: starting: {PREVIOUS} yet, container up "
            )),
            "{}",
            transcript(&runs)
        );
    }
    let line = dead.line("worker");
    assert!(
        line.starts_with(&format!(
            "worker: dead: {PREVIOUS} since the container started "
        )),
        "{line}"
    );
    assert!(
        line.ends_with(", grace 1s: beat earlier, or raise startup_grace (/tmp/liveness/worker)"),
        "{line}"
    );
    // The file is the previous container's, untouched, and was still younger
    // than max_age when the probe had judged it.
    assert_eq!(std::fs::read_to_string(&heartbeat).unwrap(), old);
    let age = dead.finished.duration_since(old_beat).unwrap();
    eprintln!("the old heartbeat was {age:?} old when judged dead");
    assert!(
        age < MAX_AGE,
        "the old heartbeat was {age:?} old when the probe said dead: the machine \
         was too slow to show that a fresh heartbeat of a previous container does not vouch"
    );
    drop(second);

    // A new container that beats is alive again.
    let third = pod.start(&[]);
    let runs = third.probe_until(GUARD, worker_alive);
    eprintln!("beating again:\n{}", transcript(&runs));
    assert!(
        runs.iter().all(|r| r.code == Some(0)),
        "{}",
        transcript(&runs)
    );
    drop(third);

    // One that wedges after a second is alive, then dead once its last beat
    // is older than max_age.
    let fourth = pod.start(&["--hang-after", "1"]);
    let runs = fourth.probe_until(GUARD, worker_dead);
    eprintln!("wedges:\n{}", transcript(&runs));
    let (dead, before) = runs.split_last().unwrap();
    assert!(
        before.iter().any(worker_alive),
        "never alive before it wedged:\n{}",
        transcript(&runs)
    );
    assert!(
        before.iter().all(|r| r.code == Some(0)),
        "{}",
        transcript(&runs)
    );
    let line = dead.line("worker");
    // It names where the loop stopped: the worker's `beat` call.
    assert!(
        line.starts_with("worker: dead: last heartbeat ")
            && line.contains(" ago at examples/worker.rs:")
            && line.ends_with(", max 3s (/tmp/liveness/worker)"),
        "{line}"
    );
    let last_beat = record_time(&std::fs::read_to_string(&heartbeat).unwrap());
    let age = dead.finished.duration_since(last_beat).unwrap();
    assert!(age >= MAX_AGE, "dead {age:?} after the last beat");
    assert!(fourth.log().contains("worker: wedged"), "{}", fourth.log());
}
