//! `--docker` and `--compose`: the `HEALTHCHECK` line and the
//! `healthcheck:` block a user pastes, their timings and their arithmetic;
//! and, against the real Docker, that the printed line turns a container
//! `healthy`, then `unhealthy` when its worker's loops wedge.
//!
//! The real Docker needs root and Debian's `docker.io` (a private
//! `containerd` and `dockerd` of the test's own), so that test is ignored by
//! default; `.ci/run` runs it with `cargo test --test docker -- --ignored`,
//! where it fails if it cannot run.

mod common;
#[path = "docker/daemon.rs"]
mod docker_daemon;

use std::time::{Duration, Instant};

use liveness::{Component, Probe};
use liveness_examples::{Indexer, Worker};

/// The probe's stdout, stderr and exit code for `args`.
fn run(probe: &Probe, args: &[&str]) -> (String, String, u8) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = probe.run_with(args, &mut out, &mut err);
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (text(out), text(err), code)
}

fn worker_probe() -> Probe {
    Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()])
}

/// The lines that are not comments.
fn instructions(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

#[test]
fn docker_prints_a_healthcheck_timed_from_the_declarations() {
    let (out, err, code) = run(
        &worker_probe(),
        &["--docker", "--command", "/worker-liveness"],
    );
    assert_eq!((code, err.as_str()), (0, ""));
    // Worker: max_age 3s, grace 1s; Indexer: max_age 5s, grace 5s.
    assert_eq!(
        instructions(&out),
        [
            "HEALTHCHECK --interval=1s --timeout=1s --start-period=5s --retries=3 \
             CMD [\"/worker-liveness\"]"
        ]
    );
    for line in [
        "#   worker: 3s + 1s x 3 = 6s",
        "#   indexer: 5s + 1s x 3 = 8s",
        "# beats is unhealthy within 5s + 1s x 3 = 8s of its start.",
    ] {
        assert!(out.lines().any(|l| l == line), "no {line:?} in\n{out}");
    }
    // The same, in the other order, gives the same line.
    let (swapped, _, _) = run(
        &Probe::new([Component::of::<Indexer>(), Component::of::<Worker>()]),
        &["--command", "/worker-liveness", "--docker"],
    );
    assert_eq!(instructions(&swapped), instructions(&out));
}

#[test]
fn compose_prints_the_healthcheck_block_with_the_same_timings() {
    let probe = worker_probe().subcommand("probe");
    let (out, err, code) = run(&probe, &["--compose", "--command", "/app/worker"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        instructions(&out),
        [
            "healthcheck:",
            "  test: [\"CMD\", \"/app/worker\", \"probe\"]",
            "  interval: 1s",
            "  timeout: 1s",
            "  start_period: 5s",
            "  retries: 3",
        ]
    );
}

#[test]
fn the_interval_is_a_third_of_the_smallest_max_age_and_odd_durations_stay_exact() {
    let secs = Duration::from_secs;
    let probe = Probe::new([
        Component::new("slow", "/tmp/liveness/slow", secs(3600)).startup_grace(secs(7200)),
        Component::new("quick", "/tmp/liveness/quick", secs(90))
            .startup_grace(Duration::from_millis(1500))
            .max_extend(secs(600)),
    ]);
    let (out, _, _) = run(&probe, &["--docker", "--command", "/p"]);
    assert_eq!(
        instructions(&out),
        ["HEALTHCHECK --interval=30s --timeout=1s --start-period=7200s --retries=3 CMD [\"/p\"]"]
    );
    assert!(
        out.contains("#   quick: 10m + 30s x 3 = 11m 30s\n"),
        "{out}"
    );
    assert!(out.contains("#   slow: no max_extend: as long as its writer asks, + 30s x 3\n"));
    // A grace that is not whole seconds, in milliseconds; a max_age under
    // 3 s still probes every second.
    let probe =
        Probe::new([
            Component::new("tiny", "/tmp/liveness/tiny", Duration::from_millis(500))
                .startup_grace(Duration::from_micros(2_500_001)),
        ]);
    let (out, _, _) = run(&probe, &["--compose", "--command", "/p"]);
    assert!(out.contains("\n  interval: 1s\n"), "{out}");
    assert!(out.contains("\n  start_period: 2501ms\n"), "{out}");
    let probe = Probe::new([
        Component::new("none", "/tmp/liveness/none", secs(60)).startup_grace(Duration::ZERO)
    ]);
    let (out, _, _) = run(&probe, &["--docker", "--command", "/p"]);
    assert!(
        out.contains("--interval=20s --timeout=1s --start-period=0s "),
        "{out}"
    );
}

#[test]
fn hostile_names_and_paths_stay_in_comments_and_the_command_is_exact() {
    let name = "evil\nHEALTHCHECK NONE\u{1b}[2J\u{202e}";
    let command = "/bin/a \"b\"\\c\nd\u{e9}\u{1F600}\u{202e}";
    let probe = Probe::new([Component::new(
        name,
        "/tmp/liveness/x\ny",
        Duration::from_secs(30),
    )]);
    let (out, _, code) = run(&probe, &["--docker", "--command", command]);
    assert_eq!(code, 0);
    assert!(out.is_ascii(), "{out}");
    let lines = instructions(&out);
    assert_eq!(lines.len(), 1, "{out}");
    let json = lines[0].split_once(" CMD ").unwrap().1;
    let argv: Vec<String> = serde_json::from_str(json).unwrap();
    assert_eq!(argv, [command]);
    assert!(out.contains("#   evil\\nHEALTHCHECK NONE\\u{1b}[2J\\u{202e}: 30s + 10s x 3"));

    let (out, _, _) = run(&probe, &["--compose", "--command", command]);
    assert!(out.is_ascii(), "{out}");
    // YAML spells the character beyond U+FFFF with `\U`, JSON cannot.
    assert!(
        out.contains(
            "  test: [\"CMD\", \"/bin/a \\\"b\\\"\\\\c\\u000ad\\u00e9\\U0001f600\\u202e\"]\n"
        ),
        "{out}"
    );
}

#[test]
fn without_command_a_build_path_is_warned_of() {
    let (out, err, code) = run(&worker_probe(), &["--docker"]);
    assert_eq!(code, 0);
    // The tests run from target/: the guess is a build path.
    let warning = err.lines().next().unwrap_or_default();
    assert!(
        warning.starts_with("warning: the command ") && warning.contains("inside target/"),
        "{err}"
    );
    assert!(out.contains(&format!("# {warning}\n")), "{out}");
    let exe = std::env::current_exe().unwrap();
    assert!(
        out.contains(&format!("CMD [\"{}\"]", exe.display())),
        "{out}"
    );
}

#[test]
fn misused_docker_options_say_what_is_wrong() {
    let probe = worker_probe();
    for (args, said) in [
        (
            &["--docker", "--compose"][..],
            "unexpected arguments: --docker --compose",
        ),
        (
            &["--docker", "--docker"],
            "unexpected arguments: --docker --docker",
        ),
        (
            &["--compose", "--json"],
            "unexpected arguments: --compose --json",
        ),
        (
            &["--docker", "--k8s"],
            "unexpected arguments: --docker --k8s",
        ),
        (&["--docker", "--http", "80"], "`--http` goes with `--k8s`"),
        (&["--docker", "--command"], "`--command` needs a PATH"),
        (
            &["--command", "/p"],
            "`--command` goes with `--k8s`, `--docker` or `--compose`",
        ),
    ] {
        let (out, err, code) = run(&probe, args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert_eq!(err.lines().next(), Some(format!("error: {said}").as_str()));
    }
}

/// How long the test waits for a status at most (a hang guard on a shared
/// machine, not a timing assertion).
const GUARD: Duration = Duration::from_secs(60);

#[test]
#[ignore = "needs root and docker.io"]
fn docker_marks_the_container_healthy_then_unhealthy_when_the_loop_wedges() {
    let docker = docker_daemon::Daemon::start();
    let binaries = common::runc::static_binaries();
    let printed = std::process::Command::new(binaries.join("worker-liveness"))
        .args(["--docker", "--command", "/worker-liveness"])
        .output()
        .unwrap();
    assert!(printed.status.success());
    let healthcheck = String::from_utf8(printed.stdout).unwrap();
    eprintln!("{healthcheck}");
    // Worker: max_age 3 s, so a third of it: --interval=1s.
    assert!(healthcheck.contains("HEALTHCHECK --interval=1s --timeout=1s --start-period=5s"));
    let hang_after = 8;
    let image = docker.build(
        binaries,
        &format!("{healthcheck}CMD [\"/worker\", \"--hang-after\", \"{hang_after}\"]\n"),
    );
    let started = Instant::now();
    let container = docker.run(&image);
    let mut seen: Vec<(String, Duration)> = Vec::new();
    while seen.last().is_none_or(|(s, _)| s != "unhealthy") && started.elapsed() < GUARD {
        let status = docker.health(&container);
        if seen.last().is_none_or(|(s, _)| *s != status) {
            seen.push((status, started.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("statuses: {seen:?}");
    let statuses: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(statuses, ["starting", "healthy", "unhealthy"], "{seen:?}");
    // Never unhealthy while the loops beat: the worker's last beat is at
    // `hang_after`, dead 3 s later, unhealthy after three failed checks.
    assert!(seen[2].1 >= Duration::from_secs(hang_after + 3), "{seen:?}");
    // Docker keeps the probe's lines: the last says why.
    let log = docker.last_health_output(&container);
    assert!(log.starts_with("worker: dead: last heartbeat "), "{log}");
}

#[test]
fn the_largest_durations_do_not_overflow() {
    let probe =
        Probe::new([Component::new("huge", "/tmp/liveness/huge", Duration::MAX)
            .startup_grace(Duration::MAX)]);
    for format in ["--docker", "--compose"] {
        let (out, err, code) = run(&probe, &[format, "--command", "/p"]);
        assert_eq!((code, err.as_str()), (0, ""), "{out}");
        // Go's longest duration, about 292 years, in whole seconds.
        assert_eq!(out.matches("9223372036s").count(), 2, "{out}");
    }
}
