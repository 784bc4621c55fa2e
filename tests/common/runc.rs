//! Containers under `runc`, the OCI runtime containerd runs for a kubelet:
//! the example worker in a read-only root file system of static binaries,
//! run as a non-root user, its heartbeats on a host directory bind-mounted at
//! `/tmp/liveness` as an `emptyDir` is, and its probe run with `runc exec`,
//! as containerd runs an exec probe.
//!
//! A [`Pod`] is that directory plus the runtime's state; each
//! [`Pod::start`] is a new container (a new incarnation) sharing it. Every
//! container is killed and deleted when its handle drops, and the pod deletes
//! any left over when it drops, also when a test fails half-way.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{OnceLock, mpsc},
    thread,
    time::{Duration, Instant, SystemTime},
};

use serde_json::{Value, json};

use super::{TempDir, scratch};

/// The user the containers run as: distroless's `nonroot`, as in
/// `runAsUser: 65532`.
pub const UID: u32 = 65532;

/// The longest a single `runc` command may take before the test gives up on
/// it (a hang guard, not a timing assertion).
const COMMAND_GUARD: Duration = Duration::from_secs(20);

/// Why containers cannot run here (not root, no `runc`), if they cannot.
pub fn unavailable() -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|id| id.parse::<u32>().ok());
    if euid != Some(0) {
        return Some(format!(
            "runc needs root to create containers; this test runs as uid {}",
            euid.map_or_else(|| "unknown".to_owned(), |id| id.to_string())
        ));
    }
    match Command::new("runc").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`runc --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(error) => Some(format!(
            "cannot run `runc` ({error}); install it: apt-get install runc"
        )),
    }
}

/// The directory holding static release builds of `worker` and
/// `worker-liveness`, built once per test run (static-PIE, as the README
/// builds the probe: `+crt-static`, relative relocations packed; for the
/// host triple) into `static-pie/` beside the test's own target directory,
/// the directory the scripts in `scripts/` build their static probe in.
pub fn static_binaries() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // <target>/debug/worker -> <target>
        let target_dir = Path::new(env!("CARGO_BIN_EXE_worker"))
            .ancestors()
            .nth(2)
            .unwrap()
            .join("static-pie");
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let version = Command::new(&rustc)
            .arg("-vV")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {rustc:?} -vV: {e}"));
        let triple = String::from_utf8(version.stdout)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
            .expect("`rustc -vV` names no host triple");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(&cargo)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env(
                "RUSTFLAGS",
                "-C target-feature=+crt-static -C link-arg=-Wl,-z,pack-relative-relocs",
            )
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .args(["build", "--quiet", "--release", "--bin", "worker"])
            .args(["--bin", "worker-liveness", "--target", &triple])
            .arg("--target-dir")
            .arg(&target_dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cargo:?}: {e}"));
        assert!(
            out.status.success(),
            "building the static binaries failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target_dir.join(triple).join("release")
    })
}

/// Runs `runc` with `args` against the state directory `root`; its stdout,
/// or a panic that shows its stderr.
fn runc(root: &Path, args: &[&str]) -> String {
    let out = Command::new("runc")
        .arg("--root")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "runc {}: {}: {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A pod: a read-only root file system holding the static binaries, a
/// heartbeat directory that outlives its containers, the runtime's state.
pub struct Pod {
    /// `rootfs/`, `heartbeats/`, `state/` (runc's `--root`), one bundle per
    /// container.
    dir: TempDir,
    started: u32,
}

impl Pod {
    pub fn new() -> Pod {
        let dir = scratch();
        let binaries = static_binaries();
        let rootfs = dir.path().join("rootfs");
        // The mount points of the spec's mounts; nothing else but the binaries.
        for mount_point in ["proc", "dev", "sys", "tmp/liveness"] {
            fs::create_dir_all(rootfs.join(mount_point)).unwrap();
        }
        for binary in ["worker", "worker-liveness"] {
            fs::copy(binaries.join(binary), rootfs.join(binary)).unwrap();
        }
        // An emptyDir is writable by the pod's user.
        let heartbeats = dir.path().join("heartbeats");
        fs::create_dir(&heartbeats).unwrap();
        std::os::unix::fs::chown(&heartbeats, Some(UID), Some(UID)).unwrap();
        fs::create_dir(dir.path().join("state")).unwrap();
        Pod { dir, started: 0 }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The host side of the heartbeat directory.
    pub fn heartbeats(&self) -> PathBuf {
        self.dir.path().join("heartbeats")
    }

    /// Starts a new container running `/worker --period 100 <args>` and
    /// returns once its process runs.
    pub fn start(&mut self, args: &[&str]) -> Container {
        self.started += 1;
        let id = format!("liveness-{}-{}", std::process::id(), self.started);
        let bundle = self.dir.path().join(&id);
        fs::create_dir(&bundle).unwrap();
        let bundle_arg = bundle.to_str().unwrap();
        runc(&self.state(), &["spec", "--bundle", bundle_arg]);
        let path = bundle.join("config.json");
        let mut spec: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        configure(
            &mut spec,
            &self.dir.path().join("rootfs"),
            &self.heartbeats(),
            args,
        );
        fs::write(&path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
        // Detached, the container keeps runc's stdio: give it files, not the
        // pipes of `output()`, which would wait for the container to exit.
        let log = |name| fs::File::create(bundle.join(name)).unwrap();
        let status = Command::new("runc")
            .arg("--root")
            .arg(self.state())
            .args(["run", "--detach", "--bundle", bundle_arg, &id])
            .stdin(Stdio::null())
            .stdout(log("stdout"))
            .stderr(log("stderr"))
            .status()
            .unwrap();
        let container = Container {
            id,
            state: self.state(),
            bundle,
        };
        assert!(status.success(), "runc run: {status}: {}", container.log());
        container
    }
}

impl Drop for Pod {
    fn drop(&mut self) {
        // Containers whose handles were leaked or never made.
        let listed = Command::new("runc")
            .arg("--root")
            .arg(self.state())
            .args(["list", "--quiet"])
            .output();
        if let Ok(out) = listed {
            for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                remove(&self.state(), id);
            }
        }
    }
}

/// The edits to `runc spec`'s default: a pod's container as the kubelet asks
/// for it with `readOnlyRootFilesystem: true`, `runAsUser: 65532`, no TTY and
/// an `emptyDir` at `/tmp/liveness`.
fn configure(spec: &mut Value, rootfs: &Path, heartbeats: &Path, args: &[&str]) {
    spec["root"] = json!({ "path": rootfs, "readonly": true });
    let process = &mut spec["process"];
    process["terminal"] = json!(false);
    process["user"] = json!({ "uid": UID, "gid": UID });
    process["args"] = json!(
        ["/worker", "--period", "100"]
            .iter()
            .chain(args)
            .collect::<Vec<_>>()
    );
    spec["mounts"].as_array_mut().unwrap().push(json!({
        "destination": "/tmp/liveness",
        "type": "bind",
        "source": heartbeats,
        "options": ["rbind", "rw", "nosuid", "nodev"],
    }));
}

/// Kills and deletes container `id`, ignoring failures (it may be gone).
fn remove(state: &Path, id: &str) {
    for args in [&["kill", id, "KILL"][..], &["delete", "--force", id]] {
        let _ = Command::new("runc")
            .arg("--root")
            .arg(state)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A running container; killed and deleted on drop.
pub struct Container {
    pub id: String,
    state: PathBuf,
    bundle: PathBuf,
}

/// One probe run, as the kubelet sees it.
#[derive(Clone, Debug)]
pub struct ProbeRun {
    /// The exit code of `runc exec` (the probe's), `None` if killed.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The wall clock when the run had finished.
    pub finished: SystemTime,
}

impl ProbeRun {
    /// The line about `component`.
    pub fn line(&self, component: &str) -> &str {
        let prefix = format!("{component}: ");
        self.stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line for {component} in {self:?}"))
    }
}

impl Container {
    /// `runc exec <id> /worker-liveness <args>`; panics if it hangs.
    pub fn exec_probe(&self, args: &[&str]) -> ProbeRun {
        let mut cmd = Command::new("runc");
        cmd.arg("--root")
            .arg(&self.state)
            .args(["exec", &self.id, "/worker-liveness"])
            .args(args)
            .stdin(Stdio::null());
        let (send, receive) = mpsc::channel();
        thread::spawn(move || send.send(cmd.output()));
        let out = receive
            .recv_timeout(COMMAND_GUARD)
            .unwrap_or_else(|_| panic!("runc exec {} hangs", self.id))
            .unwrap();
        ProbeRun {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            finished: SystemTime::now(),
        }
    }

    /// Probes every 50 ms until `done` holds for a run, for `guard` at most
    /// (then panics showing every run); returns every run, the last one the
    /// one `done` accepted.
    pub fn probe_until(&self, guard: Duration, done: impl Fn(&ProbeRun) -> bool) -> Vec<ProbeRun> {
        let begin = Instant::now();
        let mut runs = Vec::new();
        loop {
            let run = self.exec_probe(&[]);
            let finished = done(&run);
            runs.push(run);
            if finished {
                return runs;
            }
            assert!(
                begin.elapsed() < guard,
                "no awaited verdict from {} in {guard:?}; the probe said:\n{}\nthe worker's log:\n{}",
                self.id,
                transcript(&runs),
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the worker wrote on stderr.
    pub fn log(&self) -> String {
        fs::read_to_string(self.bundle.join("stderr")).unwrap_or_default()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        remove(&self.state, &self.id);
    }
}

/// Every run's exit code and output, one run a line; of consecutive runs
/// with the same verdict on the worker, the first and the last.
pub fn transcript(runs: &[ProbeRun]) -> String {
    let kind = |r: &ProbeRun| {
        let line = r.stdout.lines().next().unwrap_or_default();
        (
            r.code,
            line[..line.find(char::is_numeric).unwrap_or(line.len())].to_owned(),
        )
    };
    let show = |r: &ProbeRun| {
        format!(
            "  exit {:?}: {}",
            r.code,
            r.stdout.trim_end().replace('\n', " | ")
        )
    };
    let mut lines = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let same = runs[i..]
            .iter()
            .take_while(|r| kind(r) == kind(&runs[i]))
            .count();
        lines.push(show(&runs[i]));
        if same > 2 {
            lines.push(format!("  ({} more alike)", same - 2));
        }
        if same > 1 {
            lines.push(show(&runs[i + same - 1]));
        }
        i += same;
    }
    lines.join("\n")
}

/// The wall time in a heartbeat record's `at=` field.
pub fn record_time(record: &str) -> SystemTime {
    let at = record
        .split_whitespace()
        .find_map(|field| field.strip_prefix("at="))
        .unwrap_or_else(|| panic!("no at= in {record:?}"));
    humantime::parse_rfc3339(at).unwrap()
}
