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
//! The server reuses an answer for 20 ms while this process records no
//! change, so most of these back-to-back checks are answered without a
//! survey: the figure is what a flood of checks costs. A survey per check,
//! over a full pool, is `benches/pool.rs`.
//!
//! Two optional guests, which `scripts/bench-http.sh` builds and passes:
//! `LIVENESS_BENCH_CLIENT`, a client program run in place of this one's
//! (`scripts/kubelet-client`, Go's `net/http` as the kubelet's prober uses
//! it; it takes `ADDR CHECKS PATH` and prints `cpu_ns wall_ns` as this
//! one's does); `LIVENESS_BENCH_AXUM`, a server program that prints its
//! address and answers `GET /healthz` (`scripts/axum-healthz`, axum on a
//! current-thread tokio runtime), measured in the same rounds, its CPU from
//! its tasks' `schedstat`.
//!
//! `/metrics` is measured beside `/livez`, budget 2 ×: the server's CPU per
//! scrape of the same two components, in the same rounds (answers reused
//! for 20 ms alike); and `Probe::respond` of each path for one component,
//! a survey per call, on this thread (what a scrape costs past the reuse).
//!
//! Budgets: the server's CPU per request ≤ 50 µs, ≤ 1.5 × the floor's, and
//! below axum's when it is measured; `/readyz`'s ≤ 1.1 × `/livez`'s, in
//! rounds that alternate the two on the same server. Run with `cargo bench -p liveness
//! --features http --bench http`; exits 1 when over budget. The last line
//! is for scripts: `http-check server_us=.. client_us=.. wall_us=..
//! floor_us=.. verdicts_us=.. axum_us=..` (`axum_us=-` when not measured),
//! after `http-metrics server_metrics_us=.. respond_livez_us=..
//! respond_metrics_us=..`.

use std::{
    hint::black_box,
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    process::Command,
    time::Instant,
};

use liveness::{Component, Liveness, Probe};

#[path = "http/servers.rs"]
mod servers;

use servers::{Server, axum, floor, thread_cpu_ns};

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
/// Server CPU per request over the floor server's.
const FLOOR_BUDGET: f64 = 1.5;
/// A `/metrics` scrape over a `/livez` check.
const METRICS_BUDGET: f64 = 2.0;

/// The kubelet's request (Go's `net/http` with the prober's headers).
fn request(addr: SocketAddr, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.33\r\n\
         Accept: */*\r\nConnection: close\r\nAccept-Encoding: gzip\r\n\r\n"
    )
}

/// The client: `checks` checks on fresh connections; prints its own CPU
/// and its wall time, in nanoseconds.
fn client(addr: SocketAddr, checks: u32, path: &str) {
    let request = request(addr, path);
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

/// Runs the client process (`LIVENESS_BENCH_CLIENT`, else this program);
/// its CPU and wall time, in nanoseconds.
fn run_client(addr: SocketAddr, checks: u32, path: &str) -> (u64, u64) {
    let args = [&addr.to_string(), &checks.to_string(), path];
    let out = match std::env::var_os("LIVENESS_BENCH_CLIENT") {
        Some(client) => Command::new(client).args(args).output(),
        None => Command::new(std::env::current_exe().unwrap())
            .arg("--client")
            .args(args)
            .output(),
    }
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
    if let [flag, addr, checks, path] = args.as_slice() {
        if flag == "--client" {
            client(addr.parse().unwrap(), checks.parse().unwrap(), path);
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
    let http = probe.serve_http("127.0.0.1:0").unwrap();
    let server = Server::thread(http.local_addr(), "/livez", "liveness-http");
    let floor = Server::thread(floor(), "/livez", "liveness-floor");
    // The same thread, asked for /metrics.
    let metrics = Server::thread(http.local_addr(), "/metrics", "liveness-http");
    let mut axum = axum();
    let figures = measure(&probe, &server, &floor, axum.as_ref().map(|(s, _)| s));
    let readyz = Server::thread(http.local_addr(), "/readyz", "liveness-http");
    let readyz_ok = readyz_beside_livez(&server, &readyz);
    let one = Probe::new([Component::of::<Worker>()]);
    let scrapes = measure_metrics(&one, &metrics);
    http.stop();
    if let Some((_, child)) = &mut axum {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_dir_all(Worker::path().parent().unwrap());
    let metrics_ok = report_metrics(figures[0], scrapes);
    if !report(figures) || !readyz_ok || !metrics_ok {
        std::process::exit(1);
    }
}

/// `/readyz` over `/livez`, server CPU per request, medians of rounds
/// that alternate the two on the same server.
const READYZ_BUDGET: f64 = 1.1;

/// `/readyz` and `/livez` side by side on one server: whether `/readyz`
/// costs what `/livez` costs (within [`READYZ_BUDGET`]).
fn readyz_beside_livez(livez: &Server, readyz: &Server) -> bool {
    run_client(readyz.addr, WARM_UP, readyz.path);
    let (mut live, mut ready) = (Vec::new(), Vec::new());
    let per = |ns: u64| ns as f64 / 1000.0 / f64::from(CHECKS / ROUNDS);
    for i in 0..ROUNDS {
        // Each goes first in half the rounds.
        if i % 2 == 0 {
            live.push(per(round(livez).0));
            ready.push(per(round(readyz).0));
        } else {
            ready.push(per(round(readyz).0));
            live.push(per(round(livez).0));
        }
    }
    let (live, ready) = (median(live), median(ready));
    let ratio = ready / live;
    println!(
        "/readyz server CPU per request {ready:>6.1} µs vs /livez {live:>6.1} µs = {ratio:.2} × \
         (budget {READYZ_BUDGET} ×) {}",
        if ratio <= READYZ_BUDGET { "ok" } else { "OVER" }
    );
    ratio <= READYZ_BUDGET
}

/// Rounds alternate between the server, the floor, axum and the verdicts,
/// and the medians are compared, so that a busy neighbour slows all alike:
/// server, client, wall, floor, verdicts, axum (NaN when not measured), in
/// µs per check.
fn measure(probe: &Probe, server: &Server, floor: &Server, axum: Option<&Server>) -> [f64; 6] {
    for s in [Some(server), Some(floor), axum].into_iter().flatten() {
        run_client(s.addr, WARM_UP, s.path);
    }
    let per = |ns: u64| ns as f64 / 1000.0 / f64::from(CHECKS / ROUNDS);
    let mut rounds: [Vec<f64>; 6] = Default::default();
    for _ in 0..ROUNDS {
        let (server_cpu, client_cpu, wall) = round(server);
        let (floor_cpu, _, _) = round(floor);
        let axum_cpu = axum.map_or(f64::NAN, |axum| per(round(axum).0));
        let figures = [server_cpu, client_cpu, wall, floor_cpu, verdicts(probe)];
        for (figure, all) in figures.into_iter().zip(&mut rounds) {
            all.push(per(figure));
        }
        rounds[5].push(axum_cpu);
    }
    rounds.map(median)
}

/// Prints the figures; whether they are within budget.
fn report(
    [
        server_us,
        client_us,
        wall_us,
        floor_us,
        verdicts_us,
        axum_us,
    ]: [f64; 6],
) -> bool {
    let floor_ratio = server_us / floor_us;
    let ok = server_us <= BUDGET_US
        && floor_ratio <= FLOOR_BUDGET
        && (axum_us.is_nan() || server_us < axum_us);
    let client = std::env::var("LIVENESS_BENCH_CLIENT").unwrap_or_else(|_| "this program".into());
    println!(
        "{CHECKS} checks in {ROUNDS} rounds, each on a fresh connection, two components on \
         tmpfs; medians of the rounds; client: {client}"
    );
    println!("server thread CPU per request {server_us:>7.1} µs  (budget {BUDGET_US} µs)");
    println!(
        "  floor: fixed response        {floor_us:>7.1} µs  server = {floor_ratio:.2} × floor \
         (budget {FLOOR_BUDGET} ×)"
    );
    if !axum_us.is_nan() {
        println!(
            "  axum /healthz, current-thread tokio {axum_us:>7.1} µs  (budget: above the server's)"
        );
    }
    println!(
        "  verdicts from the files      {verdicts_us:>7.1} µs  (the server's come from memory)"
    );
    println!("client CPU per check          {client_us:>7.1} µs");
    println!("wall time per check           {wall_us:>7.1} µs");
    println!(
        "{}",
        if ok {
            "all within budget"
        } else {
            "OVER BUDGET"
        }
    );
    let axum = if axum_us.is_nan() {
        "-".into()
    } else {
        format!("{axum_us:.1}")
    };
    println!(
        "http-check server_us={server_us:.1} client_us={client_us:.1} wall_us={wall_us:.1} \
         floor_us={floor_us:.1} verdicts_us={verdicts_us:.1} axum_us={axum}"
    );
    ok
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One round of the client against `server`: the server's CPU, the
/// client's CPU and the wall time, in nanoseconds.
fn round(server: &Server) -> (u64, u64, u64) {
    let start = (server.cpu)();
    let (client_cpu, wall) = run_client(server.addr, CHECKS / ROUNDS, server.path);
    ((server.cpu)() - start, client_cpu, wall)
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

/// The server's CPU per `/metrics` scrape, and `Probe::respond` of
/// `/livez` and of `/metrics` for one component, µs per call: medians of
/// rounds that alternate them.
fn measure_metrics(one: &Probe, metrics: &Server) -> [f64; 3] {
    run_client(metrics.addr, WARM_UP, metrics.path);
    let per = |ns: u64| ns as f64 / 1000.0 / f64::from(CHECKS / ROUNDS);
    let mut rounds: [Vec<f64>; 3] = Default::default();
    for _ in 0..ROUNDS {
        rounds[0].push(per(round(metrics).0));
        rounds[1].push(per(responses(one, "/livez")));
        rounds[2].push(per(responses(one, "/metrics")));
    }
    rounds.map(median)
}

/// CPU of one round's worth of `Probe::respond(path)`, on this thread.
fn responses(probe: &Probe, path: &str) -> u64 {
    let task = std::process::id().to_string();
    let start = thread_cpu_ns(&task);
    for _ in 0..CHECKS / ROUNDS {
        let response = probe.respond(path, None);
        assert_eq!(response.status(), 200);
        black_box(response);
    }
    thread_cpu_ns(&task) - start
}

/// Prints the `/metrics` figures beside `/livez`'s; whether within budget.
fn report_metrics(server_us: f64, [scrape_us, livez_us, metrics_us]: [f64; 3]) -> bool {
    let served = scrape_us / server_us;
    let responded = metrics_us / livez_us;
    let ok = served <= METRICS_BUDGET && responded <= METRICS_BUDGET;
    println!(
        "/metrics beside /livez (budget {METRICS_BUDGET} ×): {}",
        if ok { "ok" } else { "OVER BUDGET" }
    );
    println!("  server thread CPU per scrape {scrape_us:>7.1} µs  = {served:.2} × a /livez check");
    println!(
        "  respond, one component: /metrics {metrics_us:>7.1} µs, /livez {livez_us:>7.1} µs  \
         = {responded:.2} ×"
    );
    println!(
        "http-metrics server_metrics_us={scrape_us:.1} respond_livez_us={livez_us:.1} \
         respond_metrics_us={metrics_us:.1}"
    );
    ok
}
