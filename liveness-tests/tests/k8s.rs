//! What operators deploy: `--k8s` and the example Deployments, checked
//! against the Kubernetes API types, and valid YAML whatever the probe
//! binary is called.

use std::{
    ffi::OsStr,
    os::unix::ffi::OsStrExt,
    path::{Path, PathBuf},
    process::Command,
};

use k8s_openapi::api::{apps::v1::Deployment, core::v1::Probe};
use liveness::Liveness;
use liveness_examples::{Indexer, Worker};

/// The example's probe binary (`examples/worker-liveness.rs`), built by this
/// package from the same source.
const PROBE: &str = env!("CARGO_BIN_EXE_k8s-worker-liveness");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    output(cmd)
}

/// The probe binary at `exe`, with the declared paths and no logging.
fn probe_at(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    for var in [
        "WORKER_LIVENESS_PATH",
        "INDEXER_LIVENESS_PATH",
        "LIVENESS_PROC_ROOT",
        "RUST_LOG",
        "LOG_LEVEL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn worker_liveness() -> Command {
    probe_at(Path::new(PROBE))
}

/// A fresh directory, removed on drop, under the system's temporary
/// directory made absolute (`TMPDIR` may be relative).
fn scratch() -> tempfile::TempDir {
    let base = std::path::absolute(std::env::temp_dir()).unwrap();
    tempfile::Builder::new()
        .prefix("liveness-test-")
        .tempdir_in(base)
        .unwrap()
}

/// A probe's period, timeout and failure threshold.
fn timings(probe: &Probe) -> (Option<i32>, Option<i32>, Option<i32>) {
    (
        probe.period_seconds,
        probe.timeout_seconds,
        probe.failure_threshold,
    )
}

/// The `livenessProbe` block of `--k8s`, as Kubernetes would read it.
fn k8s_probe() -> (Probe, String) {
    let out = run(worker_liveness().arg("--k8s"));
    assert_eq!(out.code, 0);
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&out.stdout).unwrap();
    let probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
    (probe, out.stdout)
}

#[test]
fn k8s_prints_a_liveness_probe_that_runs_this_binary() {
    let (probe, text) = k8s_probe();
    let command = probe.exec.unwrap().command.unwrap();
    let exe = std::fs::canonicalize(PROBE).unwrap();
    assert_eq!(command, vec![exe.to_str().unwrap().to_owned()]);
    // max_age 3 s: a period of a third of it, the default-ish threshold.
    assert_eq!(probe.period_seconds, Some(1));
    assert_eq!(probe.timeout_seconds, Some(1));
    assert_eq!(probe.failure_threshold, Some(3));
    // The kill-time formula, worked out in a comment.
    assert!(
        text.contains("max_age + periodSeconds x failureThreshold\n"),
        "{text}"
    );
    assert!(text.contains("#   worker: 3s + 1s x 3 = 6s\n"), "{text}");
    assert!(text.contains("#   indexer: 5s + 1s x 3 = 8s\n"), "{text}");
}

/// The pod of the Deployment `examples/k8s/<file>`, as Kubernetes reads it.
fn example_pod(file: &str) -> k8s_openapi::api::core::v1::PodSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/k8s")
        .join(file);
    let deployment: Deployment =
        serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    deployment.spec.template.spec.unwrap()
}

#[test]
fn the_example_deployment_lines_up_with_the_declaration() {
    let pod = example_pod("deployment.yaml");
    let container = &pod.containers[0];

    // The probe runs the worker's probe binary, timed as --k8s says.
    let probe = container.liveness_probe.as_ref().unwrap();
    let command = probe.exec.as_ref().unwrap().command.as_ref().unwrap();
    assert_eq!(command, &vec!["/usr/local/bin/worker-liveness".to_owned()]);
    let (printed, _) = k8s_probe();
    assert_eq!(timings(probe), timings(&printed));

    // Both heartbeat files sit on a mounted in-memory emptyDir.
    let mounts = container.volume_mounts.as_ref().unwrap();
    for path in [Worker::PATH, Indexer::path().to_str().unwrap()] {
        let dir = Path::new(path).parent().unwrap();
        let mount = mounts
            .iter()
            .find(|m| Path::new(&m.mount_path) == dir)
            .unwrap_or_else(|| panic!("nothing mounted at {}", dir.display()));
        let volume = pod
            .volumes
            .as_ref()
            .unwrap()
            .iter()
            .find(|v| v.name == mount.name)
            .unwrap();
        assert_eq!(
            volume.empty_dir.as_ref().unwrap().medium.as_deref(),
            Some("Memory")
        );
    }
    // No env override moves the heartbeats off the volume.
    let env = container.env.as_deref().unwrap_or_default();
    assert!(
        !env.iter()
            .any(|e| Some(e.name.as_str()) == Worker::PATH_ENV)
    );

    // Read-only root, not root.
    let security = container.security_context.as_ref().unwrap();
    assert_eq!(security.read_only_root_filesystem, Some(true));
    assert_eq!(
        pod.security_context.as_ref().unwrap().run_as_non_root,
        Some(true)
    );
}

/// `--k8s` of an in-process probe over `components`, with `args`.
fn k8s_of(components: Vec<liveness::Component>, args: &[&str]) -> serde_yaml_ng::Value {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = liveness::Probe::new(components).run_with(args, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    serde_yaml_ng::from_slice(&out).unwrap()
}

#[test]
fn k8s_adds_a_startup_probe_when_the_grace_is_long_and_the_arithmetic_adds_up() {
    let slow = liveness::Component::new(
        "slow",
        "/tmp/liveness/slow",
        std::time::Duration::from_secs(30),
    )
    .startup_grace(std::time::Duration::from_secs(600));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    liveness::Probe::new([slow.clone()]).run_with(
        ["--k8s", "--command", "/usr/bin/slow-liveness"],
        &mut out,
        &mut err,
    );
    let text = String::from_utf8(out).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let liveness: Probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
    let startup: Probe = serde_yaml_ng::from_value(doc["startupProbe"].clone()).unwrap();
    assert_eq!(
        liveness.exec.unwrap().command.unwrap(),
        ["/usr/bin/slow-liveness"]
    );
    assert_eq!(
        startup.exec.unwrap().command.unwrap(),
        ["/usr/bin/slow-liveness", "--startup"]
    );
    // periodSeconds = max_age / 3; the startup probe covers the grace.
    assert_eq!(
        (liveness.period_seconds, liveness.failure_threshold),
        (Some(10), Some(3))
    );
    let (period, threshold) = (
        startup.period_seconds.unwrap(),
        startup.failure_threshold.unwrap(),
    );
    assert!(
        period * threshold >= 600 && period * (threshold - 1) < 600,
        "{period} x {threshold}"
    );
    assert!(
        text.contains("#   = 10s x 60 = 10m of its start is restarted"),
        "{text}"
    );
    // A default grace needs none.
    let doc = k8s_of(vec![liveness::Component::of::<Worker>()], &["--k8s"]);
    assert!(doc.get("startupProbe").is_none());
}

#[test]
fn k8s_http_prints_http_get_probes_with_the_same_timings() {
    let slow = liveness::Component::new(
        "slow",
        "/tmp/liveness/slow",
        std::time::Duration::from_secs(30),
    )
    .startup_grace(std::time::Duration::from_secs(600));
    let exec = k8s_of(vec![slow.clone()], &["--k8s"]);
    let http = k8s_of(vec![slow], &["--k8s", "--http", "8080"]);
    for kind in ["livenessProbe", "startupProbe"] {
        let (exec, http): (Probe, Probe) = (
            serde_yaml_ng::from_value(exec[kind].clone()).unwrap(),
            serde_yaml_ng::from_value(http[kind].clone()).unwrap(),
        );
        let get = http.http_get.as_ref().unwrap();
        assert_eq!(
            get.port,
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(8080)
        );
        let path = if kind == "startupProbe" {
            "/livez/startup"
        } else {
            "/livez"
        };
        assert_eq!(get.path.as_deref(), Some(path));
        assert!(http.exec.is_none());
        assert_eq!(
            (
                http.period_seconds,
                http.timeout_seconds,
                http.failure_threshold
            ),
            (
                exec.period_seconds,
                exec.timeout_seconds,
                exec.failure_threshold
            )
        );
    }
}

#[test]
fn k8s_grpc_prints_grpc_probes_with_the_same_timings() {
    let slow = liveness::Component::new(
        "slow",
        "/tmp/liveness/slow",
        std::time::Duration::from_secs(30),
    )
    .startup_grace(std::time::Duration::from_secs(600));
    let exec = k8s_of(vec![slow.clone()], &["--k8s"]);
    let grpc = k8s_of(vec![slow], &["--k8s", "--grpc", "9090"]);
    for (kind, service) in [("livenessProbe", "liveness"), ("startupProbe", "startup")] {
        let (exec, grpc): (Probe, Probe) = (
            serde_yaml_ng::from_value(exec[kind].clone()).unwrap(),
            serde_yaml_ng::from_value(grpc[kind].clone()).unwrap(),
        );
        let action = grpc.grpc.as_ref().unwrap();
        assert_eq!(
            (action.port, action.service.as_deref()),
            (9090, Some(service))
        );
        assert!(grpc.exec.is_none() && grpc.http_get.is_none());
        let timing = |p: &Probe| (p.period_seconds, p.timeout_seconds, p.failure_threshold);
        assert_eq!(timing(&grpc), timing(&exec));
    }
}

#[test]
fn the_http_deployment_probes_the_port_the_worker_serves_as_k8s_says() {
    let pod = example_pod("deployment-http.yaml");
    let container = &pod.containers[0];
    let probe = container.liveness_probe.as_ref().unwrap();
    assert!(probe.exec.is_none());
    let get = probe.http_get.as_ref().unwrap();
    assert_eq!(get.path.as_deref(), Some("/livez"));
    // The worker serves the port the kubelet asks, and declares it.
    let command = container.command.as_ref().unwrap();
    assert_eq!(
        command[1..],
        ["--http".to_owned(), "0.0.0.0:8080".to_owned()]
    );
    let port = container.ports.as_ref().unwrap()[0].container_port;
    assert_eq!(
        get.port,
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(port)
    );
    // Timed as `--k8s --http 8080` prints it.
    let out = run(worker_liveness().args(["--k8s", "--http", "8080"]));
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&out.stdout).unwrap();
    let printed: Probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
    assert_eq!(printed.http_get.as_ref(), Some(get));
    assert_eq!(timings(probe), timings(&printed));
    let security = container.security_context.as_ref().unwrap();
    assert_eq!(security.read_only_root_filesystem, Some(true));
}

#[test]
fn a_probe_served_as_a_subcommand_names_it_in_usage_and_in_k8s() {
    let probe = liveness::Probe::new([liveness::Component::of::<Worker>()]).subcommand("probe");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(probe.run_with(["--help"], &mut out, &mut err), 0);
    let usage = String::from_utf8(out).unwrap();
    let exe = std::env::current_exe().unwrap();
    let name = exe.file_name().unwrap().to_str().unwrap();
    assert!(
        usage.starts_with(&format!("Usage: {name} probe [OPTIONS]")),
        "{usage}"
    );
    let doc = k8s_of(vec![liveness::Component::of::<Worker>()], &["--k8s"]);
    let plain: Probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
    assert_eq!(plain.exec.unwrap().command.unwrap().len(), 1);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(probe.run_with(["--k8s"], &mut out, &mut err), 0);
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&out).unwrap();
    let sub: Probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
    assert_eq!(
        sub.exec.unwrap().command.unwrap(),
        [exe.to_str().unwrap(), "probe"]
    );
}

/// `--k8s` of an in-process probe over `components` with `args`: stdout and
/// stderr.
fn k8s_text(probe: liveness::Probe, args: &[&str]) -> (String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(probe.run_with(args, &mut out, &mut err), 0);
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn secs(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(n)
}

#[test]
fn k8s_prints_each_components_bound_and_an_extensions_effect() {
    let fast = liveness::Component::new("fast", "/tmp/liveness/fast", secs(30));
    let slow =
        liveness::Component::new("slow", "/tmp/liveness/slow", secs(60)).max_extend(secs(3600));
    let probe = liveness::Probe::new([fast, slow]);
    let (text, _) = k8s_text(probe, &["--k8s", "--command", "/bin/p"]);
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let liveness: Probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
    assert_eq!(
        (liveness.period_seconds, liveness.failure_threshold),
        (Some(10), Some(3))
    );
    for line in [
        "#   fast: 30s + 10s x 3 = 1m\n",
        "#   slow: 1m + 10s x 3 = 1m 30s\n",
        "#   max_extend + periodSeconds x failureThreshold\n",
        "#   slow: 1h + 10s x 3 = 1h 30s\n",
        "# periodSeconds 10 is a third of the smallest max_age (fast: 30s), so every\n",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    assert!(!text.contains("fast: 1h"), "{text}");
    // A run-time component honours what its writer records: no bound.
    let job = liveness::Component::new("job", "/tmp/liveness/job", secs(9));
    let (text, _) = k8s_text(
        liveness::Probe::new([job]),
        &["--k8s", "--command", "/bin/p"],
    );
    assert!(
        text.contains("#   job: no max_extend: as long as its writer asks, + 3s x 3\n"),
        "{text}"
    );
}

#[test]
fn k8s_warns_when_the_command_is_a_build_path() {
    // Under /tmp, not TMPDIR, which may itself be inside a target/ directory.
    let dir = tempfile::Builder::new()
        .prefix("liveness-test-")
        .tempdir_in("/tmp")
        .unwrap();
    let copy = |to: &str| {
        let exe = dir.path().join(to);
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::copy(PROBE, &exe).unwrap();
        exe
    };
    let (built, installed) = (copy("target/release/p"), copy("bin/p"));
    let out = output(probe_at(&built).arg("--k8s"));
    let warning = format!(
        "warning: the command {} is a build path (inside target/): give the probe's path in the image with --command PATH\n",
        built.display()
    );
    assert_eq!(out.stderr, warning);
    assert!(
        out.stdout.contains(&format!("# {warning}")),
        "{}",
        out.stdout
    );
    serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&out.stdout).unwrap();
    for args in [
        &["--k8s", "--command", "/usr/bin/p"][..],
        // An httpGet probe runs no command.
        &["--k8s", "--http", "8080"],
    ] {
        let out = output(probe_at(&built).args(args));
        assert_eq!(out.stderr, "", "{args:?}");
        assert!(!out.stdout.contains("warning"), "{}", out.stdout);
    }
    let out = output(probe_at(&installed).arg("--k8s"));
    assert_eq!(out.stderr, "");
    assert!(!out.stdout.contains("warning"), "{}", out.stdout);
}

/// Runs `cmd`, retried while its freshly copied executable is busy (another
/// test thread's fork holds the copy open until it execs).
fn output(cmd: &mut Command) -> Run {
    const ETXTBSY: i32 = 26;
    for _ in 0..100 {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Ok(out) => {
                return Run {
                    code: out.status.code().expect("the probe was killed by a signal"),
                    stdout: String::from_utf8(out.stdout).unwrap(),
                    stderr: String::from_utf8(out.stderr).unwrap(),
                };
            }
            Err(e) => panic!("{cmd:?}: {e}"),
        }
    }
    panic!("{cmd:?} stayed busy")
}

#[test]
fn k8s_mounts_an_in_memory_empty_dir_on_each_heartbeat_directory() {
    use k8s_openapi::api::core::v1::{Volume, VolumeMount};
    let components = [
        liveness::Component::new("a", "/tmp/liveness/a", secs(30)),
        liveness::Component::new("b", "/tmp/liveness/b", secs(30)),
        liveness::Component::new("c", "/var/lib/svc/c", secs(30)),
    ];
    let (text, _) = k8s_text(
        liveness::Probe::new(components),
        &["--k8s", "--command", "/p"],
    );
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mounts: Vec<VolumeMount> = serde_yaml_ng::from_value(doc["volumeMounts"].clone()).unwrap();
    let volumes: Vec<Volume> = serde_yaml_ng::from_value(doc["volumes"].clone()).unwrap();
    let paths: Vec<&str> = mounts.iter().map(|m| m.mount_path.as_str()).collect();
    assert_eq!(paths, ["/tmp/liveness", "/var/lib/svc"], "{text}");
    assert_eq!(volumes.len(), 2, "{text}");
    for mount in &mounts {
        let volume = volumes.iter().find(|v| v.name == mount.name).unwrap();
        let empty_dir = volume.empty_dir.as_ref().unwrap();
        assert_eq!(empty_dir.medium.as_deref(), Some("Memory"));
    }
    assert_ne!(mounts[0].name, mounts[1].name);
}

#[test]
fn k8s_http_probes_the_path_the_server_answers() {
    let slow =
        liveness::Component::new("slow", "/tmp/liveness/slow", secs(30)).startup_grace(secs(600));
    let probe = liveness::Probe::new([slow]).http_path("/healthz");
    let (text, _) = k8s_text(probe, &["--k8s", "--http", "8080"]);
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    for (kind, path) in [
        ("livenessProbe", "/healthz"),
        ("startupProbe", "/healthz/startup"),
    ] {
        let probe: Probe = serde_yaml_ng::from_value(doc[kind].clone()).unwrap();
        assert_eq!(
            probe.http_get.unwrap().path.as_deref(),
            Some(path),
            "{text}"
        );
    }
}

/// The probe binary copied under `name` into `dir`.
fn probe_named(dir: &Path, name: &OsStr) -> PathBuf {
    let exe = dir.join(name);
    std::fs::copy(PROBE, &exe).unwrap();
    exe
}

#[test]
fn k8s_output_stays_valid_yaml_whatever_the_binary_is_called() {
    let dir = scratch();
    for name in [
        &b"probe\nevil: true\n#"[..],
        b"probe: {x: 1}",
        b"pro\"be'\t\x1b[31m",
        b"pr\xffobe",
    ] {
        let exe = probe_named(dir.path(), OsStr::from_bytes(name));
        let out = run(probe_at(&exe).arg("--k8s"));
        assert_eq!(out.code, 0);
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
        let keys: Vec<_> = doc
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            keys,
            ["livenessProbe", "volumeMounts", "volumes"],
            "{}",
            out.stdout
        );
        let probe: Probe = serde_yaml_ng::from_value(doc["livenessProbe"].clone()).unwrap();
        let command = probe.exec.unwrap().command.unwrap();
        assert_eq!(command, [exe.to_string_lossy().into_owned()]);
        assert!(!out.stdout.contains('\u{1b}'));
    }
}

#[test]
fn k8s_mounts_no_directory_it_cannot_name_in_yaml_and_says_so() {
    let dir = PathBuf::from(OsStr::from_bytes(b"/var/lib/w\xff"));
    let components = [
        liveness::Component::new("odd", dir.join("odd"), secs(30)),
        liveness::Component::new("root", "/root-beat", secs(30)),
        liveness::Component::new("fine", "/tmp/liveness/fine", secs(30)),
    ];
    let (text, err) = k8s_text(
        liveness::Probe::new(components),
        &["--k8s", "--command", "/p"],
    );
    assert_eq!(
        err,
        "warning: odd's heartbeat directory /var/lib/w\\xff is not UTF-8, which YAML cannot hold: mount it yourself\n\
         warning: root's heartbeat /root-beat has no directory of its own to mount\n"
    );
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mounts: Vec<k8s_openapi::api::core::v1::VolumeMount> =
        serde_yaml_ng::from_value(doc["volumeMounts"].clone()).unwrap();
    assert_eq!(mounts.len(), 1, "{text}");
    assert_eq!(mounts[0].mount_path, "/tmp/liveness");
}

#[test]
fn k8s_prints_the_example_deployments_heartbeat_volume() {
    use k8s_openapi::api::core::v1::{Volume, VolumeMount};
    let pod = example_pod("deployment.yaml");
    let mounts = pod.containers[0].volume_mounts.as_ref().unwrap();
    let (_, text) = k8s_probe();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let printed: Vec<VolumeMount> = serde_yaml_ng::from_value(doc["volumeMounts"].clone()).unwrap();
    let volumes: Vec<Volume> = serde_yaml_ng::from_value(doc["volumes"].clone()).unwrap();
    let paths = |mounts: &[VolumeMount]| -> Vec<String> {
        mounts.iter().map(|m| m.mount_path.clone()).collect()
    };
    assert_eq!(paths(&printed), paths(mounts));
    assert_eq!(
        volumes[0].empty_dir,
        pod.volumes.as_ref().unwrap()[0].empty_dir
    );
}

#[test]
fn k8s_of_the_longest_durations_prints_probes_the_api_accepts() {
    let most = std::time::Duration::MAX;
    let forever = liveness::Component::new("forever", "/tmp/liveness/forever", most)
        .startup_grace(most)
        .max_extend(most);
    let slow = liveness::Component::new("slow", "/tmp/liveness/slow", secs(30)).startup_grace(most);
    for components in [vec![forever.clone()], vec![forever, slow]] {
        for args in [
            &["--k8s"][..],
            &["--k8s", "--ready"],
            &["--k8s", "--http", "8080", "--ready"],
            &["--k8s", "--grpc", "9090", "--ready"],
        ] {
            let doc = k8s_of(components.clone(), args);
            for kind in ["livenessProbe", "startupProbe", "readinessProbe"] {
                if let Some(probe) = doc.get(kind) {
                    // The API's fields are 32-bit: this parse fails beyond.
                    let probe: Probe = serde_yaml_ng::from_value(probe.clone())
                        .unwrap_or_else(|e| panic!("{kind} of {args:?}: {e}"));
                    assert!(probe.period_seconds.unwrap() >= 1, "{kind}");
                }
            }
        }
    }
}
