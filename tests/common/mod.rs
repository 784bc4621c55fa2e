//! Helpers shared by the integration tests: scratch directories, a stand-in
//! procfs for container incarnations, the probe binary as a process, and a
//! process and directory of its own for a test that writes a derived
//! component's heartbeat (`own.rs`: declare `env`, never a fixed `path`,
//! and start the test with `common::in_own_dir!`).

#![allow(dead_code)] // each test file uses its own subset

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Duration,
};

pub use tempfile::TempDir;

pub mod http;
pub mod kubelet;
pub mod own;
pub mod record;
pub mod runc;
pub mod systemd;

#[allow(unused_imports)]
pub(crate) use own::in_own_dir;
#[allow(unused_imports)] // each test file uses its own subset
pub use own::{consumer, lines, own_dir, text_lines};

/// Clock ticks per second for `/proc/*/stat` (`getconf CLK_TCK`; 100 on Linux).
const TICKS: f64 = 100.0;

/// A fresh directory, removed on drop, under the system's temporary
/// directory made absolute (`TMPDIR` may be relative).
pub fn scratch() -> TempDir {
    let base = std::path::absolute(std::env::temp_dir()).unwrap();
    tempfile::Builder::new()
        .prefix("liveness-test-")
        .tempdir_in(base)
        .unwrap()
}

/// Seconds since boot, as `CLOCK_BOOTTIME` counts them.
pub fn uptime() -> Duration {
    let text = std::fs::read_to_string("/proc/uptime").unwrap();
    Duration::from_secs_f64(text.split_whitespace().next().unwrap().parse().unwrap())
}

/// A stand-in procfs for `LIVENESS_PROC_ROOT`: this boot's id, a mount
/// namespace of its own (a file's inode), and a PID 1 that started `age` ago.
///
/// Two stand-ins are two container incarnations; one stand-in shared by a
/// service and its probe is one container.
pub struct FakeProc {
    pub dir: TempDir,
}

impl FakeProc {
    pub fn container_started(age: Duration) -> FakeProc {
        let dir = scratch();
        let root = dir.path();
        std::fs::create_dir_all(root.join("1")).unwrap();
        std::fs::create_dir_all(root.join("self/ns")).unwrap();
        std::fs::create_dir_all(root.join("sys/kernel/random")).unwrap();
        std::fs::copy(
            "/proc/sys/kernel/random/boot_id",
            root.join("sys/kernel/random/boot_id"),
        )
        .unwrap();
        std::fs::write(root.join("self/ns/mnt"), b"").unwrap();
        std::fs::write(root.join("self/ns/pid"), b"").unwrap();
        let start = uptime().saturating_sub(age);
        let ticks = (start.as_secs_f64() * TICKS) as u64;
        let zeros = |n| " 0".repeat(n);
        std::fs::write(
            root.join("1/stat"),
            format!("1 (fake init) S{} {ticks}{}\n", zeros(18), zeros(30)),
        )
        .unwrap();
        FakeProc { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The worker's probe binary, judging `worker` and `indexer` heartbeat files.
pub fn probe_cmd(worker: &Path, indexer: &Path) -> Command {
    probe_cmd_at(
        Path::new(env!("CARGO_BIN_EXE_worker-liveness")),
        worker,
        indexer,
    )
}

/// The probe binary at `exe` (a copy, say), judging `worker` and `indexer`.
pub fn probe_cmd_at(exe: &Path, worker: &Path, indexer: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env("WORKER_LIVENESS_PATH", worker)
        .env("INDEXER_LIVENESS_PATH", indexer)
        .env_remove("LIVENESS_PROC_ROOT")
        .env_remove("RUST_LOG")
        .env_remove("LOG_LEVEL");
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        code: status.code().expect("the probe was killed by a signal"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// A directory with a fresh heartbeat for the indexer, so tests can focus on
/// the worker's.
pub struct Files {
    pub dir: TempDir,
    pub worker: PathBuf,
    pub indexer: PathBuf,
}

impl Files {
    pub fn new() -> Files {
        Files::in_dir(scratch())
    }

    /// Files in a directory every user can enter (see [`open_scratch`]).
    pub fn open() -> Files {
        Files::in_dir(open_scratch())
    }

    fn in_dir(dir: TempDir) -> Files {
        let worker = dir.path().join("worker");
        let indexer = dir.path().join("indexer");
        liveness::Timestamp::create(&indexer, Duration::from_secs(5)).unwrap();
        Files {
            dir,
            worker,
            indexer,
        }
    }

    pub fn probe(&self) -> Command {
        probe_cmd(&self.worker, &self.indexer)
    }

    /// The example service beating into these files every 20 ms (or as
    /// `args` say), in the container `proc` (`None`: this host's).
    pub fn start_worker(&self, proc: Option<&FakeProc>, args: &[&str]) -> std::process::Child {
        self.worker_cmd(proc, args).spawn().unwrap()
    }

    /// The command [`start_worker`](Files::start_worker) runs, its stderr
    /// discarded.
    pub fn worker_cmd(&self, proc: Option<&FakeProc>, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
        cmd.env("WORKER_LIVENESS_PATH", &self.worker)
            .env("INDEXER_LIVENESS_PATH", &self.indexer)
            .env_remove("LIVENESS_PROC_ROOT")
            .args(["--period", "20"])
            .args(args)
            .stderr(std::process::Stdio::null());
        if let Some(proc) = proc {
            cmd.env("LIVENESS_PROC_ROOT", proc.path());
        }
        cmd
    }
}

/// Restarts the container of `files`' worker (a new stand-in procfs, over
/// a second after the last one started) and asserts that the worker there
/// is alive again, whatever the previous container recorded.
pub fn assert_alive_after_a_restart(files: &Files) {
    std::thread::sleep(Duration::from_millis(1100));
    let restarted = FakeProc::container_started(Duration::from_millis(1050));
    let mut worker = files.start_worker(Some(&restarted), &[]);
    let out = until_alive(|| run(files.probe().env("LIVENESS_PROC_ROOT", restarted.path())));
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(
        out.stdout.starts_with("worker: alive: last heartbeat "),
        "{}",
        out.stdout
    );
}

/// Runs `probe` until it says alive (a new worker's first beat), for 5 s at
/// most; returns the last run.
pub fn until_alive(probe: impl FnMut() -> Run) -> Run {
    until(probe, |out| out.code == 0)
}

/// Runs `probe` until `done` says so, for 5 s at most; returns the last run.
pub fn until(mut probe: impl FnMut() -> Run, done: impl Fn(&Run) -> bool) -> Run {
    let mut out = probe();
    for _ in 0..100 {
        if done(&out) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        out = probe();
    }
    out
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// A directory every user can enter, whatever the checkout's or `TMPDIR`'s
/// permissions (`mktemp -d` and `/root` are 0700): under `/tmp`, mode 0755.
pub fn open_scratch() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("liveness-test-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// `binary` copied into `dir`, so that another user can run it. Spawn it
/// with [`spawn`]: a child another test thread forks while the copy is
/// open for writing holds it open until it execs (`ETXTBSY`).
pub fn runnable_copy(binary: &str, dir: &Path) -> PathBuf {
    let copy = dir.join(Path::new(binary).file_name().unwrap());
    std::fs::copy(binary, &copy).unwrap();
    copy
}

/// `cmd.spawn()`, retried while the executable is busy (see
/// [`runnable_copy`]).
pub fn spawn(cmd: &mut Command) -> std::process::Child {
    const ETXTBSY: i32 = 26;
    for _ in 0..100 {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            other => return other.unwrap(),
        }
    }
    panic!("{cmd:?} stayed busy")
}

/// `path` as the probe's lines and the errors show it: bytes that are not
/// UTF-8 as `\xNN`, a backslash doubled (the test paths hold no control
/// character).
pub fn shown(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out += &chunk.valid().replace('\\', "\\\\");
        for byte in chunk.invalid() {
            out += &format!("\\x{byte:02x}");
        }
    }
    out
}
