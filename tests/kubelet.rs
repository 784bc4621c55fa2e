//! The example worker and its real probe binary under a played kubelet,
//! with timings scaled down: `max_age` 3 s, `startup_grace` 1 s, probe every
//! 0.5 s, timeout 1 s, 3 failures in a row restart the container.
//!
//! A hung service must be restarted within
//! `max_age + periodSeconds × failureThreshold` of its last heartbeat, and
//! one that never beats within `startup_grace + periodSeconds ×
//! failureThreshold` of its start; the tests allow 250 ms more for starting
//! processes on a busy machine.

mod common;

use std::time::Duration;

use common::{
    Files,
    kubelet::{ProbeSpec, run_pod},
};

const MAX_AGE: Duration = Duration::from_secs(3);
const STARTUP_GRACE: Duration = Duration::from_secs(1);
const SPEC: ProbeSpec = ProbeSpec {
    initial_delay: Duration::ZERO,
    period: Duration::from_millis(500),
    timeout: Duration::from_secs(1),
    failure_threshold: 3,
};

/// `periodSeconds × failureThreshold`, plus the slack for process starts.
fn detection_budget() -> Duration {
    SPEC.period * SPEC.failure_threshold + Duration::from_millis(250)
}

#[test]
fn a_hung_loop_is_restarted_within_the_kill_time_budget() {
    let files = Files::new();
    let lives = run_pod(
        SPEC,
        &files,
        |n| {
            if n == 0 {
                vec!["--hang-after", "1"]
            } else {
                vec![]
            }
        },
        Duration::from_secs(7),
    );
    let first = &lives[0];
    let killed = first
        .killed
        .expect("the hung container was never restarted");
    let since_beat = first
        .killed_at_wall
        .unwrap()
        .duration_since(first.last_beat_at_kill.expect("it beat before hanging"))
        .unwrap();
    assert!(
        since_beat >= MAX_AGE,
        "restarted {since_beat:?} after its last beat: too early"
    );
    assert!(
        since_beat <= MAX_AGE + detection_budget(),
        "restarted {since_beat:?} after its last beat, budget {:?}",
        MAX_AGE + detection_budget()
    );
    // Its probes said why, on one line per component.
    let last = first.probes.last().unwrap();
    assert_eq!(last.code, Some(1));
    assert!(
        last.stdout.starts_with("worker: dead: last heartbeat "),
        "{}",
        last.stdout
    );
    // The replacement is healthy and stays up.
    assert_eq!(lives.len(), 2, "restarted more than once");
    assert!(lives[1].killed.is_none());
    assert!(killed > first.started);
}

#[test]
fn a_service_that_never_beats_is_restarted_after_its_startup_grace() {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer);
    let lives = run_pod(
        SPEC,
        &files,
        |n| {
            if n == 0 {
                vec!["--hang-after", "0"]
            } else {
                vec![]
            }
        },
        Duration::from_secs(5),
    );
    let first = &lives[0];
    let up = first.killed.expect("never restarted") - first.started;
    assert!(
        up >= STARTUP_GRACE,
        "restarted after {up:?}, inside its startup grace"
    );
    assert!(
        up <= STARTUP_GRACE + detection_budget(),
        "restarted after {up:?}"
    );
    // While inside the grace, the probe said "starting".
    let early = &first.probes[0];
    assert_eq!(early.code, Some(0), "{}", early.stdout);
    assert!(
        early
            .stdout
            .starts_with("worker: alive: starting: no heartbeat yet"),
        "{}",
        early.stdout
    );
}

#[test]
fn a_restarted_container_is_judged_on_its_own_beats_not_the_old_file() {
    let files = Files::new();
    // The first container beats, then crashes with its heartbeat fresh; its
    // replacement reuses the file (an emptyDir survives) and never beats.
    let lives = run_pod(
        SPEC,
        &files,
        |n| match n {
            0 => vec!["--exit-after", "1.5"],
            1 => vec!["--hang-after", "0"],
            _ => vec![],
        },
        Duration::from_secs(7),
    );
    assert!(
        lives[0].exited.is_some(),
        "the first container did not crash"
    );
    let second = &lives[1];
    // Judged on its own (absent) beats, it is dead once its 1 s grace is
    // over. Had the old file vouched for it, it would have lived until that
    // file was 3 s old, and been restarted after at least 3 s + 2 periods.
    let up = second.killed.expect("the replacement was never restarted") - second.started;
    assert!(
        up <= STARTUP_GRACE + detection_budget(),
        "restarted after {up:?}"
    );
    let first_probe = &second.probes[0];
    assert!(
        first_probe
            .stdout
            .contains("no heartbeat from this container (the file is from a previous one)"),
        "{}",
        first_probe.stdout
    );
}
