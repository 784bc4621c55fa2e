//! systemd 252 booted as PID 1 in a container under `runc`, from the Debian
//! root file system `scripts/systemd-rootfs.sh` builds once (cached beside
//! the static binaries), read-only, with the test's units bound over
//! `/etc/systemd/system` and the static worker and probe at `/srv`.
//!
//! What systemd needs here: `container=oci`, every capability the host's
//! bounding set has (it lacks `CAP_SYS_RESOURCE`, and asking for it fails),
//! no `rlimits`, the cgroup file system read-write, tmpfs on `/run`,
//! `/run/lock` and `/tmp`. The container is halted (SIGRTMIN+3) and deleted
//! when its handle drops, also when a test fails half-way.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::{TempDir, runc, scratch};

/// The capabilities by number, as `capabilities(7)` lists them.
const CAPABILITIES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// The root file system, built by the script if it is not there yet;
/// panics saying why it cannot be.
pub fn rootfs() -> PathBuf {
    let dir = runc::static_binaries()
        .ancestors()
        .nth(3)
        .unwrap()
        .join("systemd-rootfs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/systemd-rootfs.sh");
    let out = Command::new(&script).arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// A booted systemd; halted and deleted on drop.
pub struct Machine {
    pub id: String,
    dir: TempDir,
}

impl Machine {
    /// Boots systemd with `units` (name, contents) enabled in
    /// `multi-user.target`, and returns once it runs them.
    pub fn boot(units: &[(&str, String)]) -> Machine {
        let dir = scratch();
        let etc = dir.path().join("units");
        fs::create_dir_all(etc.join("multi-user.target.wants")).unwrap();
        for (name, text) in units {
            fs::write(etc.join(name), text).unwrap();
            let link = etc.join("multi-user.target.wants").join(name);
            std::os::unix::fs::symlink(format!("../{name}"), link).unwrap();
        }
        let srv = dir.path().join("srv");
        fs::create_dir(&srv).unwrap();
        for binary in ["worker", "worker-liveness"] {
            fs::copy(runc::static_binaries().join(binary), srv.join(binary)).unwrap();
        }
        fs::create_dir(dir.path().join("state")).unwrap();
        let bundle = dir.path().join("bundle");
        fs::create_dir(&bundle).unwrap();
        let machine = Machine {
            id: format!("liveness-systemd-{}", std::process::id()),
            dir,
        };
        machine.runc(&["spec", "--bundle", bundle.to_str().unwrap()]);
        let config = bundle.join("config.json");
        let mut spec: Value = serde_json::from_str(&fs::read_to_string(&config).unwrap()).unwrap();
        configure(&mut spec, &rootfs(), &etc, &srv);
        fs::write(&config, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
        let log = |name| fs::File::create(machine.dir.path().join(name)).unwrap();
        let status = Command::new("runc")
            .arg("--root")
            .arg(machine.state())
            .args([
                "run",
                "--detach",
                "--bundle",
                bundle.to_str().unwrap(),
                &machine.id,
            ])
            .stdin(Stdio::null())
            .stdout(log("console"))
            .stderr(log("runc.log"))
            .status()
            .unwrap();
        assert!(
            status.success(),
            "runc run: {status}: {}",
            machine.console()
        );
        machine.until_running();
        machine
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `runc --root <state> args`, stdin closed.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("runc");
        cmd.arg("--root")
            .arg(self.state())
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// What systemd and runc printed.
    pub fn console(&self) -> String {
        let read = |name| fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        read("console") + &read("runc.log")
    }

    fn runc(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "runc {args:?}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `command` run in the machine; its stdout.
    pub fn exec(&self, command: &[&str]) -> String {
        let mut args = vec!["exec", self.id.as_str()];
        args.extend(command);
        self.runc(&args)
    }

    fn until_running(&self) {
        let begin = Instant::now();
        loop {
            let is = ["exec", &self.id, "systemctl", "is-system-running"];
            let out = self.command(&is).output().unwrap();
            let state = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if state == "running" || state == "degraded" {
                return;
            }
            assert!(
                begin.elapsed() < Duration::from_secs(60),
                "systemd did not finish booting ({state:?}): {}",
                self.console()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `systemctl show -p <property>` of `unit`.
    pub fn show(&self, unit: &str, property: &str) -> String {
        let out = self.exec(&["systemctl", "show", "-p", property, "--value", unit]);
        out.trim_end_matches('\n').to_owned()
    }

    /// The journal of `unit` in this boot: (monotonic time, message).
    pub fn journal(&self, unit: &str) -> Vec<(Duration, String)> {
        let out = self.exec(&["journalctl", "-b", "-u", unit, "-o", "json", "--no-pager"]);
        out.lines()
            .map(|line| {
                let entry: Value = serde_json::from_str(line).unwrap();
                let usec = entry["__MONOTONIC_TIMESTAMP"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let message = entry["MESSAGE"].as_str().unwrap_or_default().to_owned();
                (Duration::from_micros(usec), message)
            })
            .collect()
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        // SIGRTMIN+3: systemd halts; then whatever is left goes.
        let quiet = |args: &[&str]| {
            let mut cmd = self.command(args);
            let _ = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
        };
        quiet(&["kill", &self.id, "37"]);
        for _ in 0..50 {
            match self.command(&["state", &self.id]).output() {
                Ok(out) if String::from_utf8_lossy(&out.stdout).contains("\"running\"") => {
                    thread::sleep(Duration::from_millis(100));
                }
                _ => break,
            }
        }
        quiet(&["kill", &self.id, "KILL"]);
        quiet(&["delete", "--force", &self.id]);
    }
}

/// The edits to `runc spec`'s default for systemd as PID 1.
fn configure(spec: &mut Value, rootfs: &Path, units: &Path, srv: &Path) {
    spec["root"] = json!({ "path": rootfs, "readonly": true });
    let process = &mut spec["process"];
    process["terminal"] = json!(false);
    process["args"] = json!(["/sbin/init"]);
    process["env"]
        .as_array_mut()
        .unwrap()
        .push(json!("container=oci"));
    let caps = bounding_set();
    process["capabilities"] = json!({ "bounding": caps, "effective": caps, "permitted": caps });
    process.as_object_mut().unwrap().remove("rlimits");
    let mounts = spec["mounts"].as_array_mut().unwrap();
    for mount in mounts.iter_mut() {
        if mount["destination"] == "/sys/fs/cgroup" {
            let options = mount["options"].as_array_mut().unwrap();
            options.retain(|o| o != "ro");
            options.push(json!("rw"));
        }
    }
    for tmpfs in ["/run", "/run/lock", "/tmp"] {
        mounts.push(
            json!({ "destination": tmpfs, "type": "tmpfs", "source": "tmpfs",
                            "options": ["nosuid", "nodev", "mode=755"] }),
        );
    }
    for (destination, source) in [("/etc/systemd/system", units), ("/srv", srv)] {
        mounts.push(
            json!({ "destination": destination, "type": "bind", "source": source,
                            "options": ["rbind", "ro"] }),
        );
    }
}

/// The names of the capabilities in this process's bounding set.
fn bounding_set() -> Vec<String> {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .unwrap()
        .trim();
    let set = u64::from_str_radix(hex, 16).unwrap();
    CAPABILITIES
        .iter()
        .enumerate()
        .filter(|(bit, _)| set >> bit & 1 == 1)
        .map(|(_, name)| format!("CAP_{name}"))
        .collect()
}
