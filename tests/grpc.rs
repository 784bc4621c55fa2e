//! The example worker's `grpc.health.v1` service (`grpc-worker ADDR`),
//! asked by a client written by someone else: Python's
//! `grpcio-health-checking` (`tests/grpc/health.py`), for `Check` and
//! `Watch`; and still answering in time while hostile clients hold
//! connections and streams open. Feature `grpc`.
//!
//! The tests fail, saying what to install, when python3 or its
//! `grpcio-health-checking` package is missing.

mod common;

use std::{
    io::{BufRead, BufReader, Write},
    net::{SocketAddr, TcpStream},
    process::{Child, Command, Stdio},
    sync::RwLock,
    thread,
    time::{Duration, Instant},
};

use common::{Files, http::tool};

/// The worker's `max_age`.
const MAX_AGE: Duration = Duration::from_secs(3);

/// Taken for writing by the test that times checks, so that no other test
/// of this file competes with it for the cores.
static TIMING: RwLock<()> = RwLock::new(());

/// `grpc-worker 127.0.0.1:0 ARGS` beating to `files`; killed when dropped.
struct GrpcWorker {
    child: Child,
    addr: SocketAddr,
}

impl GrpcWorker {
    fn start(files: &Files, args: &[&str]) -> GrpcWorker {
        GrpcWorker::spawn(Command::new(env!("CARGO_BIN_EXE_grpc-worker")), files, args)
    }

    /// The worker with at most `n` open files (`prlimit --nofile`).
    fn with_open_files(n: u32, files: &Files) -> GrpcWorker {
        let mut cmd = tool("prlimit");
        cmd.arg(format!("--nofile={n}:{n}"))
            .arg(env!("CARGO_BIN_EXE_grpc-worker"));
        GrpcWorker::spawn(cmd, files, &[])
    }

    fn spawn(mut cmd: Command, files: &Files, args: &[&str]) -> GrpcWorker {
        let mut child = cmd
            .arg("127.0.0.1:0")
            .args(args)
            .env("WORKER_LIVENESS_PATH", &files.worker)
            .env("INDEXER_LIVENESS_PATH", &files.indexer)
            .env_remove("LIVENESS_PROC_ROOT")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the worker ended before serving")
                .unwrap();
            if let Some(addr) = line.strip_prefix("grpc-worker: serving grpc ") {
                break addr.parse().unwrap();
            }
        };
        thread::spawn(move || lines.for_each(drop));
        GrpcWorker { child, addr }
    }

    /// `health.py ADDR ARGS`: its stdout; fails the test when it fails.
    fn client(&self, args: &[&str]) -> String {
        let out = health(self.addr, args).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            out.status.success(),
            "health.py {args:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// The answers to one `Check` per service.
    fn check(&self, services: &[&str]) -> Vec<String> {
        let out = self.client(&[&["check"], services].concat());
        let answers: Vec<String> = out.lines().map(str::to_owned).collect();
        assert_eq!(answers.len(), services.len(), "{out}");
        answers
    }

    /// Asks until `service` is `status`, for `limit` at most.
    fn until(&self, service: &str, status: &str, limit: Duration) {
        let secs = format!("{:.3}", limit.as_secs_f64());
        self.client(&["until", service, status, &secs]);
    }
}

impl Drop for GrpcWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `python3 tests/grpc/health.py ADDR ARGS`.
fn health(addr: SocketAddr, args: &[&str]) -> Command {
    let mut cmd = tool("python3");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/grpc/health.py");
    cmd.arg(script).arg(addr.to_string()).args(args);
    cmd
}

#[test]
fn serving_while_beating_and_not_serving_once_wedged() {
    let _shared = TIMING.read();
    let files = Files::new();
    let hang_after = Duration::from_secs(3);
    let started = Instant::now();
    let worker = GrpcWorker::start(&files, &["--hang-after", "3"]);
    let services = ["", "liveness", "readiness", "startup", "worker", "indexer"];
    let answers = worker.check(&services);
    assert!(started.elapsed() < hang_after, "too slow to see it alive");
    assert_eq!(answers, ["SERVING"; 6], "{services:?}");

    // Not serving within max_age of the wedge, plus a margin for the checks.
    let limit = hang_after + MAX_AGE + Duration::from_secs(2) - started.elapsed();
    worker.until("worker", "NOT_SERVING", limit);
    let answers = worker.check(&["", "liveness", "readiness", "worker", "indexer", "startup"]);
    assert_eq!(
        answers,
        [
            "NOT_SERVING",
            "NOT_SERVING",
            "NOT_SERVING",
            "NOT_SERVING",
            "SERVING",
            "SERVING"
        ]
    );
}

#[test]
fn a_failure_is_not_serving_at_once_and_unknown_services_are_not_found() {
    let _shared = TIMING.read();
    let files = Files::new();
    let worker = GrpcWorker::start(&files, &["--fail-after", "0.5"]);
    worker.until("worker", "NOT_SERVING", Duration::from_secs(3));
    let long = "x".repeat(2000);
    let answers = worker.check(&[
        "nope",
        "Worker",
        " liveness",
        "healthz",
        "\u{1b}[2J\n",
        &long,
    ]);
    let hint = "\": ask \"\", \"liveness\", \"readiness\", \"startup\" or a component's name";
    assert_eq!(
        answers[0],
        format!("NOT_FOUND unknown service \"nope{hint}")
    );
    assert_eq!(
        answers[1],
        format!("NOT_FOUND unknown service \"Worker{hint}")
    );
    assert_eq!(
        answers[2],
        format!("NOT_FOUND unknown service \" liveness{hint}")
    );
    assert_eq!(
        answers[3],
        format!("NOT_FOUND unknown service \"healthz{hint}")
    );
    // A request over 1 KiB is refused before it is read as a name.
    assert!(answers[5].starts_with("OUT_OF_RANGE "), "{answers:?}");
    assert!(
        answers[5].ends_with("the limit is: 1024 bytes"),
        "{answers:?}"
    );
    // The client's text is escaped in the details.
    assert!(
        answers[4] == format!("NOT_FOUND unknown service \"\\u{{1b}}[2J\\n{hint}"),
        "{answers:?}"
    );
}

#[test]
fn watch_streams_the_wedge_and_an_unknown_service_once() {
    let _shared = TIMING.read();
    let files = Files::new();
    let worker = GrpcWorker::start(&files, &["--hang-after", "1"]);
    let started = Instant::now();
    let out = worker.client(&["watch", "worker", "2"]);
    assert_eq!(out, "SERVING\nNOT_SERVING\n");
    // The wedge, max_age, and one throttle interval (300 ms), with a margin.
    let limit = Duration::from_secs(1) + MAX_AGE + Duration::from_secs(2);
    assert!(started.elapsed() < limit, "{:?}", started.elapsed());
    assert_eq!(worker.client(&["watch", "nope", "1"]), "SERVICE_UNKNOWN\n");
    assert_eq!(worker.client(&["watch", "indexer", "1"]), "SERVING\n");
}

/// Connections that send nothing at all, or only HTTP/2's preface.
fn idle_connections(addr: SocketAddr, n: usize, preface: bool) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            if preface {
                let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
                hello.extend([0, 0, 0, 4, 0, 0, 0, 0, 0]); // empty SETTINGS
                stream.write_all(&hello).unwrap();
            }
            stream
        })
        .collect()
}

#[test]
fn hostile_clients_never_delay_a_check_past_100_ms() {
    let _exclusive = TIMING.write();
    let files = Files::new();
    let worker = GrpcWorker::start(&files, &[]);
    worker.until("", "SERVING", Duration::from_secs(5));
    // Over the cap of 512: the oldest are closed for the newer ones.
    let _idle = idle_connections(worker.addr, 600, false);
    let _silent = idle_connections(worker.addr, 100, true);
    // A client that opens streams and never reads them, then stops.
    let mut hog = health(worker.addr, &["hog", "64"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hog.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "open\n");
    let pid = rustix::process::Pid::from_child(&hog);
    rustix::process::kill_process(pid, rustix::process::Signal::STOP).unwrap();

    let slowest: f64 = worker.client(&["timed", "20"]).trim().parse().unwrap();
    let _ = hog.kill();
    let _ = hog.wait();
    assert!(slowest < 100.0, "a check took {slowest} ms");
}

#[test]
fn idle_connections_beyond_the_open_files_limit_never_lock_a_check_out() {
    let _exclusive = TIMING.write();
    let files = Files::new();
    let worker = GrpcWorker::with_open_files(128, &files);
    worker.until("", "SERVING", Duration::from_secs(5));
    let _idle = idle_connections(worker.addr, 300, false);
    let slowest: f64 = worker.client(&["timed", "10"]).trim().parse().unwrap();
    assert!(slowest < 100.0, "a check took {slowest} ms");
}

#[test]
fn k8s_grpc_prints_grpc_probes_with_the_exec_timings() {
    let files = Files::new();
    let probe = |args: &[&str]| {
        let out = common::probe_cmd(&files.worker, &files.indexer)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let exec = probe(&["--k8s", "--command", "/probe"]);
    let grpc = probe(&["--k8s", "--grpc", "9090"]);
    assert!(
        grpc.contains(
            "livenessProbe:\n  grpc:\n    port: 9090\n    service: \"liveness\"\n  periodSeconds: "
        ),
        "{grpc}"
    );
    let timings = |yaml: &str| -> Vec<String> {
        yaml.lines()
            .filter(|l| l.contains("Seconds:") || l.contains("Threshold:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(timings(&grpc), timings(&exec));
    assert!(!grpc.contains("exec:"), "{grpc}");
}

#[test]
fn dropping_the_handle_stops_the_server_with_connections_open() {
    use liveness::{Component, Probe};

    let dir = common::scratch();
    let job = Component::new("job", dir.path().join("job"), Duration::from_secs(60));
    let server = Probe::new([job]).serve_grpc("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    // Not beaten yet, within its startup grace.
    let answers = health(addr, &["check", "job", "startup"]).output().unwrap();
    assert_eq!(answers.stdout, b"SERVING\nNOT_SERVING\n");
    let _open = idle_connections(addr, 3, true);
    let (done, stopped) = std::sync::mpsc::channel();
    thread::spawn(move || {
        drop(server);
        done.send(()).unwrap();
    });
    stopped
        .recv_timeout(Duration::from_secs(10))
        .expect("the server did not stop");
    assert!(TcpStream::connect(addr).is_err(), "still listening");
}

#[derive(liveness::Liveness)]
#[liveness(max_age = "90s", env = "GRPC_READY_PATH")]
struct Api;

#[test]
fn readiness_follows_unready_while_liveness_stays_serving() {
    use liveness::{Component, Liveness, Probe};

    common::in_own_dir!(readiness_follows_unready_while_liveness_stays_serving, Api);
    let server = Probe::new([Component::of::<Api>()])
        .serve_grpc("127.0.0.1:0")
        .unwrap();
    let ask = || {
        let out = health(server.local_addr(), &["check", "readiness", "liveness"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    Api::beat_now().unwrap();
    assert_eq!(ask(), "SERVING\nSERVING\n");
    Api::unready("database unreachable").unwrap();
    assert_eq!(ask(), "NOT_SERVING\nSERVING\n");
    Api::ready().unwrap();
    assert_eq!(ask(), "SERVING\nSERVING\n");
}

#[test]
fn k8s_ready_grpc_asks_the_readiness_service() {
    let files = Files::new();
    let out = common::probe_cmd(&files.worker, &files.indexer)
        .args(["--k8s", "--ready", "--grpc", "9090"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(
        yaml.contains(
            "readinessProbe:\n  grpc:\n    port: 9090\n    service: \"readiness\"\n  periodSeconds: "
        ),
        "{yaml}"
    );
    assert!(!yaml.contains("exec:"), "{yaml}");
}
