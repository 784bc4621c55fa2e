//! A full pool (1024 instances), two budgets (DESIGN.md §5):
//!
//! - **hostile files**: the probe's verdicts (`Probe::statuses()`, what the
//!   exec probe does after it starts) and one HTTP check, whatever is on
//!   disk (every instance file missing, empty, torn, 1 MiB, a FIFO or a
//!   symlink; or every one torn), at most 100 ms each;
//! - **a beating pool**: the server thread's CPU per `/livez` check, text
//!   and JSON, and per `/metrics` scrape (a sample per instance and
//!   family), at most 1 ms each; and the realistic case, every instance
//!   written since the last check (the kubelet checks every 10 s, an
//!   instance writes every second at most), per `/livez`, `/readyz` and
//!   `/metrics`, at most 1 ms each too. Checks are 25 ms apart, past the
//!   20 ms for which the server reuses an answer: each one surveys the
//!   pool, as the kubelet's check every few seconds does.
//!
//! Run with `cargo bench -p liveness --features http --bench pool`; exits 1
//! when over a budget. The last line is for scripts:
//! `pool hostile_ms=.. torn_ms=.. http_hostile_ms=.. http_torn_ms=.. server_text_us=.. server_json_us=.. server_metrics_us=.. written_livez_us=.. written_readyz_us=.. written_metrics_us=..`

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, MAX_POOL_SIZE, Probe};

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/dev/shm/liveness-bench-pool/beating")]
struct Beating;

const DIR: &str = "/dev/shm/liveness-bench-pool";
const HOSTILE_BUDGET_MS: f64 = 100.0;
const SERVER_BUDGET_US: f64 = 1000.0;
const RUNS: usize = 21;
const CHECKS: usize = 100;

/// CPU time of a thread of this process, in nanoseconds.
fn thread_cpu_ns(task: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/self/task/{task}/schedstat"))
        .expect("read schedstat (the kernel needs CONFIG_SCHED_INFO)");
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// The task ids of the threads named `name`.
fn tasks_named(name: &str) -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|task| {
            std::fs::read_to_string(format!("/proc/self/task/{task}/comm"))
                .is_ok_and(|c| c.trim_end() == name)
        })
        .collect()
}

/// A `.pool` record of 1024 for `consumer`, in this container: the one a
/// writer of this process writes, copied.
fn pool_record(dir: &Path) {
    let from = Path::new(DIR).join("beating.pool");
    let text = std::fs::read_to_string(from).unwrap();
    let body = text.rsplit_once(" crc=").unwrap().0;
    let body = body.replace("name=\"beating\"", "name=\"consumer\"");
    let mut line = format!("{body} crc={:08x}", crc(body.as_bytes())).into_bytes();
    line.resize(1023, b' ');
    line.push(b'\n');
    std::fs::write(dir.join("consumer.pool"), line).unwrap();
}

/// CRC-32 (ISO HDLC), bitwise: a few records only.
fn crc(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn torn() -> Vec<u8> {
    let mut bytes = b"liveness/2 at=".to_vec();
    bytes.resize(1023, b' ');
    bytes.push(b'\n');
    bytes
}

/// A pool directory of 1024 instance files, in every hostile state or all
/// torn.
fn hostile_dir(name: &str, every_state: bool) -> PathBuf {
    let dir = Path::new(DIR).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    pool_record(&dir);
    for i in 0..MAX_POOL_SIZE {
        let path = dir.join(format!("consumer.{i}"));
        match if every_state { i % 6 } else { 2 } {
            0 => {}
            1 => std::fs::write(&path, b"").unwrap(),
            2 => std::fs::write(&path, torn()).unwrap(),
            3 => std::fs::File::create(&path)
                .unwrap()
                .set_len(1 << 20)
                .unwrap(),
            4 => {
                let made = std::process::Command::new("mkfifo").arg(&path).status();
                assert!(made.unwrap().success(), "mkfifo");
            }
            _ => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
        }
    }
    dir
}

fn get(addr: SocketAddr, path: &str, accept: &str) -> usize {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: pod\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    response.len()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds of `Probe::statuses()` and of one HTTP check over the
/// pool in `dir`, medians.
fn hostile(dir: &Path) -> (f64, f64) {
    let probe = Probe::new([Component::new(
        "consumer",
        dir.join("consumer"),
        Duration::from_secs(60),
    )]);
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let (mut survey, mut http) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let start = Instant::now();
        assert_eq!(probe.statuses().len(), MAX_POOL_SIZE as usize);
        survey.push(start.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(Duration::from_millis(25)); // past the reuse
        let start = Instant::now();
        get(server.local_addr(), "/livez", "*/*");
        http.push(start.elapsed().as_secs_f64() * 1e3);
    }
    (median(survey), median(http))
}

/// CPU per `Probe::respond(path)` of the beating pool on this thread (a
/// survey each, no socket), microseconds, the mean of 21: the thread's CPU
/// time is counted a scheduler tick at a time, longer than one answer.
fn responds(path: &str) -> f64 {
    let probe = Probe::new([Component::of::<Beating>()]);
    let task = std::process::id().to_string(); // the main thread's id is the pid
    let start = thread_cpu_ns(&task);
    for _ in 0..RUNS {
        assert_eq!(probe.respond(path, None).status(), 200);
    }
    (thread_cpu_ns(&task) - start) as f64 / 1e3 / RUNS as f64
}

/// Server thread CPU per check of the beating pool, microseconds, and the
/// response's size; with `beats`, every instance writes (`beat_now`)
/// between two checks.
fn server_cpu(path: &str, accept: &str, beats: bool) -> (f64, usize) {
    let probe = Probe::new([Component::of::<Beating>()]);
    let before = tasks_named("liveness-http");
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    get(server.local_addr(), path, accept); // the thread runs and is named
    let task = tasks_named("liveness-http")
        .into_iter()
        .find(|t| !before.contains(t))
        .unwrap();
    let mut size = 0;
    let start = thread_cpu_ns(&task);
    for _ in 0..CHECKS {
        std::thread::sleep(Duration::from_millis(25));
        if beats {
            for i in 0..MAX_POOL_SIZE {
                Beating::instance(i).beat_now().unwrap();
            }
        }
        size = get(server.local_addr(), path, accept);
    }
    let per = (thread_cpu_ns(&task) - start) as f64 / 1e3 / CHECKS as f64;
    (per, size)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --benches`
    }
    Beating::pool_size(MAX_POOL_SIZE).unwrap();
    for i in 0..MAX_POOL_SIZE {
        Beating::instance(i).beat_now().unwrap();
    }
    let (hostile_ms, http_hostile_ms) = hostile(&hostile_dir("hostile", true));
    let (torn_ms, http_torn_ms) = hostile(&hostile_dir("torn", false));
    let (text_us, text_size) = server_cpu("/livez", "*/*", false);
    let (json_us, json_size) = server_cpu("/livez", "application/json", false);
    let (metrics_us, metrics_size) = server_cpu("/metrics", "*/*", false);
    let (written_livez_us, _) = server_cpu("/livez", "*/*", true);
    let (written_readyz_us, _) = server_cpu("/readyz", "*/*", true);
    let (written_metrics_us, _) = server_cpu("/metrics", "*/*", true);
    let (respond_livez_us, respond_metrics_us) = (responds("/livez"), responds("/metrics"));
    let _ = std::fs::remove_dir_all(DIR);

    let verdict = |ok: bool| if ok { "ok" } else { "OVER" };
    let hostile_ok = [hostile_ms, http_hostile_ms, torn_ms, http_torn_ms]
        .iter()
        .all(|ms| *ms <= HOSTILE_BUDGET_MS);
    let server = [
        text_us,
        json_us,
        metrics_us,
        written_livez_us,
        written_readyz_us,
        written_metrics_us,
    ];
    let server_ok = server.iter().all(|us| *us <= SERVER_BUDGET_US);
    println!(
        "1024 instances, medians of {RUNS} runs (budget {HOSTILE_BUDGET_MS} ms each): {}",
        verdict(hostile_ok)
    );
    println!(
        "  every hostile state: verdicts {hostile_ms:>7.2} ms, http check {http_hostile_ms:>7.2} ms"
    );
    println!(
        "  every file torn:     verdicts {torn_ms:>7.2} ms, http check {http_torn_ms:>7.2} ms"
    );
    println!(
        "a beating pool of 1024, server thread CPU per check, {CHECKS} checks (budget {SERVER_BUDGET_US} µs): {}",
        verdict(server_ok)
    );
    println!(
        "  text {text_us:>7.1} µs ({text_size} bytes), json {json_us:>7.1} µs ({json_size} bytes)"
    );
    println!("  /metrics {metrics_us:>7.1} µs ({metrics_size} bytes)");
    println!(
        "  every instance written since the last check: /livez {written_livez_us:>7.1} µs, \
         /readyz {written_readyz_us:>7.1} µs, /metrics {written_metrics_us:>7.1} µs"
    );
    println!(
        "  of which the answer alone (Probe::respond on this thread, not budgeted): \
         /livez {respond_livez_us:>7.1} µs, /metrics {respond_metrics_us:>7.1} µs"
    );
    println!(
        "pool hostile_ms={hostile_ms:.2} torn_ms={torn_ms:.2} http_hostile_ms={http_hostile_ms:.2} \
         http_torn_ms={http_torn_ms:.2} server_text_us={text_us:.1} server_json_us={json_us:.1} \
         server_metrics_us={metrics_us:.1} written_livez_us={written_livez_us:.1} \
         written_readyz_us={written_readyz_us:.1} written_metrics_us={written_metrics_us:.1}"
    );
    if !hostile_ok || !server_ok {
        std::process::exit(1);
    }
}
