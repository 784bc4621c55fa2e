//! The example worker with the kubelet's `grpc` probe: a main loop that
//! beats `Worker` and a thread that beats `Indexer`, each every 20 ms, with
//! a `grpc.health.v1.Health` service on `ADDR` (`127.0.0.1:0` picks a port;
//! the address is printed on stderr as `grpc-worker: serving grpc ADDR`).
//!
//! `grpc-worker ADDR [--hang-after SECONDS] [--fail-after SECONDS]`: with
//! `--hang-after`, the main loop wedges after that many seconds (the
//! indexer goes on); with `--fail-after`, it calls `Worker::fail` then goes
//! on beating. Feature `grpc`.

use std::{
    thread,
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, Probe};
use liveness_examples::{Indexer, Worker};

const USAGE: &str = "usage: grpc-worker ADDR [--hang-after SECONDS] [--fail-after SECONDS]";

/// The seconds after `flag` on the command line, if given.
fn seconds(args: &[String], flag: &str) -> Option<Duration> {
    let at = args.iter().position(|a| a == flag)?;
    match args.get(at + 1).and_then(|s| s.parse::<f64>().ok()) {
        Some(secs) if secs >= 0.0 => Some(Duration::from_secs_f64(secs)),
        _ => {
            eprintln!("grpc-worker: {flag} takes a number of seconds\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(addr) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let hang_after = seconds(&args, "--hang-after");
    let mut fail_after = seconds(&args, "--fail-after");
    let probe = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()]);
    // Kept until the process ends: dropping it would stop the server.
    let grpc = match probe.serve_grpc(addr.as_str()) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("grpc-worker: cannot serve grpc on {addr}: {error}");
            std::process::exit(2);
        }
    };
    eprintln!("grpc-worker: serving grpc {}", grpc.local_addr());
    thread::spawn(|| {
        loop {
            if let Err(error) = Indexer::beat() {
                eprintln!("indexer: {error}");
            }
            thread::sleep(Duration::from_millis(20));
        }
    });
    let started = Instant::now();
    loop {
        if hang_after.is_some_and(|limit| started.elapsed() >= limit) {
            eprintln!("worker: wedged");
            loop {
                thread::park();
            }
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
        thread::sleep(Duration::from_millis(20));
    }
}
