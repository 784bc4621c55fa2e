//! What one systemd watchdog ping costs the service (feature `systemd`):
//! the CPU time of the watchdog's thread (`liveness-sd`, nanoseconds
//! on CPU from `/proc/self/task/<tid>/schedstat`) over the notifications
//! it sent, beside the floor: `sd_notify::notify(WATCHDOG=1)` alone (a
//! socket, a connect, a send), timed on the same socket in the same run.
//!
//! This process plays systemd: it binds the notification socket and starts
//! itself again as the service, with `NOTIFY_SOCKET` and `WATCHDOG_USEC=2000`
//! (a ping every millisecond), two components beating every 10 ms (the
//! example worker's shape), for 2 s a round. A ping is one judgement of
//! both components from memory, the status line, and one datagram.
//!
//! Budget: 20 µs of CPU per ping (median of the rounds). Exits 1 over it.
//! Run with `cargo bench -p liveness --features systemd --bench watchdog`.

use std::{
    os::unix::net::UnixDatagram,
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, Probe};

#[derive(Liveness)]
#[liveness(max_age = "3s", path = "/tmp/liveness-bench-watchdog/worker")]
struct Worker;

#[derive(Liveness)]
#[liveness(max_age = "5s", path = "/tmp/liveness-bench-watchdog/indexer")]
struct Indexer;

const ROUNDS: usize = 5;
const ROUND: Duration = Duration::from_secs(2);
const FLOOR_SENDS: u32 = 20_000;
/// CPU per ping, in nanoseconds.
const BUDGET_NS: f64 = 20_000.0;

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

/// The service: beats for a round under the watchdog, then times the floor;
/// prints the watchdog thread's CPU and the floor's CPU per send.
fn service() {
    let watchdog = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()])
        .watchdog()
        .unwrap();
    assert!(watchdog.is_active());
    let end = Instant::now() + ROUND;
    while Instant::now() < end {
        Worker::beat().unwrap();
        Indexer::beat().unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    let pinged = thread_cpu("liveness-sd");
    watchdog.stop();
    let main = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
    let before = thread_cpu(main.trim_end());
    for _ in 0..FLOOR_SENDS {
        sd_notify::notify(&[sd_notify::NotifyState::Watchdog]).unwrap();
    }
    let floor = thread_cpu(main.trim_end()) - before;
    println!("{pinged} {}", floor / u64::from(FLOOR_SENDS));
}

/// One round: (CPU ns per ping, floor ns per send).
fn round(n: usize) -> (f64, f64) {
    // A path: `sd_notify::notify` does not reach abstract sockets.
    let path = std::env::temp_dir().join(format!("liveness-bench-sd-{}-{n}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--service")
        .env("NOTIFY_SOCKET", std::path::absolute(&path).unwrap())
        .env("WATCHDOG_USEC", "2000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut pings, mut buf) = (0u64, [0; 4096]);
    while child.try_wait().unwrap().is_none() {
        if let Ok(len) = socket.recv(&mut buf) {
            pings += u64::from(buf[..len].ends_with(b"WATCHDOG=1\n"));
        }
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut figures = text.split_whitespace().map(|f| f.parse::<f64>().unwrap());
    let (cpu, floor) = (figures.next().unwrap(), figures.next().unwrap());
    (cpu / pings as f64, floor)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--service") {
        service();
        return ExitCode::SUCCESS;
    }
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS; // `cargo test --benches` lists benchmarks
    }
    let rounds: Vec<(f64, f64)> = (0..ROUNDS).map(round).collect();
    let ping = median(rounds.iter().map(|r| r.0).collect());
    let floor = median(rounds.iter().map(|r| r.1).collect());
    let ok = ping <= BUDGET_NS;
    println!(
        "watchdog ping, CPU of its thread  {:>7.2} µs  (budget {:.0} µs) {}",
        ping / 1000.0,
        BUDGET_NS / 1000.0,
        if ok { "ok" } else { "OVER" }
    );
    println!(
        "sd_notify::notify(WATCHDOG=1)     {:>7.2} µs  = {:.1}x of a ping",
        floor / 1000.0,
        ping / floor
    );
    let _ = std::fs::remove_dir_all("/tmp/liveness-bench-watchdog");
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
