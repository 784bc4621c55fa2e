//! What one systemd watchdog ping costs the service (feature `systemd`):
//! the CPU time of the watchdog's thread (`liveness-sd`, nanoseconds on CPU
//! from `/proc/self/task/<tid>/schedstat`) over the pings it sent, beside
//! its floor in the same process right after: a thread that sleeps as long
//! and sends `sd_notify::notify(WATCHDOG=1)` alone (a socket, a connect, a
//! send), for as long.
//!
//! This process plays systemd: it binds the notification socket and starts
//! itself again as the service, two components beating every 10 ms (the
//! example worker's shape), at two rates: a ping every millisecond
//! (`WATCHDOG_USEC=2000`, 2 s, caches warm) and every 100 ms (3 s, each
//! ping a cold wake-up, as at any real `WatchdogSec=`). A ping is one
//! judgement of both components from memory, the status line and one
//! datagram. Median of 5 rounds each.
//!
//! Budget: 20 µs of CPU per ping, warm. Exits 1 over it. Run with
//! `cargo bench -p liveness --features systemd --bench watchdog`.

use std::{
    os::unix::net::UnixDatagram,
    process::{Command, ExitCode, Stdio},
    thread,
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, Probe};
use sd_notify::NotifyState;

#[derive(Liveness)]
#[liveness(max_age = "3s", path = "/tmp/liveness-bench-watchdog/worker")]
struct Worker;

#[derive(Liveness)]
#[liveness(max_age = "5s", path = "/tmp/liveness-bench-watchdog/indexer")]
struct Indexer;

const ROUNDS: usize = 5;
/// CPU per ping, in nanoseconds, warm.
const BUDGET_NS: f64 = 20_000.0;
/// The floor's own line, so systemd's side counts the pings apart.
const FLOOR: &str = "X_FLOOR=1";

/// Nanoseconds on CPU of this process's thread named `name`.
fn thread_cpu(name: &str) -> u64 {
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            let stat = std::fs::read_to_string(task.join("schedstat")).unwrap();
            return stat.split_whitespace().next().unwrap().parse().unwrap();
        }
    }
    panic!("no thread named {name}");
}

/// The service, for `span`, pinging every `interval`: prints the watchdog
/// thread's CPU, the floor thread's CPU and its sends.
fn service(interval: Duration, span: Duration) {
    let watchdog = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()])
        .watchdog()
        .unwrap();
    assert!(watchdog.is_active());
    let end = Instant::now() + span;
    while Instant::now() < end {
        Worker::beat().unwrap();
        Indexer::beat().unwrap();
        thread::sleep(Duration::from_millis(10));
    }
    let pinged = thread_cpu("liveness-sd");
    watchdog.stop();
    // The floor, after: alone, as the watchdog's thread was.
    let floor = thread::Builder::new().name("floor".into());
    let floor = floor
        .spawn(move || {
            let end = Instant::now() + span;
            let mut sends = 0u64;
            while Instant::now() < end {
                thread::sleep(interval);
                sd_notify::notify(&[NotifyState::Custom(FLOOR), NotifyState::Watchdog]).unwrap();
                sends += 1;
            }
            (thread_cpu("floor"), sends)
        })
        .unwrap();
    let (floor, sends) = floor.join().unwrap();
    println!("{pinged} {floor} {sends}");
}

/// One round: (CPU ns per ping, floor ns per send).
fn round(n: usize, interval: Duration, span: Duration) -> (f64, f64) {
    // A path: `sd_notify::notify` does not reach abstract sockets.
    let path = std::env::temp_dir().join(format!("liveness-bench-sd-{}-{n}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--service", &span.as_millis().to_string()])
        .env("NOTIFY_SOCKET", std::path::absolute(&path).unwrap())
        .env("WATCHDOG_USEC", (interval.as_micros() * 2).to_string())
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut pings, mut buf) = (0u64, [0; 4096]);
    while child.try_wait().unwrap().is_none() {
        if let Ok(len) = socket.recv(&mut buf) {
            let text = &buf[..len];
            pings +=
                u64::from(text.ends_with(b"WATCHDOG=1\n") && !text.starts_with(FLOOR.as_bytes()));
        }
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let figures: Vec<f64> = text
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    (figures[0] / pings as f64, figures[1] / figures[2])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the rounds at `interval`; prints the medians; the ping's.
fn rate(what: &str, interval: Duration, span: Duration) -> f64 {
    let rounds: Vec<(f64, f64)> = (0..ROUNDS).map(|n| round(n, interval, span)).collect();
    let ping = median(rounds.iter().map(|r| r.0).collect());
    let floor = median(rounds.iter().map(|r| r.1).collect());
    println!(
        "{what:<28} a ping {:>7.2} µs, the floor {:>7.2} µs = {:.1}x",
        ping / 1000.0,
        floor / 1000.0,
        ping / floor
    );
    ping
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--service") {
        let span = Duration::from_millis(args[i + 1].parse().unwrap());
        let usec: u64 = std::env::var("WATCHDOG_USEC").unwrap().parse().unwrap();
        service(Duration::from_micros(usec / 2), span);
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--list") {
        return ExitCode::SUCCESS; // `cargo test --benches` lists benchmarks
    }
    let warm = rate(
        "every 1 ms (warm)",
        Duration::from_millis(1),
        Duration::from_secs(2),
    );
    rate(
        "every 100 ms (cold)",
        Duration::from_millis(100),
        Duration::from_secs(3),
    );
    let _ = std::fs::remove_dir_all("/tmp/liveness-bench-watchdog");
    let ok = warm <= BUDGET_NS;
    println!(
        "warm ping {:.2} µs of CPU: budget {:.0} µs {}",
        warm / 1000.0,
        BUDGET_NS / 1000.0,
        if ok { "ok" } else { "OVER" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
