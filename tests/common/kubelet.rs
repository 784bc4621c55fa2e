//! A kubelet, played faithfully enough for liveness: a probe run on a
//! fixed-rate ticker after `initialDelaySeconds`, cut at `timeoutSeconds`
//! (a timeout is a failure), `failureThreshold` failures in a row kill the
//! container and start a new one, and a container that exits is restarted at
//! once. Every container is a new incarnation (its own stand-in procfs) that
//! shares the pod's heartbeat directory, as an `emptyDir` is shared.
//!
//! The probe is an exec of a probe binary, or (with an HTTP service) a `GET`
//! on a fresh connection, as the kubelet's `httpGet` does.

use std::{
    process::{Child, Command, Stdio},
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
    /// The watched heartbeat's wall time right after the probe.
    pub last_beat: Option<SystemTime>,
}

/// What happened to one container.
pub struct Life {
    pub started: Instant,
    /// When the kubelet killed it after failed probes.
    pub killed: Option<Instant>,
    /// When it exited by itself.
    pub exited: Option<Instant>,
    /// The watched heartbeat (wall time) when the kubelet killed it.
    pub last_beat_at_kill: Option<SystemTime>,
    pub killed_at_wall: Option<SystemTime>,
    pub probes: Vec<ProbeRun>,
}

/// A service in a pod: how to start its container `n`, how to probe it,
/// which heartbeat to watch.
pub trait Service {
    fn start(&self, n: usize, proc: &FakeProc) -> Child;
    /// Probes the container `child` once; the exit code (0 alive, 1 dead,
    /// `None` for a timeout) and what it said.
    fn probe(&self, child: &Child, proc: &FakeProc, timeout: Duration) -> (Option<i32>, String);
    fn last_beat(&self) -> Option<SystemTime>;
}

/// Runs an exec probe `cmd`, killing it at `timeout`.
pub fn exec_probe(cmd: &mut Command, timeout: Duration) -> (Option<i32>, String) {
    let at = Instant::now();
    let mut child = cmd
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
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The example worker and its probe binary; container `n` runs the worker
/// with `args(n)`.
pub struct WorkerService<'a, F> {
    pub files: &'a Files,
    pub args: F,
}

impl<F: Fn(usize) -> Vec<&'static str>> Service for WorkerService<'_, F> {
    fn start(&self, n: usize, proc: &FakeProc) -> Child {
        // The kubelet's timings are the test: beat at the worker's own pace.
        self.files.start_worker(
            Some(proc),
            &[&["--period", "100"], &(self.args)(n)[..]].concat(),
        )
    }

    fn probe(&self, _: &Child, proc: &FakeProc, timeout: Duration) -> (Option<i32>, String) {
        exec_probe(
            self.files.probe().env("LIVENESS_PROC_ROOT", proc.path()),
            timeout,
        )
    }

    fn last_beat(&self) -> Option<SystemTime> {
        liveness::Timestamp::byref(&self.files.worker, Duration::from_secs(1)).value()
    }
}

struct Running {
    child: Child,
    proc: FakeProc,
    life: Life,
}

fn start(service: &dyn Service, n: usize) -> Running {
    let proc = FakeProc::container_started(Duration::ZERO);
    let child = service.start(n, &proc);
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

/// Runs the pod for `duration`; returns the life of every container, in
/// order.
pub fn run(spec: ProbeSpec, service: &dyn Service, duration: Duration) -> Vec<Life> {
    let begin = Instant::now();
    let mut lives = Vec::new();
    let mut current = start(service, 0);
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
            current = start(service, lives.len());
            next_tick = current.life.started + spec.initial_delay;
            failures = 0;
            continue;
        }
        let at = Instant::now();
        let (code, stdout) = service.probe(&current.child, &current.proc, spec.timeout);
        let last_beat = service.last_beat();
        failures = if code == Some(0) { 0 } else { failures + 1 };
        current.life.probes.push(ProbeRun {
            at,
            code,
            stdout,
            last_beat,
        });
        if failures >= spec.failure_threshold {
            current.child.kill().unwrap();
            current.child.wait().unwrap();
            current.life.killed = Some(Instant::now());
            current.life.killed_at_wall = Some(SystemTime::now());
            current.life.last_beat_at_kill = last_beat;
            lives.push(current.life);
            current = start(service, lives.len());
            next_tick = current.life.started + spec.initial_delay;
            failures = 0;
        }
    }
    current.child.kill().unwrap();
    current.child.wait().unwrap();
    lives.push(current.life);
    lives
}

/// Runs the example worker's pod: container `n` runs `worker` with `args(n)`.
pub fn run_pod(
    spec: ProbeSpec,
    files: &Files,
    args: impl Fn(usize) -> Vec<&'static str>,
    duration: Duration,
) -> Vec<Life> {
    run(spec, &WorkerService { files, args }, duration)
}

/// The example worker serving `httpGet` on a port of its own, probed as the
/// kubelet's `httpGet` does: a fresh connection, `GET /livez`, success on
/// 2xx and 3xx, failure otherwise or past the timeout.
pub struct HttpWorkerService<'a, F> {
    pub files: &'a Files,
    pub args: F,
    addr: std::sync::Mutex<Option<std::net::SocketAddr>>,
}

impl<'a, F> HttpWorkerService<'a, F> {
    pub fn new(files: &'a Files, args: F) -> Self {
        HttpWorkerService {
            files,
            args,
            addr: std::sync::Mutex::new(None),
        }
    }
}

impl<F: Fn(usize) -> Vec<&'static str>> Service for HttpWorkerService<'_, F> {
    fn start(&self, n: usize, proc: &FakeProc) -> Child {
        let args = [
            &["--period", "100", "--http", "127.0.0.1:0"],
            &(self.args)(n)[..],
        ]
        .concat();
        let mut child = self
            .files
            .worker_cmd(Some(proc), &args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr = super::http::serving_addr(&mut child);
        *self.addr.lock().unwrap() = Some(addr);
        child
    }

    fn probe(&self, _: &Child, _: &FakeProc, timeout: Duration) -> (Option<i32>, String) {
        use std::io::{Read, Write};
        let addr = self.addr.lock().unwrap().expect("started");
        let ask = || -> std::io::Result<String> {
            let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)?;
            stream.set_read_timeout(Some(timeout))?;
            stream.write_all(b"GET /livez HTTP/1.1\r\nHost: pod\r\nUser-Agent: kube-probe/1.33\r\nAccept: */*\r\nConnection: close\r\n\r\n")?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        };
        match ask() {
            Ok(response) if response.starts_with("HTTP/1.1 2") => (Some(0), response),
            Ok(response) => (Some(1), response),
            Err(_) => (None, String::new()),
        }
    }

    fn last_beat(&self) -> Option<SystemTime> {
        liveness::Timestamp::byref(&self.files.worker, Duration::from_secs(1)).value()
    }
}
