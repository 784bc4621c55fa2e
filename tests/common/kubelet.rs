//! A kubelet, played faithfully enough for liveness: an exec probe run on a
//! fixed-rate ticker after `initialDelaySeconds`, cut at `timeoutSeconds`
//! (a timeout is a failure), `failureThreshold` failures in a row kill the
//! container and start a new one, and a container that exits is restarted at
//! once. Every container is a new incarnation (its own stand-in procfs) that
//! shares the pod's heartbeat directory, as an `emptyDir` is shared.

use std::{
    process::{Child, Stdio},
    time::{Duration, Instant, SystemTime},
};

use super::{FakeProc, Files};

/// The probe's settings, as in a `livenessProbe`.
#[derive(Clone, Copy)]
pub struct ProbeSpec {
    pub initial_delay: Duration,
    pub period: Duration,
    pub timeout: Duration,
    pub failure_threshold: u32,
}

/// One probe run.
pub struct ProbeRun {
    pub at: Instant,
    pub code: Option<i32>,
    pub stdout: String,
}

/// What happened to one container.
pub struct Life {
    pub started: Instant,
    /// When the kubelet killed it after failed probes.
    pub killed: Option<Instant>,
    /// When it exited by itself.
    pub exited: Option<Instant>,
    /// The worker's heartbeat (wall time) when the kubelet killed it.
    pub last_beat_at_kill: Option<SystemTime>,
    pub killed_at_wall: Option<SystemTime>,
    pub probes: Vec<ProbeRun>,
}

struct Running {
    child: Child,
    proc: FakeProc,
    life: Life,
}

fn start(files: &Files, args: &[&str]) -> Running {
    let proc = FakeProc::container_started(Duration::ZERO);
    // The kubelet's timings are the test: beat at the worker's own pace.
    let child = files.start_worker(Some(&proc), &[&["--period", "100"], args].concat());
    let life = Life {
        started: Instant::now(),
        killed: None,
        exited: None,
        last_beat_at_kill: None,
        killed_at_wall: None,
        probes: Vec::new(),
    };
    Running { child, proc, life }
}

fn probe(files: &Files, proc: &FakeProc, timeout: Duration) -> ProbeRun {
    let at = Instant::now();
    let mut child = files
        .probe()
        .env("LIVENESS_PROC_ROOT", proc.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if at.elapsed() > timeout {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    ProbeRun {
        at,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// Runs the pod for `duration`; container `n` runs `worker` with `args(n)`.
/// Returns the life of every container, in order.
pub fn run_pod(
    spec: ProbeSpec,
    files: &Files,
    args: impl Fn(usize) -> Vec<&'static str>,
    duration: Duration,
) -> Vec<Life> {
    let begin = Instant::now();
    let mut lives = Vec::new();
    let mut current = start(files, &args(0));
    let mut next_tick = current.life.started + spec.initial_delay;
    let mut failures = 0;
    while begin.elapsed() < duration {
        if let Some(wait) = next_tick.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        next_tick += spec.period;
        if current.child.try_wait().unwrap().is_some() {
            current.life.exited = Some(Instant::now());
            lives.push(current.life);
            current = start(files, &args(lives.len()));
            next_tick = current.life.started + spec.initial_delay;
            failures = 0;
            continue;
        }
        let run = probe(files, &current.proc, spec.timeout);
        failures = if run.code == Some(0) { 0 } else { failures + 1 };
        current.life.probes.push(run);
        if failures >= spec.failure_threshold {
            current.child.kill().unwrap();
            current.child.wait().unwrap();
            current.life.killed = Some(Instant::now());
            current.life.killed_at_wall = Some(SystemTime::now());
            current.life.last_beat_at_kill =
                liveness::Timestamp::byref(&files.worker, Duration::from_secs(1)).value();
            lives.push(current.life);
            current = start(files, &args(lives.len()));
            next_tick = current.life.started + spec.initial_delay;
            failures = 0;
        }
    }
    current.child.kill().unwrap();
    current.child.wait().unwrap();
    lives.push(current.life);
    lives
}
