//! A probe racing a service that beats as fast as it can: no read may ever
//! see a torn record or give a dead verdict. A writer racing a path swapped
//! between its heartbeat and a symlink to another's: it never writes
//! through the link.
//!
//! The normal run does 20,000 reads; the full run, 1,000,000:
//! `cargo test --release --test torture -- --ignored --nocapture`.

mod common;

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Instant,
};

use liveness::{Component, Liveness, Probe};

#[derive(Liveness)]
#[liveness(max_age = "100s", env = "RACED_PATH")]
struct Raced;

/// `reads` probe reads racing two writers; `test` is the calling test.
fn torture(test: &str, reads: u64) {
    if common::own_dir(test, &[Raced::PATH_ENV]).is_none() {
        return;
    }
    Raced::beat_now().unwrap();
    let stop = AtomicBool::new(false);
    let writes = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let dead = AtomicU64::new(0);
    let started = Instant::now();
    let first_dead = std::sync::Mutex::new(None::<String>);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    Raced::beat_now().unwrap();
                    writes.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let readers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    // What the probe binary runs: read the file, then
                    // the clocks and procfs, then judge.
                    let probe = Probe::new([Component::of::<Raced>()]);
                    while done.fetch_add(1, Ordering::Relaxed) < reads {
                        let status = probe.statuses().remove(0);
                        if status.verdict() != liveness::Verdict::Alive {
                            dead.fetch_add(1, Ordering::Relaxed);
                            first_dead.lock().unwrap().get_or_insert(status.to_string());
                        }
                    }
                })
            })
            .collect();
        for reader in readers {
            reader.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    eprintln!(
        "{reads} reads racing {} writes in {:.1} s: {} dead verdicts",
        writes.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        dead.load(Ordering::Relaxed)
    );
    assert_eq!(
        dead.load(Ordering::Relaxed),
        0,
        "first: {:?}",
        first_dead.lock().unwrap()
    );
    assert!(writes.load(Ordering::Relaxed) > 0);
}

#[test]
fn reads_racing_writes_never_see_a_torn_record() {
    torture("reads_racing_writes_never_see_a_torn_record", 20_000);
}

#[test]
#[ignore = "the full million reads; run with --ignored"]
fn a_million_reads_racing_writes_never_see_a_torn_record() {
    torture(
        "a_million_reads_racing_writes_never_see_a_torn_record",
        1_000_000,
    );
}

#[test]
fn a_writer_racing_a_path_swapped_for_a_symlink_never_writes_through_it() {
    use std::{fs, os::unix::fs::symlink, time::Duration};
    let max_age = Duration::from_secs(100);
    let dir = common::scratch();
    let path = dir.path().join("worker");
    // Another component's heartbeat, the link's target.
    let victim = dir.path().join("other");
    liveness::Timestamp::create(&victim, max_age).unwrap();
    let theirs = fs::read(&victim).unwrap();
    liveness::Timestamp::create(&path, max_age).unwrap();
    let link = dir.path().join("link");
    symlink(&victim, &link).unwrap();
    let stop = AtomicBool::new(false);
    let (written, refused) = (AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        // Between a writer's lstat and its open, the path may turn into the
        // link: only the open itself can refuse to follow it.
        s.spawn(|| {
            use rustix::fs::{CWD, RenameFlags, renameat_with};
            while !stop.load(Ordering::Relaxed) {
                renameat_with(CWD, &path, CWD, &link, RenameFlags::EXCHANGE).unwrap();
            }
        });
        let writers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..25_000 {
                        match liveness::Timestamp::create(&path, max_age) {
                            Ok(_) => written.fetch_add(1, Ordering::Relaxed),
                            Err(liveness::Error::Symlink { .. }) => {
                                refused.fetch_add(1, Ordering::Relaxed)
                            }
                            Err(e) => panic!("{e}"),
                        };
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                })
            })
            .collect();
        // Stops all at the first write through the link.
        while !writers.iter().all(|w| w.is_finished()) {
            if fs::read(&victim).unwrap() != theirs {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Relaxed);
    });
    let (written, refused) = (written.into_inner(), refused.into_inner());
    assert_eq!(
        fs::read(&victim).unwrap(),
        theirs,
        "written through the link ({written} writes, {refused} refused)"
    );
    assert!(
        written > 0 && refused > 0,
        "{written} writes, {refused} refused: no race"
    );
}
