//! What one systemd watchdog ping costs the service (feature `systemd`):
//! the CPU time of the whole process (every thread: the loops' extra work
//! and the watchdog's thread), with the watchdog, less the same run
//! without it, over the pings systemd's side received.
//!
//! This process plays systemd: it binds the notification sockets and starts
//! itself again as the service twice at once, with the watchdog and
//! without (the same beats for the same span, on the same machine load;
//! rounds alternate which starts first).
//! The service's CPU is the sum over its threads of the nanoseconds on CPU
//! in `/proc/self/task/<tid>/schedstat`, read at the end, every thread
//! still running; its watchdog thread's wake-ups are the third field of
//! its own (the times it was scheduled).
//!
//! Shapes, with the `WatchdogSec=` that `--systemd` prints (the smallest
//! `max_age`; a ping due every half of it):
//!
//! - "beats": two components, `max_age` 20 ms, beaten every millisecond by
//!   one loop (a write every 2 ms each): the pings come from the writes,
//!   the watchdog's thread sleeps. The budget's case.
//! - "extended": one component extended, not beating, `WatchdogSec=20ms`:
//!   the thread must wake to ping (and judges), reported apart.
//! - the floor: a thread that sleeps 10 ms and sends
//!   `sd_notify::notify(WATCHDOG=1)`, alone, in the extended run.
//!
//! Median of the rounds. Budget: 20 µs of CPU per ping from the beats.
//! Exits 1 over it. Run with
//! `cargo bench -p liveness --features systemd --bench watchdog`
//! (`VERBOSE=1`: each round's figures; `SHAPES=beats,send,extended`: some
//! shapes only).

use std::{
    os::unix::net::UnixDatagram,
    process::{Command, ExitCode, Stdio},
    sync::atomic::{AtomicBool, Ordering},
    thread,
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, Probe};
use sd_notify::NotifyState;

#[derive(Liveness)]
#[liveness(max_age = "20ms", env = "BENCH_WORKER")]
struct Worker;

#[derive(Liveness)]
#[liveness(max_age = "20ms", env = "BENCH_INDEXER")]
struct Indexer;

#[derive(Liveness)]
#[liveness(max_age = "20ms", max_extend = "2h", env = "BENCH_COMPACTOR")]
struct Compactor;

const ROUNDS: usize = 9;
const SPAN: Duration = Duration::from_secs(3);
/// `WatchdogSec=`: the components' `max_age`.
const WATCHDOG: Duration = Duration::from_millis(20);
/// How often the floor of a ping from the beats sends: as often as the
/// beats ping (the first write half a ping interval after the last).
const PING_EVERY: Duration = Duration::from_micros(5_800);
/// CPU per ping from the beats, in nanoseconds.
const BUDGET_NS: f64 = 20_000.0;
/// The floor's own line, so systemd's side counts the pings apart.
const FLOOR: &str = "X_FLOOR=1";

/// Of this process's threads: (ns on CPU of all, of the one named `name`,
/// and how many times that one was scheduled).
fn cpu(name: &str) -> (u64, u64, u64) {
    let (mut all, mut named, mut slices) = (0, 0, 0);
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        let Ok(stat) = std::fs::read_to_string(task.join("schedstat")) else {
            continue; // ended meanwhile
        };
        let fields: Vec<u64> = stat
            .split_whitespace()
            .map(|f| f.parse().unwrap())
            .collect();
        all += fields[0];
        let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            (named, slices) = (fields[0], fields[2]);
        }
    }
    (all, named, slices)
}

/// The service: `shape` for the span, with the watchdog when `armed`;
/// prints the process's CPU, the watchdog thread's and its wake-ups (for
/// "extended": the floor's CPU and sends too).
fn service(shape: &str, armed: bool) {
    let extended = shape == "extended";
    // The floor of a ping from the beats: the loop sends `WATCHDOG=1`
    // itself, on a socket connected before, as often as the beats pinged.
    let sender = (shape == "send" && armed).then(|| {
        let socket = UnixDatagram::unbound().unwrap();
        socket
            .connect(std::env::var_os("NOTIFY_SOCKET").unwrap())
            .unwrap();
        socket.set_nonblocking(true).unwrap();
        socket
    });
    let components = if extended {
        vec![Component::of::<Compactor>()]
    } else {
        vec![Component::of::<Worker>(), Component::of::<Indexer>()]
    };
    if extended {
        Compactor::extend(Duration::from_secs(3600), "compacting").unwrap();
    } else {
        Worker::beat().unwrap();
        Indexer::beat().unwrap();
    }
    let watchdog = (armed && shape != "send").then(|| Probe::new(components).watchdog().unwrap());
    assert!(watchdog.as_ref().is_none_or(|w| w.is_active()));
    let stop = AtomicBool::new(false);
    let (all, sd, slices) = thread::scope(|s| {
        if !extended {
            let beats = thread::Builder::new().name("beats".into());
            beats
                .spawn_scoped(s, || {
                    let mut last = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        Worker::beat().unwrap();
                        Indexer::beat().unwrap();
                        if let Some(socket) = &sender {
                            if last.elapsed() >= PING_EVERY {
                                let _ = socket.send(b"WATCHDOG=1\n");
                                last = Instant::now();
                            }
                        }
                        thread::sleep(Duration::from_millis(1));
                    }
                })
                .unwrap();
        }
        thread::sleep(SPAN);
        let figures = cpu("liveness-sd");
        stop.store(true, Ordering::Relaxed);
        figures
    });
    drop(watchdog);
    let (floor, sends) = if extended && armed { floor() } else { (0, 0) };
    println!("{all} {sd} {slices} {floor} {sends}");
}

/// The floor of a ping from a thread, after the service: a thread alone,
/// as the watchdog's was, that sleeps and sends; its CPU and sends.
fn floor() -> (u64, u64) {
    let spawned = thread::Builder::new().name("floor".into()).spawn(|| {
        let end = Instant::now() + SPAN;
        let mut sends = 0u64;
        while Instant::now() < end {
            thread::sleep(WATCHDOG / 2);
            sd_notify::notify(&[NotifyState::Custom(FLOOR), NotifyState::Watchdog]).unwrap();
            sends += 1;
        }
        (cpu("floor").1, sends)
    });
    spawned.unwrap().join().unwrap()
}

/// A service started by this process playing systemd: its socket and its
/// child.
struct Started {
    path: std::path::PathBuf,
    socket: UnixDatagram,
    child: std::process::Child,
}

/// Starts the service, `shape`, with the watchdog when `armed`.
fn start(n: usize, shape: &str, armed: bool) -> Started {
    let name = format!("liveness-bench-sd-{}-{n}-{armed}", std::process::id());
    let path = std::path::absolute(std::env::temp_dir().join(name)).unwrap();
    let _ = std::fs::remove_file(&path);
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--service", shape, if armed { "armed" } else { "off" }])
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", WATCHDOG.as_micros().to_string())
        .env_remove("WATCHDOG_PID")
        .envs(
            ["BENCH_WORKER", "BENCH_INDEXER", "BENCH_COMPACTOR"]
                .map(|var| (var, dir(n, armed).join(var.to_lowercase()))),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    Started {
        path,
        socket,
        child,
    }
}

/// The heartbeats' directory of one service.
fn dir(n: usize, armed: bool) -> std::path::PathBuf {
    let name = format!("liveness-bench-watchdog-{}-{n}-{armed}", std::process::id());
    std::path::absolute(std::env::temp_dir().join(name)).unwrap()
}

/// Receives until the service ends: its figures, and the pings received.
fn finish(started: Started) -> (Vec<f64>, u64) {
    let Started {
        path,
        socket,
        mut child,
    } = started;
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
    (
        text.split_whitespace()
            .map(|f| f.parse().unwrap())
            .collect(),
        pings,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Per round, side by side: (CPU per ping, of it the watchdog thread's,
/// its wake-ups per ping, pings, the floor per send).
fn round(n: usize, shape: &str) -> [f64; 5] {
    // Both at once, on the same machine load; the one started first
    // alternates.
    let (on, off) = if n % 2 == 0 {
        let on = start(n, shape, true);
        (on, start(n, shape, false))
    } else {
        let off = start(n, shape, false);
        (start(n, shape, true), off)
    };
    let off = thread::spawn(move || finish(off));
    let (on, pings) = finish(on);
    let (off, _) = off.join().unwrap();
    for armed in [true, false] {
        let _ = std::fs::remove_dir_all(dir(n, armed));
    }
    let per = |v: f64| v / pings as f64;
    if std::env::var_os("VERBOSE").is_some() {
        eprintln!("{shape} round {n}: with {on:?} without {off:?}, {pings} pings");
    }
    [
        per(on[0] - off[0]),
        per(on[1]),
        per(on[2]),
        pings as f64,
        on[3] / on[4].max(1.0),
    ]
}

/// The rounds of `shape`, printed; the median CPU per ping.
fn shape(what: &str, shape: &str) -> f64 {
    let rounds: Vec<[f64; 5]> = (0..ROUNDS).map(|n| round(n, shape)).collect();
    let m = |i: usize| median(rounds.iter().map(|r| r[i]).collect());
    println!(
        "{what:<34} a ping {:>7.2} µs of process CPU (its thread {:>6.2} µs, {:.2} wake-ups), {:.0} pings in {:?}",
        m(0) / 1000.0,
        m(1) / 1000.0,
        m(2),
        m(3),
        SPAN
    );
    if shape == "extended" {
        println!("{:<34} the floor {:>7.2} µs a send", "", m(4) / 1000.0);
    }
    m(0)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--service") {
        service(&args[i + 1], args[i + 2] == "armed");
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--list") {
        return ExitCode::SUCCESS; // `cargo test --benches` lists benchmarks
    }
    let only = std::env::var("SHAPES").unwrap_or_default();
    let shapes = |s: &str| only.is_empty() || only.split(',').any(|o| o == s);
    let beats = if shapes("beats") {
        shape("from the beats (max_age 20 ms)", "beats")
    } else {
        0.0
    };
    if shapes("send") {
        shape("its floor: the loop sends itself", "send");
    }
    if shapes("extended") {
        shape("from the thread (extended)", "extended");
    }
    let ok = beats <= BUDGET_NS;
    println!(
        "a ping from the beats {:.2} µs of CPU: budget {:.0} µs {}",
        beats / 1000.0,
        BUDGET_NS / 1000.0,
        if ok { "ok" } else { "OVER" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
