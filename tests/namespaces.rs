//! The container guard against namespaces as services really use them: a
//! healthy writer in a nested mount, time or PID namespace of the probe's
//! container vouches (systemd `PrivateTmp=`, `bwrap`, `unshare`), and two
//! live containers writing one file are named as a conflict, never blamed
//! on a previous container.
//!
//! The `unshare` cases need root; they are ignored by default and run by
//! `.ci/run` (`cargo test --test namespaces -- --ignored`).

mod common;

use std::{process::Command, time::Duration};

use common::{FakeProc, Files, run};

/// The example worker started under `unshare` with `args`, beating into
/// `files` every 20 ms.
fn worker_under_unshare(files: &Files, args: &[&str]) -> std::process::Child {
    Command::new("unshare")
        .args(args)
        .arg(env!("CARGO_BIN_EXE_worker"))
        .args(["--period", "20"])
        .env("WORKER_LIVENESS_PATH", &files.worker)
        .env("INDEXER_LIVENESS_PATH", &files.indexer)
        .env_remove("LIVENESS_PROC_ROOT")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("unshare runs (util-linux)")
}

fn assert_alive_from_outside(args: &[&str]) {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer);
    let mut worker = worker_under_unshare(&files, args);
    let out = common::until_alive(|| run(&mut files.probe()));
    // And it stays alive: every probe over half a second.
    let mut lines = Vec::new();
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(50));
        let out = run(&mut files.probe());
        if out.code != 0 {
            lines.push(out.stdout);
        }
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(out.code, 0, "unshare {args:?}: {}", out.stdout);
    assert!(
        lines.is_empty(),
        "unshare {args:?}: dead while beating: {lines:?}"
    );
    assert!(
        out.stdout.starts_with("worker: alive: last heartbeat "),
        "{}",
        out.stdout
    );
}

#[test]
#[ignore = "needs root: unshare"]
fn a_writer_in_a_nested_mount_namespace_vouches() {
    assert_alive_from_outside(&["-m"]);
}

#[test]
#[ignore = "needs root: unshare"]
fn a_writer_in_a_time_namespace_with_a_boot_clock_offset_vouches() {
    for offset in ["100", "-5"] {
        assert_alive_from_outside(&["-T", "--boottime", offset]);
    }
}

#[test]
#[ignore = "needs root: unshare"]
fn a_writer_in_a_nested_pid_namespace_vouches() {
    assert_alive_from_outside(&["-p", "--fork", "--kill-child", "-m"]);
}

#[test]
#[ignore = "needs root: unshare"]
fn a_nested_writer_that_exited_leaves_no_heartbeat_of_this_container() {
    nested_writer_exits(&["-m"]);
}

#[test]
#[ignore = "needs root: unshare"]
fn a_nested_writer_with_a_negative_boot_clock_offset_that_exited_is_a_previous_one() {
    // Its PID 1 started before its clock's zero: procfs shows it wrapped.
    nested_writer_exits(&["-m", "-T", "--boottime", "-5"]);
}

fn nested_writer_exits(args: &[&str]) {
    let files = Files::new();
    let mut worker = worker_under_unshare(&files, args);
    let out = common::until_alive(|| run(&mut files.probe()));
    assert_eq!(out.code, 0, "{}", out.stdout);
    worker.kill().unwrap();
    worker.wait().unwrap();
    let out = run(&mut files.probe());
    assert!(
        out.stdout.contains(
            "worker: dead: no heartbeat from this container (the file is from a previous one)"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn two_live_containers_writing_one_file_are_named_a_conflict() {
    let files = Files::new();
    let ours = FakeProc::container_started(Duration::from_secs(10).min(common::uptime()));
    let theirs = FakeProc::container_started(Duration::from_secs(5).min(common::uptime()));
    let mut first = files.start_worker(Some(&ours), &[]);
    let mut second = files.start_worker(Some(&theirs), &[]);
    std::thread::sleep(Duration::from_millis(300));
    let (mut probes, mut dead, mut conflicts) = (0, 0, 0);
    let mut wrong = Vec::new();
    let mut named = None;
    // 200 probes, and more until one sees the other's record (each writes
    // every 300 ms; which record a probe finds is up to the scheduler).
    while probes < 200 || (conflicts == 0 && probes < 2000) {
        probes += 1;
        let out = run(files.probe().env("LIVENESS_PROC_ROOT", ours.path()));
        if out.code != 0 {
            dead += 1;
        }
        for line in out.stdout.lines() {
            if line.contains("previous")
                || (line.contains(": dead: ") && !line.contains("another live container"))
            {
                wrong.push(line.to_owned());
            }
            if line.contains(": dead: written by another live container") {
                named.get_or_insert(line.to_owned());
            }
        }
        if out.stdout.contains("written by another live container") {
            conflicts += 1;
        }
    }
    first.kill().unwrap();
    second.kill().unwrap();
    first.wait().unwrap();
    second.wait().unwrap();
    eprintln!("{probes} probes: {dead} dead, {conflicts} of them naming the conflict");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let named = named.expect("the conflict was never seen");
    let expected = format!(
        "written by another live container, pid {}: give each container its own path",
        second.id()
    );
    assert!(named.contains(&expected), "{named}");
}

/// A worker under `unshare args` fails and exits; restarted the same way,
/// it must not beat over the failure.
fn failure_stands_through_a_nested_restart(args: &[&str]) {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer);
    let mut failing = Command::new("unshare")
        .args(args)
        .arg(env!("CARGO_BIN_EXE_worker"))
        .args(["--period", "20", "--fail-after", "0.1"])
        .env("WORKER_LIVENESS_PATH", &files.worker)
        .env("INDEXER_LIVENESS_PATH", &files.indexer)
        .env_remove("LIVENESS_PROC_ROOT")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = common::until(|| run(&mut files.probe()), |o| o.stdout.contains("failed"));
    // Held open, its namespaces outlive it: the restarted writer gets new
    // ones, not the same inodes again.
    let held: Vec<_> = ["mnt", "pid_for_children"]
        .iter()
        .map(|ns| std::fs::File::open(format!("/proc/{}/ns/{ns}", failing.id())).unwrap())
        .collect();
    failing.kill().unwrap();
    failing.wait().unwrap();
    // Its child in a PID namespace dies a moment after `unshare`.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        out.stdout.contains("worker: dead: failed: "),
        "{}",
        out.stdout
    );
    let failure = std::fs::read(&files.worker).unwrap();
    let mut restarted = worker_under_unshare(&files, args);
    std::thread::sleep(Duration::from_millis(800));
    let out = run(&mut files.probe());
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(
        std::fs::read(&files.worker).unwrap(),
        failure,
        "unshare {args:?}: the restarted writer beat over the failure"
    );
    drop(held);
    assert!(!out.stdout.starts_with("worker: alive"), "{}", out.stdout);
}

#[test]
#[ignore = "needs root: unshare"]
fn a_failure_in_a_nested_mount_namespace_stands_through_a_restart() {
    failure_stands_through_a_nested_restart(&["-m"]);
}

#[test]
#[ignore = "needs root: unshare"]
fn a_failure_in_a_nested_pid_namespace_stands_through_a_restart() {
    failure_stands_through_a_nested_restart(&["-p", "--fork", "--kill-child"]);
}
