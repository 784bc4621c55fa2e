//! The example worker feeding systemd's watchdog (`Probe::watchdog`), with
//! this test standing in for systemd on the notification socket: what it
//! sends and when, as systemd would receive it. The same worker under the
//! real systemd is `tests/systemd_boot.rs`.

mod common;

use std::{
    os::{
        linux::net::SocketAddrExt,
        unix::net::{SocketAddr, UnixDatagram},
    },
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use common::{TempDir, scratch};

/// The worker's `max_age`.
const MAX_AGE: Duration = Duration::from_secs(3);

/// How long any one wait may take before the test gives up (a hang guard,
/// not a timing assertion).
const GUARD: Duration = Duration::from_secs(20);

/// systemd's end of the socket, and the worker it listens to.
struct Systemd {
    socket: UnixDatagram,
    name: String,
    dir: TempDir,
    worker: Option<Child>,
    started: Instant,
    /// Every notification so far, with when it came.
    got: Vec<(Duration, String)>,
}

impl Systemd {
    /// Binds an abstract socket (no path length limit, nothing to clean).
    fn new() -> Systemd {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let name = format!("liveness-test-{}-{n}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let socket = UnixDatagram::bind_addr(&addr).unwrap();
        Systemd {
            socket,
            name,
            dir: scratch(),
            worker: None,
            started: Instant::now(),
            got: Vec::new(),
        }
    }

    /// The worker with `args`, under this socket and `env`.
    fn start(&mut self, args: &[&str], env: &[(&str, &str)]) -> &mut Systemd {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
        cmd.args(["--period", "100"])
            .args(args)
            .env("NOTIFY_SOCKET", format!("@{}", self.name))
            .env("WORKER_LIVENESS_PATH", self.dir.path().join("worker"))
            .env("INDEXER_LIVENESS_PATH", self.dir.path().join("indexer"))
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env_remove("LIVENESS_PROC_ROOT")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        self.started = Instant::now();
        self.worker = Some(cmd.spawn().unwrap());
        self
    }

    /// Receives until a notification satisfies `done`; returns when it came.
    fn until(&mut self, done: impl Fn(&str) -> bool) -> Duration {
        loop {
            let left = GUARD.saturating_sub(self.started.elapsed());
            assert!(
                !left.is_zero(),
                "not received in {GUARD:?}: {:#?}",
                self.got
            );
            self.socket.set_read_timeout(Some(left)).unwrap();
            let mut buf = [0; 4096];
            let Ok(len) = self.socket.recv(&mut buf) else {
                continue;
            };
            let text = String::from_utf8(buf[..len].to_vec()).unwrap();
            let at = self.started.elapsed();
            self.got.push((at, text.clone()));
            if done(&text) {
                return at;
            }
        }
    }

    /// Every notification within `span` from now.
    fn during(&mut self, span: Duration) -> Vec<String> {
        let end = Instant::now() + span;
        let mut got = Vec::new();
        while let Some(left) = end
            .checked_duration_since(Instant::now())
            .filter(|l| !l.is_zero())
        {
            self.socket.set_read_timeout(Some(left)).unwrap();
            let mut buf = [0; 4096];
            if let Ok(len) = self.socket.recv(&mut buf) {
                got.push(String::from_utf8(buf[..len].to_vec()).unwrap());
            }
        }
        got
    }
}

impl Drop for Systemd {
    fn drop(&mut self) {
        if let Some(mut worker) = self.worker.take() {
            let _ = worker.kill();
            let _ = worker.wait();
        }
    }
}

fn status(message: &str) -> &str {
    message
        .lines()
        .find_map(|l| l.strip_prefix("STATUS="))
        .unwrap_or_default()
}

#[test]
fn a_beating_worker_is_ready_pinged_and_shown() {
    let mut systemd = Systemd::new();
    systemd.start(&[], &[("WATCHDOG_USEC", "200000")]);
    systemd.until(|m| m.contains("READY=1\n"));
    let ready = systemd.got.last().unwrap().1.clone();
    assert!(ready.ends_with("READY=1\nWATCHDOG=1\n"), "{ready:?}");
    let shown = status(&ready);
    assert!(shown.contains("worker: alive: last heartbeat "), "{shown}");
    assert!(
        shown.contains("; indexer: alive: last heartbeat "),
        "{shown}"
    );
    // Pings every WATCHDOG_USEC / 2: several in a second, never a trigger.
    let later = systemd.during(Duration::from_secs(1));
    let pings = later.iter().filter(|m| m.ends_with("WATCHDOG=1\n")).count();
    assert!(pings >= 3, "{later:#?}");
    assert!(
        !later
            .iter()
            .any(|m| m.contains("trigger") || m.contains("READY")),
        "{later:#?}"
    );
}

#[test]
fn a_wedged_loop_triggers_the_watchdog_once_its_max_age_is_over() {
    let mut systemd = Systemd::new();
    // Pings every 10 s: the trigger cannot wait for the next one.
    systemd.start(&["--hang-after", "1"], &[("WATCHDOG_USEC", "20000000")]);
    let at = systemd.until(|m| m.contains("WATCHDOG=trigger"));
    let message = &systemd.got.last().unwrap().1;
    assert!(
        status(message).starts_with("worker: dead: last heartbeat "),
        "{message:?}"
    );
    // The last beat was after 0.6 s at least (written at most every
    // max_age / 10): dead no sooner than max_age after it, and told at
    // once, not at the next ping (a margin for a loaded machine).
    assert!(
        at >= Duration::from_millis(600) + MAX_AGE,
        "{at:?}: {:#?}",
        systemd.got
    );
    assert!(
        at <= Duration::from_secs(1) + MAX_AGE + Duration::from_secs(1),
        "{at:?}"
    );
    // No ping after the trigger.
    let after = systemd.during(Duration::from_secs(2));
    assert!(
        !after.iter().any(|m| m.contains("WATCHDOG=1")),
        "{after:#?}"
    );
}

#[test]
fn fail_triggers_at_once_saying_why() {
    let mut systemd = Systemd::new();
    // Pings every 10 s, the worker's beats every 0.1 s: the trigger cannot
    // wait for either.
    systemd.start(&["--fail-after", "1"], &[("WATCHDOG_USEC", "20000000")]);
    let at = systemd.until(|m| m.contains("WATCHDOG=trigger"));
    let message = &systemd.got.last().unwrap().1;
    assert!(
        status(message).starts_with("worker: dead: failed: lost the database schema"),
        "{message:?}"
    );
    // At once (a margin for a loaded machine): not at the next judgement
    // the pings or the deadlines would bring.
    assert!(at < Duration::from_secs(2), "{at:?}: {:#?}", systemd.got);
}

#[test]
fn another_process_watched_or_a_malformed_variable() {
    let mut systemd = Systemd::new();
    systemd.start(&[], &[("WATCHDOG_USEC", "200000"), ("WATCHDOG_PID", "1")]);
    let got = systemd.during(Duration::from_secs(1));
    assert!(
        got.is_empty(),
        "systemd watches pid 1, not the worker: {got:#?}"
    );
    let mut worker = systemd.worker.take().unwrap();
    assert!(worker.try_wait().unwrap().is_none(), "the worker runs on");
    let _ = worker.kill();
    let _ = worker.wait();

    systemd.start(&[], &[("WATCHDOG_USEC", "3s\u{1b}[2J")]);
    let out = systemd.worker.take().unwrap().wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "worker: systemd's watchdog: WATCHDOG_USEC is not a number above 0: `3s\\u{1b}[2J`\n"
    );
}

#[test]
fn the_probe_prints_the_unit_settings() {
    let out = Command::new(env!("CARGO_BIN_EXE_worker-liveness"))
        .arg("--systemd")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let unit = String::from_utf8(out.stdout).unwrap();
    for setting in [
        "\nType=notify\n",
        "\nWatchdogSec=3s\n",
        "\nTimeoutStartSec=6s\n",
    ] {
        assert!(unit.contains(setting), "{setting:?} not in\n{unit}");
    }
}
