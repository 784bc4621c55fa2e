//! What the probe prints stays what it means: one line per component
//! whatever the names and paths hold, one line that says what is wrong with
//! a bad argument, and no environment value that makes it outrun its timeout
//! (`--k8s` stays valid YAML whatever the binary is called:
//! `liveness-tests/tests/k8s.rs`).

mod common;

use std::{
    ffi::OsStr,
    os::unix::ffi::OsStrExt,
    path::PathBuf,
    time::{Duration, Instant},
};

use common::{Files, run};
use liveness::Timestamp;

#[test]
fn a_path_with_a_newline_or_an_escape_cannot_forge_a_line() {
    let files = Files::new();
    let forged = files
        .dir
        .path()
        .join("x\nworker: alive: last heartbeat 1ms ago, max 3s (/tmp/liveness/worker)\u{1b}[2J");
    let out = run(files.probe().env("WORKER_LIVENESS_PATH", &forged));
    assert_eq!(out.code, 1, "{}", out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per component: {:?}", out.stdout);
    assert!(
        lines[0].starts_with("worker: dead: no heartbeat"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with(
            "/x\\nworker: alive: last heartbeat 1ms ago, max 3s (/tmp/liveness/worker)\\u{1b}[2J)"
        ),
        "{}",
        lines[0]
    );
    assert!(
        !out.stdout.contains('\u{1b}'),
        "an escape reached the output"
    );
}

#[test]
fn a_path_that_is_not_utf8_is_shown_escaped_not_lossy() {
    let files = Files::new();
    let mut raw = files.dir.path().as_os_str().as_bytes().to_vec();
    raw.extend_from_slice(b"/w\xff\xfe");
    let path = PathBuf::from(OsStr::from_bytes(&raw));
    Timestamp::create(&path, Duration::from_secs(3)).unwrap();
    let out = run(files.probe().env("WORKER_LIVENESS_PATH", &path));
    assert_eq!(out.code, 0, "{}", out.stdout);
    let shown = format!("{}/w\\xff\\xfe", common::shown(files.dir.path()));
    assert!(
        out.stdout
            .lines()
            .next()
            .unwrap()
            .ends_with(&format!("({shown})")),
        "{}",
        out.stdout
    );
    let out = run(files
        .probe()
        .arg("--json")
        .env("WORKER_LIVENESS_PATH", &path));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["components"][0]["path"], shown.as_str());
}

#[test]
fn a_huge_rust_log_is_ignored_with_a_warning() {
    let files = Files::new();
    Timestamp::create(&files.worker, Duration::from_secs(3)).unwrap();
    let spec = vec!["abc"; 32_750].join(",");
    let started = Instant::now();
    let out = run(files.probe().env("RUST_LOG", &spec));
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 2);
    assert_eq!(
        out.stderr,
        "warning: RUST_LOG ignored: 130999 bytes and 32750 directives, more than the 1024 bytes or 32 directives a probe reads\n"
    );
    eprintln!("probe with a 32,750-directive RUST_LOG: {took:?}");
    // A short one still works.
    let out = run(files.probe().env("RUST_LOG", "liveness=debug"));
    assert!(out.stderr.contains("DEBUG"), "{}", out.stderr);
}

#[test]
fn a_misused_option_says_what_is_wrong_in_one_line_then_usage() {
    let probe = liveness::Probe::new([liveness::Component::of::<liveness_examples::Worker>()]);
    for (args, said) in [
        (&["--k8s", "--http"][..], "`--http` needs a PORT"),
        (
            &["--k8s", "--http", "abc"],
            "`--http` takes a port number 1-65535, not `abc`",
        ),
        (
            &["--command", "/x"],
            "`--command` goes with `--k8s`, `--docker` or `--compose`",
        ),
        (&["--bogus"], "unexpected arguments: --bogus"),
    ] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(probe.run_with(args, &mut out, &mut err), 2, "{args:?}");
        assert!(out.is_empty());
        let err = String::from_utf8(err).unwrap();
        let (first, rest) = err.split_once('\n').unwrap();
        assert_eq!(first, format!("error: {said}"), "{args:?}");
        assert!(rest.starts_with("\nUsage: "), "{rest}");
    }
}

#[test]
fn a_heartbeat_missing_past_the_grace_says_how_to_fix_it_and_what_started() {
    let files = Files::new();
    let fix = format!(
        ", grace 1s: beat earlier, or raise startup_grace ({})",
        common::shown(&files.worker)
    );
    let old = common::FakeProc::container_started(Duration::from_secs(60).min(common::uptime()));
    let out = run(files.probe().env("LIVENESS_PROC_ROOT", old.path()));
    let line = out.stdout.lines().next().unwrap().to_owned();
    assert!(
        line.starts_with("worker: dead: no heartbeat since the container started "),
        "{line}"
    );
    assert!(line.ends_with(&fix), "{line}");
    // This host's own procfs: outside any container, the grace counted from
    // the system's start says so.
    let out = run(&mut files.probe());
    let line = out.stdout.lines().next().unwrap();
    let pid_ns = rustix::fs::stat("/proc/self/ns/pid").unwrap().st_ino;
    if pid_ns == 0xEFFF_FFFC {
        assert!(
            line.starts_with("worker: dead: no heartbeat since the system started "),
            "{line}"
        );
        assert!(
            line.contains(" ago (no container detected), grace 1s"),
            "{line}"
        );
    } else {
        assert!(line.contains("since the container started "), "{line}");
    }
    assert!(line.ends_with(&fix), "{line}");
}
