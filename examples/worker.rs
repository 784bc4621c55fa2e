//! An example service: a main loop that works and beats (`Worker`), and an
//! indexer thread that does the same (`Indexer`).
//!
//! `worker [--hang-after SECONDS] [--exit-after SECONDS] [--fail-after SECONDS]
//! [--period MS]` beats every `--period` milliseconds (default 100). With
//! `--hang-after`, both loops wedge after that many seconds while the process
//! keeps running (a deadlock, say), which the probe must catch; `--hang-after
//! 0` never beats at all. With `--exit-after`, the process exits with status
//! 1 (a crash). With `--fail-after`, the main loop detects a fault it cannot
//! recover from and says so with `Worker::fail`, then goes on beating: the
//! probe reports it dead until the container restarts.

use std::{
    thread,
    time::{Duration, Instant},
};

use liveness::Liveness;
use liveness_examples::{Indexer, Worker};

fn main() {
    let mut hang_after = None;
    let mut exit_after = None;
    let mut fail_after = None;
    let mut period = Duration::from_millis(100);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<f64>().ok());
        match (arg.as_str(), value) {
            ("--hang-after", Some(secs)) => hang_after = Some(Duration::from_secs_f64(secs)),
            ("--exit-after", Some(secs)) => exit_after = Some(Duration::from_secs_f64(secs)),
            ("--fail-after", Some(secs)) => fail_after = Some(Duration::from_secs_f64(secs)),
            ("--period", Some(ms)) => period = Duration::from_secs_f64(ms / 1000.0),
            _ => {
                eprintln!(
                    "usage: worker [--hang-after SECONDS] [--exit-after SECONDS] \
                     [--fail-after SECONDS] [--period MS]"
                );
                std::process::exit(2);
            }
        }
    }
    let started = Instant::now();
    let wedge = move |who: &str| {
        if hang_after.is_some_and(|limit| started.elapsed() >= limit) {
            eprintln!("{who}: wedged");
            loop {
                thread::park();
            }
        }
    };
    eprintln!("worker: beating to {}", Worker::path().display());
    thread::spawn(move || {
        loop {
            wedge("indexer");
            // A failed heartbeat is worth a log line, not a stop: if it keeps
            // failing, the probe reports the service dead and the kubelet acts.
            if let Err(error) = Indexer::beat() {
                eprintln!("indexer: {error}");
            }
            thread::sleep(period); // index something
        }
    });
    loop {
        wedge("worker");
        if exit_after.is_some_and(|limit| started.elapsed() >= limit) {
            eprintln!("worker: crashed");
            std::process::exit(1);
        }
        if fail_after
            .take_if(|after| started.elapsed() >= *after)
            .is_some()
        {
            if let Err(error) = Worker::fail("lost the database schema") {
                eprintln!("worker: {error}");
            }
        }
        if let Err(error) = Worker::beat() {
            eprintln!("worker: {error}");
        }
        thread::sleep(period); // one unit of work
    }
}
