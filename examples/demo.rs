//! The whole idea in a few seconds: a worker beats, the probe says alive; the
//! worker's loop hangs, and after `max_age` the probe says dead.
//!
//! Run with `cargo run --example demo`.

use std::{
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    thread,
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, Probe};

/// The demo's worker loop.
#[derive(Liveness)]
#[liveness(max_age = "1s", path = "/tmp/liveness-demo/demo")]
struct Demo;

static HUNG: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let _ = std::fs::remove_file(Demo::path()); // a previous run's heartbeat
    println!("heartbeat file: {}", Demo::path().display());
    println!("the worker beats every 50 ms; max_age is 1s\n");

    let worker = thread::spawn(|| {
        while !HUNG.load(Ordering::Relaxed) {
            thread::sleep(Duration::from_millis(50)); // one unit of work
            if let Err(error) = Demo::beat() {
                eprintln!("worker: {error}");
                return;
            }
        }
    });

    let probe = Probe::new([Component::of::<Demo>()]);
    let started = Instant::now();
    let mut last = 0;
    for tick in 1..=12 {
        thread::sleep(Duration::from_millis(250));
        if tick == 5 {
            HUNG.store(true, Ordering::Relaxed);
            println!(
                "[{:4.1}s] -- the worker's loop hangs --",
                started.elapsed().as_secs_f64()
            );
        }
        let mut line = Vec::new();
        last = probe.run_with(std::iter::empty::<&str>(), &mut line, &mut std::io::sink());
        print!(
            "[{:4.1}s] probe exit {last}: {}",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&line)
        );
    }
    let _ = worker.join();
    let _ = std::fs::remove_file(Demo::path());
    println!(
        "\nthe kubelet restarts a container whose probe exits 1 `failureThreshold` times in a row"
    );
    if last == 1 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
