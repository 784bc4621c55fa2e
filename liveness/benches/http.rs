//! What one kubelet `httpGet` check costs the service: the CPU of the
//! server's thread per request, budget 50 µs, next to the client's CPU and
//! the wall time per check.
//!
//! The server runs in this process, judging two components whose heartbeats
//! are on tmpfs (an `emptyDir` with `medium: Memory`). One client, this
//! binary re-run as a separate process, makes 10,000 checks as the kubelet
//! does: a fresh TCP connection each, `GET /livez`, `Connection: close`,
//! the response read to the end. The server thread's CPU is read from
//! `/proc/self/task/<tid>/schedstat` (nanoseconds) before and after, so the
//! client's work is not counted in it.
//!
//! Two figures put it in context: the same client against a floor server
//! (blocking accept, one read, one write of a fixed response, close: the
//! TCP exchange alone), and the verdicts as the probe binary makes them,
//! `Probe::statuses()` reading the files, plus the lines, timed in a loop
//! (the server judges this process's components from memory instead). The checks run in 10 rounds of 1,000
//! that alternate the three, and the figures are medians of the rounds, so
//! that a busy neighbour slows all three alike.
//!
//! The server reuses an answer for 20 ms, so most of these back-to-back
//! checks are answered without a survey: the figure is what a flood of
//! checks costs. A survey per check, over a full pool, is `benches/pool.rs`.
//!
//! Run with `cargo bench -p liveness --features http --bench http`; exits 1
//! when over budget. The last line is for scripts:
//! `http-check server_us=.. client_us=.. wall_us=.. floor_us=.. verdicts_us=..`.

use std::{
    hint::black_box,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    process::Command,
    time::Instant,
};

use liveness::{Component, Liveness, Probe};

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/dev/shm/liveness-bench-http/worker")]
struct Worker;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/dev/shm/liveness-bench-http/indexer")]
struct Indexer;

/// Checks against the server, in all.
const CHECKS: u32 = 10_000;
const ROUNDS: u32 = 10;
const WARM_UP: u32 = 1_000;
/// Server CPU per request, microseconds.
const BUDGET_US: f64 = 50.0;

/// The kubelet's request (Go's `net/http` with the prober's headers).
fn request(addr: SocketAddr) -> String {
    format!(
        "GET /livez HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.33\r\n\
         Accept: */*\r\nConnection: close\r\nAccept-Encoding: gzip\r\n\r\n"
    )
}

/// CPU time of a thread of this process, in nanoseconds: the first field of
/// its `schedstat`.
fn thread_cpu_ns(task: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/self/task/{task}/schedstat"))
        .expect("read schedstat (the kernel needs CONFIG_SCHED_INFO)");
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// The task id of the thread named `name`, which the thread sets itself
/// once it runs.
fn task_named(name: &str) -> String {
    for _ in 0..1000 {
        for entry in std::fs::read_dir("/proc/self/task").unwrap() {
            let task = entry.unwrap().file_name().into_string().unwrap();
            let comm = std::fs::read_to_string(format!("/proc/self/task/{task}/comm"));
            if comm.is_ok_and(|c| c.trim_end() == name) {
                return task;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("no thread named {name}");
}

/// The client: `checks` checks on fresh connections; prints its own CPU
/// and its wall time, in nanoseconds.
fn client(addr: SocketAddr, checks: u32) {
    let request = request(addr);
    let cpu = || thread_cpu_ns(&std::process::id().to_string());
    let (cpu_start, start) = (cpu(), Instant::now());
    let mut response = Vec::with_capacity(1024);
    for _ in 0..checks {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        response.clear();
        stream.read_to_end(&mut response).unwrap();
        assert!(
            response.starts_with(b"HTTP/1.1 200 OK\r\n"),
            "{}",
            String::from_utf8_lossy(&response)
        );
    }
    let wall = start.elapsed().as_nanos();
    println!("{} {wall}", cpu() - cpu_start);
}

/// Runs the client process; its CPU and wall time, in nanoseconds.
fn run_client(addr: SocketAddr, checks: u32) -> (u64, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--client", &addr.to_string(), &checks.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().unwrap());
    (fields.next().unwrap(), fields.next().unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, addr, checks] = args.as_slice() {
        if flag == "--client" {
            client(addr.parse().unwrap(), checks.parse().unwrap());
            return;
        }
    }
    // `cargo bench` passes --bench; `cargo test --benches` would run this
    // for nothing: only run when benchmarking.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    Worker::beat_now().unwrap();
    Indexer::beat_now().unwrap();
    let probe = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()]);
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let server_task = task_named("liveness-http");
    let floor_addr = floor();
    let floor_task = task_named("liveness-floor");
    run_client(server.local_addr(), WARM_UP);
    run_client(floor_addr, WARM_UP);

    // Rounds alternate between the server, the floor and the verdicts, and
    // the medians are compared, so that a busy neighbour slows all alike.
    let per = |ns: u64| ns as f64 / 1000.0 / f64::from(CHECKS / ROUNDS);
    let mut rounds: [Vec<f64>; 5] = Default::default();
    for _ in 0..ROUNDS {
        let (server_cpu, client_cpu, wall) = round(server.local_addr(), &server_task);
        let (floor_cpu, _, _) = round(floor_addr, &floor_task);
        let figures = [server_cpu, client_cpu, wall, floor_cpu, verdicts(&probe)];
        for (figure, all) in figures.into_iter().zip(&mut rounds) {
            all.push(per(figure));
        }
    }
    server.stop();
    let _ = std::fs::remove_dir_all(Worker::path().parent().unwrap());

    let [server_us, client_us, wall_us, floor_us, verdicts_us] = rounds.map(median);
    let ok = server_us <= BUDGET_US;
    println!(
        "{CHECKS} checks in {ROUNDS} rounds, each on a fresh connection, two components on \
         tmpfs; medians of the rounds"
    );
    println!(
        "server thread CPU per request {server_us:>7.1} µs  (budget {BUDGET_US} µs) {}",
        if ok { "ok" } else { "OVER" }
    );
    println!("  floor: TCP exchange alone   {floor_us:>7.1} µs");
    println!(
        "  verdicts from the files      {verdicts_us:>7.1} µs  (the server's come from memory)"
    );
    println!("client CPU per check          {client_us:>7.1} µs");
    println!("wall time per check           {wall_us:>7.1} µs");
    println!(
        "http-check server_us={server_us:.1} client_us={client_us:.1} wall_us={wall_us:.1} \
         floor_us={floor_us:.1} verdicts_us={verdicts_us:.1}"
    );
    if !ok {
        std::process::exit(1);
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One round of the client against `addr`: the CPU of the server's thread
/// `task`, the client's CPU and the wall time, in nanoseconds.
fn round(addr: SocketAddr, task: &str) -> (u64, u64, u64) {
    let start = thread_cpu_ns(task);
    let (client_cpu, wall) = run_client(addr, CHECKS / ROUNDS);
    (thread_cpu_ns(task) - start, client_cpu, wall)
}

/// The floor: a blocking server that answers every connection with a fixed
/// response, without parsing or judging. Its thread lives on, blocked in
/// `accept`.
fn floor() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::Builder::new()
        .name("liveness-floor".into())
        .spawn(move || {
            let mut buf = [0; 4096];
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        })
        .unwrap();
    addr
}

/// CPU of one round's worth of verdicts with their lines (what the server
/// asks per request), on this thread.
fn verdicts(probe: &Probe) -> u64 {
    let task = std::process::id().to_string(); // the main thread's id is the pid
    let start = thread_cpu_ns(&task);
    for _ in 0..CHECKS / ROUNDS {
        let lines: Vec<String> = probe.statuses().iter().map(|s| s.to_string()).collect();
        black_box(lines);
    }
    thread_cpu_ns(&task) - start
}
