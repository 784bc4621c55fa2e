//! A kubelet, played faithfully enough for liveness: a probe run on a
//! fixed-rate ticker after `initialDelaySeconds`, cut at `timeoutSeconds`
//! (a timeout is a failure), `failureThreshold` failures in a row kill the
//! container and start a new one, and a container that exits is restarted at
//! once. Every container is a new incarnation (its own stand-in procfs) that
//! shares the pod's heartbeat directory, as an `emptyDir` is shared.
//!
//! The probe is an exec of a probe binary, or (with an HTTP service) a `GET`
//! on a fresh connection, as the kubelet's `httpGet` does.
//!
//! With a readiness probe (`run_with_readiness`), the kubelet also keeps
//! the pod's place in the Service's endpoints: out at the start, in after
//! `successThreshold` passed checks, out after `failureThreshold` failed
//! ones or when the container stops; readiness never restarts anything.

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

/// The readiness probe's settings, as in a `readinessProbe` (its initial
/// delay is the liveness probe's).
#[derive(Clone, Copy)]
pub struct ReadySpec {
    pub period: Duration,
    pub timeout: Duration,
    pub failure_threshold: u32,
    pub success_threshold: u32,
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
    /// The readiness probe's runs.
    pub ready_probes: Vec<ProbeRun>,
    /// When the container entered (`true`) or left the Service's endpoints.
    pub endpoints: Vec<(Instant, bool)>,
}

/// A service in a pod: how to start its container `n`, how to probe it,
/// which heartbeat to watch.
pub trait Service {
    fn start(&self, n: usize, proc: &FakeProc) -> Child;
    /// Probes the container `child` once; the exit code (0 alive, 1 dead,
    /// `None` for a timeout) and what it said.
    fn probe(&self, child: &Child, proc: &FakeProc, timeout: Duration) -> (Option<i32>, String);
    fn last_beat(&self) -> Option<SystemTime>;
    /// Asks the container's readiness once, as [`Service::probe`] asks its
    /// liveness.
    fn ready(&self, _: &Child, _: &FakeProc, _: Duration) -> (Option<i32>, String) {
        panic!("this service has no readiness probe")
    }
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

    fn ready(&self, _: &Child, proc: &FakeProc, timeout: Duration) -> (Option<i32>, String) {
        exec_probe(
            self.files
                .probe()
                .arg("--ready")
                .env("LIVENESS_PROC_ROOT", proc.path()),
            timeout,
        )
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
        ready_probes: Vec::new(),
        endpoints: Vec::new(),
    };
    Running { child, proc, life }
}

/// Runs the pod for `duration`; returns the life of every container, in
/// order.
pub fn run(spec: ProbeSpec, service: &dyn Service, duration: Duration) -> Vec<Life> {
    run_with_readiness(spec, None, service, duration)
}

/// The pod as the kubelet runs it: the current container, its probes'
/// next ticks and counts of failures (and, for readiness, successes) in a
/// row, whether it is in the Service's endpoints.
struct Pod<'a> {
    spec: ProbeSpec,
    ready: Option<ReadySpec>,
    service: &'a dyn Service,
    lives: Vec<Life>,
    current: Running,
    next_live: Instant,
    next_ready: Instant,
    failures: u32,
    ready_row: (u32, u32),
    in_endpoints: bool,
}

/// Runs the pod for `duration` with a livenessProbe `spec` and, when
/// given, a readinessProbe: a container starts out of the Service's
/// endpoints, enters them after `success_threshold` passed readiness checks
/// in a row, leaves after `failure_threshold` failed ones, and leaves when
/// it stops. Readiness never restarts a container.
pub fn run_with_readiness(
    spec: ProbeSpec,
    ready: Option<ReadySpec>,
    service: &dyn Service,
    duration: Duration,
) -> Vec<Life> {
    let begin = Instant::now();
    let mut pod = Pod::new(spec, ready, service);
    while begin.elapsed() < duration {
        let next = match pod.ready {
            Some(_) => pod.next_live.min(pod.next_ready),
            None => pod.next_live,
        };
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        if pod.current.child.try_wait().unwrap().is_some() {
            pod.current.life.exited = Some(Instant::now());
            pod.restart();
        } else if next == pod.next_live {
            pod.next_live += pod.spec.period;
            pod.liveness_check();
        } else {
            pod.readiness_check();
        }
    }
    pod.current.child.kill().unwrap();
    pod.current.child.wait().unwrap();
    pod.set_endpoints(false);
    pod.lives.push(pod.current.life);
    pod.lives
}

impl<'a> Pod<'a> {
    fn new(spec: ProbeSpec, ready: Option<ReadySpec>, service: &'a dyn Service) -> Pod<'a> {
        let current = start(service, 0);
        let next = current.life.started + spec.initial_delay;
        Pod {
            spec,
            ready,
            service,
            lives: Vec::new(),
            current,
            next_live: next,
            next_ready: next,
            failures: 0,
            ready_row: (0, 0),
            in_endpoints: false,
        }
    }

    /// The current container is gone (exited or killed): a new one starts.
    fn restart(&mut self) {
        self.set_endpoints(false);
        let next = start(self.service, self.lives.len() + 1);
        let ended = std::mem::replace(&mut self.current, next);
        self.lives.push(ended.life);
        self.next_live = self.current.life.started + self.spec.initial_delay;
        self.next_ready = self.next_live;
        self.failures = 0;
        self.ready_row = (0, 0);
    }

    fn set_endpoints(&mut self, inside: bool) {
        if self.in_endpoints != inside {
            self.in_endpoints = inside;
            self.current.life.endpoints.push((Instant::now(), inside));
        }
    }

    fn liveness_check(&mut self) {
        let at = Instant::now();
        let (code, stdout) =
            self.service
                .probe(&self.current.child, &self.current.proc, self.spec.timeout);
        let last_beat = self.service.last_beat();
        self.failures = if code == Some(0) {
            0
        } else {
            self.failures + 1
        };
        self.current.life.probes.push(ProbeRun {
            at,
            code,
            stdout,
            last_beat,
        });
        if self.failures >= self.spec.failure_threshold {
            self.current.child.kill().unwrap();
            self.current.child.wait().unwrap();
            self.current.life.killed = Some(Instant::now());
            self.current.life.killed_at_wall = Some(SystemTime::now());
            self.current.life.last_beat_at_kill = last_beat;
            self.restart();
        }
    }

    fn readiness_check(&mut self) {
        let spec = self.ready.expect("a readinessProbe");
        self.next_ready += spec.period;
        let at = Instant::now();
        let (code, stdout) =
            self.service
                .ready(&self.current.child, &self.current.proc, spec.timeout);
        let (passed, failed) = self.ready_row;
        self.ready_row = if code == Some(0) {
            (passed + 1, 0)
        } else {
            (0, failed + 1)
        };
        self.current.life.ready_probes.push(ProbeRun {
            at,
            code,
            stdout,
            last_beat: None,
        });
        if self.ready_row.0 >= spec.success_threshold {
            self.set_endpoints(true);
        }
        if self.ready_row.1 >= spec.failure_threshold {
            self.set_endpoints(false);
        }
    }
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
