//! A private Docker daemon for one test: Debian's `docker.io` (`dockerd`
//! 20.10) on a `containerd` of its own (root, state, sockets and config in
//! a temporary directory, the CRI plugin disabled; `dockerd` would
//! otherwise attach to any containerd already on the system's socket), no
//! registry, no bridge, no iptables. Images come from a directory through
//! `docker import` and `DOCKER_BUILDKIT=0 docker build`.
//!
//! On drop it removes the containers and images it made and stops the two
//! daemons it started (by their process ids), nothing else.

use std::{
    fs,
    path::Path,
    process::{Child, Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use tempfile::TempDir;

/// Debian's client, the daemon's own version (a newer one may be on PATH).
const DOCKER: &str = "/usr/bin/docker";
const DOCKERD: &str = "/usr/sbin/dockerd";

/// How long a daemon may take to answer (a hang guard, not a timing
/// assertion).
const GUARD: Duration = Duration::from_secs(60);

/// A running private `containerd` and `dockerd`, and what was made there.
pub struct Daemon {
    dir: TempDir,
    containerd: Child,
    dockerd: Child,
    made: std::cell::RefCell<Vec<(&'static str, String)>>,
}

impl Daemon {
    /// Starts both daemons; panics, saying why, when it cannot.
    pub fn start() -> Daemon {
        assert!(
            super::common::is_root(),
            "Docker needs root: run this test as root"
        );
        for tool in [DOCKER, DOCKERD] {
            assert!(
                Path::new(tool).exists(),
                "no {tool}: apt-get install docker.io"
            );
        }
        // Short: a socket's path is limited to 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("lv-dk-")
            .tempdir_in("/tmp")
            .unwrap();
        let d = dir.path().display();
        let config = format!(
            "version = 2\nroot = \"{d}/ctd-root\"\nstate = \"{d}/ctd-state\"\n\
             disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
             [grpc]\n  address = \"{d}/ctd.sock\"\n[ttrpc]\n  address = \"{d}/ctd.sock.ttrpc\"\n\
             [debug]\n  address = \"{d}/ctd-debug.sock\"\n"
        );
        fs::write(dir.path().join("containerd.toml"), config).unwrap();
        let containerd = spawn(
            Command::new("containerd")
                .arg("--config")
                .arg(dir.path().join("containerd.toml")),
            &dir.path().join("containerd.log"),
        );
        let dockerd = spawn(
            Command::new(DOCKERD)
                .arg(format!("--containerd={d}/ctd.sock"))
                .arg(format!("--data-root={d}/data"))
                .arg(format!("--exec-root={d}/exec"))
                .arg(format!("--pidfile={d}/dockerd.pid"))
                .arg(format!("--host=unix://{d}/docker.sock"))
                .args(["--iptables=false", "--ip-masq=false", "--bridge=none"]),
            &dir.path().join("dockerd.log"),
        );
        let daemon = Daemon {
            dir,
            containerd,
            dockerd,
            made: std::cell::RefCell::default(),
        };
        let began = Instant::now();
        while !daemon.docker(&["version"]).status.success() {
            assert!(
                began.elapsed() < GUARD,
                "dockerd did not answer within {GUARD:?}:\n{}",
                fs::read_to_string(daemon.dir.path().join("dockerd.log")).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(200));
        }
        daemon
    }

    /// Runs the client against this daemon.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new(DOCKER)
            .arg(format!(
                "--host=unix://{}/docker.sock",
                self.dir.path().display()
            ))
            .args(args)
            .env("DOCKER_BUILDKIT", "0")
            .env("DOCKER_CONFIG", self.dir.path().join("client"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The client's stdout, trimmed; panics with its stderr if it failed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// An image of `binaries`' `worker` and `worker-liveness` at `/`
    /// (imported from a tarball), built with a Dockerfile of `tail` after
    /// its `FROM`.
    pub fn build(&self, binaries: &Path, tail: &str) -> String {
        let rootfs = self.dir.path().join("rootfs");
        fs::create_dir_all(rootfs.join("tmp")).unwrap();
        for binary in ["worker", "worker-liveness"] {
            fs::copy(binaries.join(binary), rootfs.join(binary)).unwrap();
        }
        let base = format!("liveness-test-base-{}", std::process::id());
        let tar = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .args(["-c", "."])
            .output()
            .unwrap();
        assert!(
            tar.status.success(),
            "tar: {}",
            String::from_utf8_lossy(&tar.stderr)
        );
        let tarball = self.dir.path().join("rootfs.tar");
        fs::write(&tarball, tar.stdout).unwrap();
        self.ok(&["import", tarball.to_str().unwrap(), &base]);
        self.made.borrow_mut().push(("rmi", base.clone()));
        let context = self.dir.path().join("context");
        fs::create_dir_all(&context).unwrap();
        fs::write(context.join("Dockerfile"), format!("FROM {base}\n{tail}")).unwrap();
        let image = format!("liveness-test-{}", std::process::id());
        self.ok(&["build", "-q", "-t", &image, context.to_str().unwrap()]);
        self.made.borrow_mut().push(("rmi", image.clone()));
        image
    }

    /// Starts a container of `image`, without a network; its id.
    pub fn run(&self, image: &str) -> String {
        let id = self.ok(&["run", "--detach", "--network=none", image]);
        self.made.borrow_mut().push(("rm", id.clone()));
        id
    }

    /// `docker inspect`'s health status of `container`.
    pub fn health(&self, container: &str) -> String {
        self.ok(&["inspect", "-f", "{{.State.Health.Status}}", container])
    }

    /// What the last health check printed, as Docker keeps it.
    pub fn last_health_output(&self, container: &str) -> String {
        let log = self.ok(&["inspect", "-f", "{{json .State.Health.Log}}", container]);
        let log: serde_json::Value = serde_json::from_str(&log).unwrap();
        let last = log.as_array().and_then(|l| l.last()).cloned();
        last.and_then(|e| e["Output"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        for (what, name) in self.made.take().into_iter().rev() {
            let _ = self.docker(&[what, "--force", &name]);
        }
        stop(&mut self.dockerd);
        stop(&mut self.containerd);
    }
}

fn spawn(cmd: &mut Command, log: &Path) -> Child {
    let log = fs::File::create(log).unwrap();
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()))
}

/// Asks `child` to stop, then kills it if it has not within the guard.
fn stop(child: &mut Child) {
    let pid = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    let began = Instant::now();
    while began.elapsed() < GUARD {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
