//! Clock steps and container restarts, judged by the real probe binary.

mod common;

use std::time::Duration;

use common::record::record_now;
use common::{FakeProc, Files, run};

const HOUR: f64 = 3600.0;

#[test]
fn a_wall_clock_step_of_an_hour_either_way_leaves_a_fresh_heartbeat_alive() {
    let files = Files::new();
    for wall_offset in [HOUR, -HOUR] {
        std::fs::write(&files.worker, record_now(wall_offset, 0.0)).unwrap();
        let out = run(&mut files.probe());
        assert_eq!(out.code, 0, "wall {wall_offset:+}: {}", out.stdout);
        assert!(
            out.stdout.starts_with("worker: alive: last heartbeat "),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn a_stale_heartbeat_stays_dead_whatever_its_wall_time_says() {
    let files = Files::new();
    for wall_offset in [0.0, HOUR, -HOUR] {
        // 30 s old on the boot clock (a CI machine may have booted minutes
        // ago: the boot clock cannot go back an hour).
        std::fs::write(&files.worker, record_now(wall_offset, -30.0)).unwrap();
        let out = run(&mut files.probe());
        assert_eq!(out.code, 1, "wall {wall_offset:+}: {}", out.stdout);
        assert!(
            out.stdout.starts_with("worker: dead: last heartbeat 30s"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn a_boot_clock_reading_from_the_future_is_invalid() {
    let files = Files::new();
    std::fs::write(&files.worker, record_now(0.0, HOUR)).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .starts_with("worker: dead: invalid heartbeat: last heartbeat is 1h in the future"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_wall_time_from_the_future_without_boot_data_is_invalid() {
    let files = Files::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    std::fs::write(&files.worker, format!("{}\n", now.as_secs_f64() + 600.0)).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .starts_with("worker: dead: invalid heartbeat: last heartbeat is 10m"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.lines().next().unwrap().contains("in the future"),
        "{}",
        out.stdout
    );
}

fn probe_in(files: &Files, proc: &FakeProc) -> common::Run {
    run(files.probe().env("LIVENESS_PROC_ROOT", proc.path()))
}

#[test]
fn a_heartbeat_from_a_previous_container_does_not_vouch_for_the_new_one() {
    let files = Files::new();
    let first = FakeProc::container_started(Duration::from_secs(1));
    let mut worker = files.start_worker(Some(&first), &[]);
    let out = common::until_alive(|| probe_in(&files, &first));
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(
        out.code, 0,
        "the first container's own probe: {}",
        out.stdout
    );

    // The container restarts; the emptyDir keeps the fresh file. A young
    // replacement is starting, not alive on its predecessor's beats ...
    let young = FakeProc::container_started(Duration::ZERO);
    let out = probe_in(&files, &young);
    let line = out.stdout.lines().next().unwrap();
    assert!(
        line.starts_with(
            "worker: alive: starting: no heartbeat from this container (the file is from a previous one) yet"
        ),
        "{line}"
    );
    // ... and one past its grace (1 s) without a beat of its own is dead. It
    // started after the first container stopped, as a restarted one does.
    std::thread::sleep(Duration::from_millis(1100));
    let old = FakeProc::container_started(Duration::from_millis(1050));
    let out = probe_in(&files, &old);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with("worker: dead: no heartbeat from this container (the file is from a previous one) since the container started"),
        "{}",
        out.stdout
    );

    // Once the new container beats, it is judged on its own beats.
    let mut worker = files.start_worker(Some(&old), &[]);
    let out = common::until_alive(|| probe_in(&files, &old));
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(out.code, 0, "{}", out.stdout);
}
