//! The example services and their real probes under a played kubelet, with
//! timings scaled down: `max_age` 3 s, `startup_grace` 1 s, probe every
//! 0.5 s, timeout 1 s, 3 failures in a row restart the container.
//!
//! Both sides of every bound are checked. A hung service is restarted no
//! earlier than `max_age + periodSeconds × (failureThreshold - 1)` after its
//! last heartbeat (the first failing probe comes after `max_age`, then two
//! more a period apart) and no later than `max_age + periodSeconds ×
//! failureThreshold`; one that never beats, within the same window after
//! its `startup_grace`. The tests allow 250 ms more on the late side for
//! starting processes on a busy machine, and 50 ms on the early side for a
//! probe that started late on its tick.

mod common;

use std::{
    path::PathBuf,
    process::{Child, Command},
    time::{Duration, SystemTime},
};

use common::{
    FakeProc, Files,
    kubelet::{self, ProbeSpec, Service, exec_probe, run_pod},
};

const MAX_AGE: Duration = Duration::from_secs(3);
const STARTUP_GRACE: Duration = Duration::from_secs(1);
const SPEC: ProbeSpec = ProbeSpec {
    initial_delay: Duration::ZERO,
    period: Duration::from_millis(500),
    timeout: Duration::from_secs(1),
    failure_threshold: 3,
};
const EARLY_SLACK: Duration = Duration::from_millis(50);
const LATE_SLACK: Duration = Duration::from_millis(250);

/// The earliest and latest correct kill, after the heartbeat (or the grace)
/// ran out.
fn window(base: Duration) -> (Duration, Duration) {
    (
        base + SPEC.period * (SPEC.failure_threshold - 1) - EARLY_SLACK,
        base + SPEC.period * SPEC.failure_threshold + LATE_SLACK,
    )
}

fn assert_within(what: &str, took: Duration, base: Duration) {
    let (earliest, latest) = window(base);
    assert!(
        took >= earliest,
        "{what} after {took:?}: too early (earliest {earliest:?})"
    );
    assert!(
        took <= latest,
        "{what} after {took:?}: too late (latest {latest:?})"
    );
}

/// The container was restarted, no earlier and no later than the window
/// after its last heartbeat.
fn assert_hung_restarted_in_window(life: &kubelet::Life) {
    assert!(
        life.killed.is_some(),
        "the hung container was never restarted"
    );
    let since_beat = life
        .killed_at_wall
        .unwrap()
        .duration_since(life.last_beat_at_kill.expect("it beat before hanging"))
        .unwrap();
    assert_within("restarted", since_beat, MAX_AGE);
}

#[test]
fn a_hung_loop_is_restarted_within_the_kill_time_window() {
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
    assert_eq!(first.probes[0].code, Some(0), "{}", first.probes[0].stdout);
    assert_hung_restarted_in_window(first);
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
    assert_within("restarted", up, STARTUP_GRACE);
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
    assert_within("restarted", up, STARTUP_GRACE);
    let first_probe = &second.probes[0];
    assert_eq!(first_probe.code, Some(0), "{}", first_probe.stdout);
    assert!(
        first_probe.stdout.starts_with(
            "worker: alive: starting: no heartbeat from this container (the file is from a previous one) yet"
        ),
        "{}",
        first_probe.stdout
    );
}

#[test]
fn a_hung_loop_probed_over_http_is_restarted_within_the_same_window() {
    let files = Files::new();
    let service = kubelet::HttpWorkerService::new(&files, |n| {
        if n == 0 {
            vec!["--hang-after", "1"]
        } else {
            vec![]
        }
    });
    let lives = kubelet::run(SPEC, &service, Duration::from_secs(7));
    let first = &lives[0];
    assert!(
        first.probes[0].stdout.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        first.probes[0].stdout
    );
    assert_hung_restarted_in_window(first);
    let last = &first.probes.last().unwrap().stdout;
    assert!(
        last.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{last}"
    );
    assert!(
        last.contains("\r\n\r\nworker: dead: last heartbeat "),
        "{last}"
    );
    assert_eq!(lives.len(), 2, "restarted more than once");
    assert!(lives[1].killed.is_none());
}

/// The pool example (`examples/pool.rs`) with its probe subcommand; the
/// watched heartbeat is instance `watch`'s.
struct PoolService {
    dir: common::TempDir,
    args: fn(usize) -> Vec<&'static str>,
    watch: u32,
}

impl PoolService {
    fn path(&self) -> PathBuf {
        self.dir.path().join("consumer")
    }
}

impl Service for PoolService {
    fn start(&self, n: usize, proc: &FakeProc) -> Child {
        Command::new(env!("CARGO_BIN_EXE_pool"))
            .args((self.args)(n))
            .env("CONSUMER_LIVENESS_PATH", self.path())
            .env("LIVENESS_PROC_ROOT", proc.path())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    fn probe(&self, _: &Child, proc: &FakeProc, timeout: Duration) -> (Option<i32>, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pool"));
        cmd.arg("probe")
            .env("CONSUMER_LIVENESS_PATH", self.path())
            .env("LIVENESS_PROC_ROOT", proc.path());
        exec_probe(&mut cmd, timeout)
    }

    fn last_beat(&self) -> Option<SystemTime> {
        let mut path = self.path().into_os_string();
        path.push(format!(".{}", self.watch));
        liveness::Timestamp::byref(path, Duration::from_secs(1)).value()
    }
}

#[test]
fn a_pool_with_one_wedged_task_is_dead_within_max_age_and_a_period_naming_it() {
    let service = PoolService {
        dir: common::scratch(),
        args: |n| {
            if n == 0 {
                vec!["--wedge", "2", "--after", "1"]
            } else {
                vec![]
            }
        },
        watch: 2,
    };
    let lives = kubelet::run(SPEC, &service, Duration::from_secs(7));
    let first = &lives[0];
    let dead = first
        .probes
        .iter()
        .find(|p| p.code != Some(0))
        .expect("the wedged pool was never judged dead");
    let lines: Vec<&str> = dead.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "one line per instance: {}", dead.stdout);
    for (i, line) in lines.iter().enumerate() {
        let verdict = if i == 2 {
            "dead: last heartbeat "
        } else {
            "alive: last heartbeat "
        };
        assert!(
            line.starts_with(&format!("consumer[{i}]: {verdict}")),
            "{}",
            dead.stdout
        );
    }
    // The first dead verdict came within max_age and one period of the
    // wedged task's last beat, not before max_age.
    let wall_at = SystemTime::now() - dead.at.elapsed();
    let since_beat = wall_at.duration_since(dead.last_beat.unwrap()).unwrap();
    assert!(
        since_beat >= MAX_AGE - EARLY_SLACK,
        "dead {since_beat:?} after the last beat"
    );
    assert!(
        since_beat <= MAX_AGE + SPEC.period + LATE_SLACK,
        "dead {since_beat:?} after the last beat"
    );
    assert!(
        first.killed.is_some(),
        "the wedged pool was never restarted"
    );
    assert!(
        lives[1].killed.is_none(),
        "the healthy replacement was restarted"
    );
}
