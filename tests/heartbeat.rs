//! What a service sees of its heartbeats: the file on disk, the throttle,
//! concurrent beats, the refusals and the errors.

mod common;

use std::{
    fs,
    os::unix::fs::MetadataExt,
    path::Path,
    sync::Barrier,
    time::{Duration, SystemTime},
};

use liveness::{Error, Liveness, Timestamp, Verdict};

const MAX_AGE: Duration = Duration::from_secs(90);

#[derive(Liveness)]
#[liveness(max_age = "100s", env = "THROTTLED_PATH")]
struct Throttled;

#[derive(Liveness)]
#[liveness(max_age = "100s", env = "CONCURRENT_PATH")]
struct Concurrent;

#[derive(Liveness)]
#[liveness(max_age = "100s", env = "RECREATED_PATH")]
struct Recreated;

#[derive(Liveness)]
#[liveness(max_age = "2s", env = "CADENCE_PATH")]
struct Cadence;

#[derive(Liveness)]
#[liveness(max_age = "90s")]
struct QueueWorker;

#[derive(Liveness)]
#[liveness(max_age = "100s", env = "NAMED_PATH")]
struct Named;

#[derive(Liveness)]
#[liveness(
    max_age = "90s",
    path = "/tmp/liveness-tests/unset",
    env = "LIVENESS_TESTS_NEVER_SET"
)]
struct Unset;

#[test]
fn the_record_is_one_readable_line_saying_when_and_by_whom() {
    common::in_own_dir!(
        the_record_is_one_readable_line_saying_when_and_by_whom,
        Named
    );
    let dir = common::scratch();
    let path = dir.path().join("worker");
    Timestamp::create(&path, MAX_AGE).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.ends_with('\n'));
    assert_eq!(text.len(), 1024, "a fixed size: {text:?}");
    let year = humantime::format_rfc3339_seconds(SystemTime::now()).to_string()[..4].to_owned();
    assert!(
        text.starts_with(&format!("liveness/3 at={year}-")),
        "{text}"
    );
    assert!(
        text.contains(&format!(" pid={} ", std::process::id())),
        "{text}"
    );
    for field in [
        " boot=",
        " up=",
        " start=",
        " mnt=",
        " pidns=",
        " init=",
        " name=- inst=- state=beating ready=yes loc=- crc=",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    // A component's record names it.
    let path = Named::path();
    Named::beat_now().unwrap();
    let at = line!() - 1;
    let text = fs::read_to_string(&path).unwrap();
    // ... and the call that wrote it.
    let tail = format!(
        " name=\"named\" inst=- state=beating ready=yes loc=\"{}\" line={at} crc=",
        file!()
    );
    assert!(text.contains(&tail), "{text}");
}

#[test]
fn every_record_has_the_same_size_so_rewrites_cover_the_last_one() {
    let dir = common::scratch();
    let path = dir.path().join("worker");
    Timestamp::create(&path, MAX_AGE).unwrap();
    let size = fs::metadata(&path).unwrap().len();
    let inode = fs::metadata(&path).unwrap().ino();
    Timestamp::create_at(&path, MAX_AGE, SystemTime::UNIX_EPOCH).unwrap();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(
        (meta.len(), meta.ino()),
        (size, inode),
        "rewritten in place"
    );

    // The prior art's file and an empty one are heartbeats: written over.
    for previous in ["1700000000.5\n", ""] {
        fs::write(&path, previous).unwrap();
        Timestamp::create(&path, MAX_AGE).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().len(), size);
        assert_eq!(
            Timestamp::byref(&path, MAX_AGE).check().verdict(),
            Verdict::Alive
        );
    }
}

#[test]
fn timestamp_keeps_the_prior_arts_surface() {
    let dir = common::scratch();
    let path = dir.path().join("worker");
    let written = Timestamp::create(&path, MAX_AGE).unwrap();
    let read = Timestamp::byref(&path, MAX_AGE);
    assert_eq!(read.value(), written.value());
    assert!(read.alive());
    assert!(read.age().unwrap() < Duration::from_secs(5));
    assert_eq!(read.check().verdict(), Verdict::Alive);
    assert!(
        read.check()
            .to_string()
            .starts_with("worker: alive: last heartbeat ")
    );
    let new_year = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    Timestamp::create_at(&path, MAX_AGE, new_year).unwrap();
    assert_eq!(
        Timestamp::byref(&path, MAX_AGE).to_string(),
        "2026-01-01T00:00:00Z"
    );

    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let old = Timestamp::create_at(&path, MAX_AGE, an_hour_ago).unwrap();
    assert_eq!(old.value(), Some(an_hour_ago));
    let read = Timestamp::byref(&path, MAX_AGE);
    assert!(!read.alive());
    let age = read.age().unwrap();
    assert!(
        age >= Duration::from_secs(3600) && age < Duration::from_secs(3610),
        "{age:?}"
    );
    assert_eq!(
        read.check().to_string(),
        format!(
            "worker: dead: last heartbeat 1h ago, max 1m 30s ({})",
            common::shown(&path)
        )
    );

    let missing =
        Timestamp::byref(dir.path().join("none"), MAX_AGE).with_startup_grace(Duration::ZERO);
    assert_eq!(
        (missing.value(), missing.age(), missing.alive()),
        (None, None, false)
    );
    assert_eq!(missing.to_string(), "no heartbeat");
}

#[test]
fn a_missing_parent_directory_is_created() {
    let dir = common::scratch();
    let path = dir.path().join("a/b/c/worker");
    Timestamp::create(&path, MAX_AGE).unwrap();
    assert_eq!(
        Timestamp::byref(&path, MAX_AGE).check().verdict(),
        Verdict::Alive
    );
}

#[test]
fn a_symlink_at_the_path_is_refused_and_its_target_untouched() {
    let dir = common::scratch();
    let target = dir.path().join("precious");
    fs::write(&target, "do not touch\n").unwrap();
    let path = dir.path().join("worker");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let error = Timestamp::create(&path, MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::Symlink { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "refusing to write heartbeat {0}: {0} is a symbolic link",
            common::shown(&path)
        )
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), "do not touch\n");

    // A dangling one is refused too, and nothing is created at its target.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert!(matches!(
        Timestamp::create(&dangling, MAX_AGE),
        Err(Error::Symlink { .. })
    ));
    assert!(!dir.path().join("nowhere").exists());
}

#[test]
fn a_directory_at_the_path_is_an_error_not_a_panic() {
    let dir = common::scratch();
    let error = Timestamp::create(dir.path(), MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::NotRegularFile { .. }), "{error:?}");
    let error = Timestamp::create("relative/worker", MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::RelativePath { .. }), "{error:?}");
}

#[test]
fn beat_writes_at_most_once_per_interval() {
    // max_age 100 s: the interval is min(100 s / 10, 1 s) = 1 s, of which
    // the last tenth is the coarse clock's margin: writes are 900 ms apart
    // at least, on the boot clock the records carry, however slow the loop.
    common::in_own_dir!(beat_writes_at_most_once_per_interval, Throttled);
    let path = &Throttled::path();
    Throttled::beat().unwrap();
    let mut written = vec![fs::read(path).unwrap()];
    for _ in 0..100_000 {
        Throttled::beat().unwrap();
        let now = fs::read(path).unwrap();
        if now != *written.last().unwrap() {
            written.push(now);
        }
    }
    let ups: Vec<Duration> = written.iter().map(|record| up(record)).collect();
    for pair in ups.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(900),
            "two writes {:?} apart, of {} seen",
            pair[1] - pair[0],
            written.len()
        );
    }
    let last = written.last().unwrap().clone();
    // beat_now ignores the throttle.
    Throttled::beat_now().unwrap();
    let second = fs::read(path).unwrap();
    assert_ne!(second, last);
    // Once the interval is over, the next beat writes.
    std::thread::sleep(Duration::from_millis(1100));
    Throttled::beat().unwrap();
    assert_ne!(fs::read(path).unwrap(), second);
}

/// The boot-clock reading (`up=`) a record was written at.
fn up(record: &[u8]) -> Duration {
    let body = common::record::body(record);
    let (secs, nanos) = common::record::get(&body, "up").split_once('.').unwrap();
    Duration::new(secs.parse().unwrap(), nanos.parse().unwrap())
}

#[test]
fn concurrent_beats_from_many_threads_all_succeed() {
    common::in_own_dir!(concurrent_beats_from_many_threads_all_succeed, Concurrent);
    let threads = 8;
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                for i in 0..20_000 {
                    if i % 1000 == 0 {
                        Concurrent::beat_now().unwrap();
                    } else {
                        Concurrent::beat().unwrap();
                    }
                }
            });
        }
    });
    assert_eq!(
        Concurrent::check().verdict(),
        Verdict::Alive,
        "{}",
        Concurrent::check()
    );
}

#[test]
fn a_heartbeat_deleted_under_the_service_is_recreated() {
    // The writer checks its path at most once a second, so each change below
    // is followed by a write a second later.
    common::in_own_dir!(
        a_heartbeat_deleted_under_the_service_is_recreated,
        Recreated
    );
    let path = Recreated::path();
    let a_second_later = || {
        std::thread::sleep(Duration::from_millis(1100));
        Recreated::beat_now().unwrap();
    };
    Recreated::beat_now().unwrap();
    fs::remove_file(&path).unwrap();
    a_second_later();
    assert_eq!(
        Recreated::check().verdict(),
        Verdict::Alive,
        "{}",
        Recreated::check()
    );

    // Renamed away (say, by `mv worker worker.bak`).
    fs::rename(&path, path.with_extension("bak")).unwrap();
    a_second_later();
    assert_eq!(
        Recreated::check().verdict(),
        Verdict::Alive,
        "{}",
        Recreated::check()
    );

    // Replaced by another file: the writes go to the new file at the path,
    // not the old inode.
    // (The prior art's float, an hour old: a heartbeat the writer may
    // overwrite.)
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let since = an_hour_ago.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    let stale = format!("{}.{:06}\n", since.as_secs(), since.subsec_micros());
    let other = path.with_extension("new");
    fs::write(&other, &stale).unwrap();
    fs::rename(&other, &path).unwrap();
    assert_eq!(Recreated::check().verdict(), Verdict::Dead);
    a_second_later();
    assert_eq!(
        Recreated::check().verdict(),
        Verdict::Alive,
        "{}",
        Recreated::check()
    );
}

#[test]
fn names_and_paths_default_from_the_type_name() {
    assert_eq!(QueueWorker::NAME, "queue-worker");
    assert_eq!(QueueWorker::PATH, "/tmp/liveness/queue-worker");
    assert_eq!(QueueWorker::STARTUP_GRACE, QueueWorker::MAX_AGE);
    assert_eq!(QueueWorker::MAX_AGE, Duration::from_secs(90));
    // An unset override variable leaves the declared path.
    assert_eq!(Unset::PATH_ENV, Some("LIVENESS_TESTS_NEVER_SET"));
    assert_eq!(Unset::path(), Path::new("/tmp/liveness-tests/unset"));
}

#[test]
fn a_loop_beating_every_max_age_minus_a_second_is_never_dead() {
    // max_age 2 s: the throttle's interval is 200 ms, of which the last
    // tenth (20 ms, the margin for its coarse clock's lag) lets a beat write.
    // The worst case for the promise: a beat that writes, one skipped just
    // before the margin, then the loop's longest gap, max_age - 1 s.
    common::in_own_dir!(
        a_loop_beating_every_max_age_minus_a_second_is_never_dead,
        Cadence
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    let probe = liveness::Probe::new([liveness::Component::of::<Cadence>()]);
    Cadence::beat().unwrap();
    let (dead, oldest) = std::thread::scope(|s| {
        let judge = s.spawn(|| {
            let (mut dead, mut oldest) = (Vec::new(), Duration::ZERO);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let status = probe.statuses().remove(0);
                oldest = oldest.max(status.age().unwrap_or_default());
                if status.verdict() != Verdict::Alive {
                    dead.push(status.to_string());
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (dead, oldest)
        });
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(175));
            Cadence::beat().unwrap(); // skipped: inside the interval
            std::thread::sleep(Cadence::MAX_AGE - Duration::from_secs(1));
            Cadence::beat().unwrap(); // writes
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        judge.join().unwrap()
    });
    assert!(dead.is_empty(), "{dead:?}");
    // The heartbeat aged past the loop's gap: the skipped beats really were skipped.
    assert!(oldest > Duration::from_millis(1150), "oldest {oldest:?}");
}
