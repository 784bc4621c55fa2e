//! Failures are sticky per container: once `fail` is recorded, no write from
//! that container (another process, a nested namespace, `Timestamp::create`,
//! `beat_now`, `extend`) makes the component alive again.

mod common;

use std::time::{Duration, Instant};

use common::{FakeProc, Files, record, run};
use liveness::{Error, Liveness, Timestamp, Verdict};

#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "1h", env = "AFTER_FAIL_PATH")]
struct AfterFail;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "BYPASS_PATH")]
struct Bypass;

fn failed(error: Result<(), Error>, reason: &str) {
    match error {
        Err(Error::Failed { name, reason: why }) => {
            assert_eq!(name, "after-fail");
            assert_eq!(why, reason);
        }
        other => panic!("expected Error::Failed, got {other:?}"),
    }
}

#[test]
fn after_fail_beat_is_quiet_and_every_other_write_is_an_error() {
    common::in_own_dir!(
        after_fail_beat_is_quiet_and_every_other_write_is_an_error,
        AfterFail
    );
    AfterFail::beat_now().unwrap();
    AfterFail::fail("lost the schema").unwrap();
    let on_disk = std::fs::read(AfterFail::path()).unwrap();
    // A hot loop does not log every iteration.
    AfterFail::beat().unwrap();
    failed(AfterFail::beat_now(), "lost the schema");
    failed(
        AfterFail::extend(Duration::from_secs(60), "reindexing"),
        "lost the schema",
    );
    // A second `fail` keeps the first reason, and writes nothing.
    AfterFail::fail("something else").unwrap();
    assert_eq!(std::fs::read(AfterFail::path()).unwrap(), on_disk);
    let error = AfterFail::beat_now().unwrap_err();
    assert_eq!(
        error.to_string(),
        "after-fail failed: lost the schema: restart the container to clear it"
    );
    assert_eq!(AfterFail::check().verdict(), Verdict::Dead);
}

#[test]
fn timestamp_create_does_not_write_over_a_failure() {
    common::in_own_dir!(timestamp_create_does_not_write_over_a_failure, Bypass);
    Bypass::fail("broken").unwrap();
    let on_disk = std::fs::read(Bypass::path()).unwrap();
    let error = Timestamp::create(Bypass::path(), Duration::from_secs(90)).unwrap_err();
    assert!(matches!(error, Error::Failed { .. }), "{error:?}");
    assert_eq!(std::fs::read(Bypass::path()).unwrap(), on_disk);
    let status = Bypass::check();
    assert!(
        status
            .to_string()
            .starts_with("bypass: dead: failed: broken"),
        "{status}"
    );
}

/// Probes `files` in `container` every 50 ms for `how_long`; returns every
/// line that is not the failure.
fn not_failed_for(files: &Files, container: &FakeProc, how_long: Duration) -> Vec<String> {
    let start = Instant::now();
    let mut wrong = Vec::new();
    while start.elapsed() < how_long {
        let out = run(files.probe().env("LIVENESS_PROC_ROOT", container.path()));
        if !out.stdout.starts_with("worker: dead: failed: ") {
            wrong.push(out.stdout);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    wrong
}

#[test]
fn a_second_live_process_of_the_container_does_not_beat_over_a_failure() {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer);
    let container = FakeProc::container_started(Duration::from_secs(5).min(common::uptime()));
    // Both beat before either fails: each has the file open already.
    let mut beating = files.start_worker(Some(&container), &["--period", "5"]);
    let mut failing = files.start_worker(Some(&container), &["--fail-after", "0.5"]);
    let out = common::until(
        || run(files.probe().env("LIVENESS_PROC_ROOT", container.path())),
        |o| o.stdout.contains("failed"),
    );
    let wrong = not_failed_for(&files, &container, Duration::from_secs(2));
    for child in [&mut beating, &mut failing] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(out.stdout.contains("failed"), "{}", out.stdout);
    assert!(wrong.is_empty(), "beaten over the failure: {wrong:#?}");
}

#[test]
fn a_failure_from_a_nested_namespace_of_the_container_stands() {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer);
    let container = FakeProc::container_started(Duration::from_secs(5).min(common::uptime()));
    let mut worker = files.start_worker(Some(&container), &["--fail-after", "0"]);
    let _ = common::until(
        || run(files.probe().env("LIVENESS_PROC_ROOT", container.path())),
        |o| o.stdout.contains("failed"),
    );
    worker.kill().unwrap();
    worker.wait().unwrap();
    // As a writer in a mount namespace of its own (`unshare -m`) that has
    // exited left it: another mount namespace, written after the container
    // started, in this boot.
    let body = record::body(&std::fs::read(&files.worker).unwrap());
    let nested = record::seal(&record::set(&body, "mnt", "4026539999"));
    std::fs::write(&files.worker, &nested).unwrap();
    let mut restarted = files.start_worker(Some(&container), &[]);
    std::thread::sleep(Duration::from_millis(800));
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(
        std::fs::read(&files.worker).unwrap(),
        nested,
        "the restarted process beat over the failure"
    );
}

#[test]
fn a_failure_of_a_previous_container_is_beaten_over() {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer);
    let old = FakeProc::container_started(Duration::from_secs(5).min(common::uptime()));
    let mut worker = files.start_worker(Some(&old), &["--fail-after", "0"]);
    let _ = common::until(
        || run(files.probe().env("LIVENESS_PROC_ROOT", old.path())),
        |o| o.stdout.contains("failed"),
    );
    worker.kill().unwrap();
    worker.wait().unwrap();
    common::assert_alive_after_a_restart(&files);
}

macro_rules! raced {
    ($($name:ident = $env:literal),*) => {
        $(
            #[derive(Liveness)]
            #[liveness(max_age = "90s", env = $env)]
            struct $name;
        )*
        /// The raced components' variables.
        const RACED: &[Option<&str>] = &[$($name::PATH_ENV),*];
        /// Each raced component fails once while two threads write over its
        /// file with `Timestamp::create` as fast as they can.
        fn race_all() -> Vec<String> {
            let mut covered = Vec::new();
            $( covered.extend(race::<$name>()); )*
            covered
        }
    };
}

raced!(
    R0 = "RACE_0_PATH",
    R1 = "RACE_1_PATH",
    R2 = "RACE_2_PATH",
    R3 = "RACE_3_PATH",
    R4 = "RACE_4_PATH",
    R5 = "RACE_5_PATH",
    R6 = "RACE_6_PATH",
    R7 = "RACE_7_PATH",
    R8 = "RACE_8_PATH",
    R9 = "RACE_9_PATH"
);

/// `T` fails while two threads write over its file; the failure that
/// `fail` reported as written must be what the file holds afterwards.
fn race<T: Liveness>() -> Option<String> {
    use std::sync::atomic::{AtomicBool, Ordering};
    T::beat_now().unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _ = Timestamp::create(T::path(), Duration::from_secs(90));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(5));
        T::fail("raced").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        stop.store(true, Ordering::Relaxed);
    });
    let status = T::check();
    (!status.to_string().contains("dead: failed: raced")).then(|| status.to_string())
}

#[test]
fn writers_racing_a_fail_never_cover_it() {
    if common::own_dir("writers_racing_a_fail_never_cover_it", RACED).is_none() {
        return;
    }
    let covered = race_all();
    assert!(covered.is_empty(), "the failure was covered: {covered:#?}");
}
