//! Readiness under the played kubelet: the example worker and its real
//! probe binary (`--ready` for the readinessProbe, the plain run for the
//! livenessProbe), `max_age` 3 s, liveness every 0.5 s with 3 failures to
//! restart, readiness every 0.5 s with 1 failure to leave the Service's
//! endpoints and 1 success to come back (what `--k8s --ready` prints, scaled
//! down).
//!
//! A component that is unready leaves the endpoints within one readiness
//! period and comes back within one, and is never restarted; a drain takes
//! it out at once and for good while liveness stays green; a hung one
//! leaves the endpoints, then is restarted as before. The bounds allow
//! 250 ms for starting processes on a busy machine.

mod common;

use std::time::Duration;

use common::{
    Files,
    kubelet::{self, Life, ProbeSpec, ReadySpec, WorkerService},
};

const SPEC: ProbeSpec = ProbeSpec {
    initial_delay: Duration::ZERO,
    period: Duration::from_millis(500),
    timeout: Duration::from_secs(1),
    failure_threshold: 3,
};
const READY: ReadySpec = ReadySpec {
    period: Duration::from_millis(500),
    timeout: Duration::from_secs(1),
    failure_threshold: 1,
    success_threshold: 1,
};
const SLACK: Duration = Duration::from_millis(250);

fn pod(files: &Files, args: &'static [&'static str], duration: Duration) -> Vec<Life> {
    let service = WorkerService {
        files,
        args: |_| args.to_vec(),
    };
    kubelet::run_with_readiness(SPEC, Some(READY), &service, duration)
}

/// When, after the container started, it entered (`true`) or left the
/// endpoints.
fn moves(life: &Life) -> Vec<(Duration, bool)> {
    life.endpoints
        .iter()
        .map(|(at, inside)| (at.duration_since(life.started), *inside))
        .collect()
}

fn assert_near(what: &str, at: Duration, after: Duration) {
    assert!(
        at >= after && at <= after + READY.period + SLACK,
        "{what} at {at:?}: expected within one period after {after:?}"
    );
}

fn liveness_always_passed(life: &Life) {
    for run in &life.probes {
        assert_eq!(run.code, Some(0), "a liveness check failed: {}", run.stdout);
    }
}

#[test]
fn unready_for_3s_leaves_the_endpoints_within_a_period_and_is_never_restarted() {
    let files = Files::new();
    let lives = pod(
        &files,
        &["--unready-after", "2", "--unready-for", "3"],
        Duration::from_secs(7),
    );
    assert_eq!(lives.len(), 1, "restarted for being unready");
    let life = &lives[0];
    assert!(life.killed.is_none() && life.exited.is_none());
    liveness_always_passed(life);
    let moves = moves(life);
    assert!(moves.len() >= 4, "{moves:?}");
    assert!(
        moves[0].1 && moves[0].0 < Duration::from_secs(1),
        "{moves:?}"
    );
    assert!(!moves[1].1, "{moves:?}");
    assert_near("left", moves[1].0, Duration::from_secs(2));
    assert!(moves[2].1, "{moves:?}");
    assert_near("came back", moves[2].0, Duration::from_secs(5));
    let said = life
        .ready_probes
        .iter()
        // A check before the worker's first beat says it is starting.
        .find(|run| run.code == Some(1) && !run.stdout.contains(": not ready: starting: "))
        .unwrap();
    assert!(
        said.stdout
            .starts_with("worker: not ready: database unreachable (alive, last heartbeat "),
        "{}",
        said.stdout
    );
}

#[test]
fn a_drain_leaves_the_endpoints_at_once_and_for_good_while_liveness_stays_green() {
    let files = Files::new();
    let lives = pod(&files, &["--drain-after", "2"], Duration::from_secs(5));
    assert_eq!(lives.len(), 1, "restarted for draining");
    liveness_always_passed(&lives[0]);
    let moves = moves(&lives[0]);
    assert!(moves[0].1, "{moves:?}");
    assert!(!moves[1].1, "{moves:?}");
    assert_near("left", moves[1].0, Duration::from_secs(2));
    // Out for good: the only later move is the container's end.
    assert_eq!(moves.len(), 2, "{moves:?}");
    let last = lives[0].ready_probes.last().unwrap();
    assert!(
        last.stdout
            .starts_with("worker: not ready: draining: shutting down (alive, "),
        "{}",
        last.stdout
    );
}

#[test]
fn a_hung_loop_leaves_the_endpoints_then_is_restarted_as_before() {
    let files = Files::new();
    let lives = pod(&files, &["--hang-after", "1"], Duration::from_secs(6));
    let first = &lives[0];
    let killed = first
        .killed
        .expect("the hung container was never restarted");
    let left = first
        .endpoints
        .iter()
        .find(|(_, inside)| !inside)
        .map(|(at, _)| *at)
        .expect("it left the endpoints");
    assert!(left < killed, "left the endpoints only when killed");
    assert!(lives.len() >= 2);
    assert!(
        moves(&lives[1]).first().is_some_and(|m| m.1),
        "the new one is in"
    );
}
