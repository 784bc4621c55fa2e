//! An example service: a main loop that works and beats (`Worker`), and an
//! indexer thread that does the same (`Indexer`).
//!
//! `worker [--hang-after SECONDS] [--period MS]` beats every `--period`
//! milliseconds (default 100) and, with `--hang-after`, stops the main loop
//! after that many seconds while the process and the indexer keep running: a
//! wedged loop, which the probe must catch.

use std::{thread, time::Duration};

use liveness::Liveness;
use liveness_examples::{Indexer, Worker};

fn main() {
    let mut hang_after = None;
    let mut period = Duration::from_millis(100);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<f64>().ok());
        match (arg.as_str(), value) {
            ("--hang-after", Some(secs)) => hang_after = Some(Duration::from_secs_f64(secs)),
            ("--period", Some(ms)) => period = Duration::from_secs_f64(ms / 1000.0),
            _ => {
                eprintln!("usage: worker [--hang-after SECONDS] [--period MS]");
                std::process::exit(2);
            }
        }
    }
    thread::spawn(move || {
        loop {
            thread::sleep(period); // index something
            if let Err(error) = Indexer::beat() {
                eprintln!("indexer: {error}");
            }
        }
    });
    let started = std::time::Instant::now();
    eprintln!("worker: beating to {}", Worker::path().display());
    loop {
        if hang_after.is_some_and(|limit| started.elapsed() >= limit) {
            eprintln!("worker: loop wedged");
            loop {
                thread::park();
            }
        }
        thread::sleep(period); // one unit of work
        // A failed heartbeat is worth a log line, not a stop: if it keeps
        // failing, the probe reports the service dead and the kubelet acts.
        if let Err(error) = Worker::beat() {
            eprintln!("worker: {error}");
        }
    }
}
