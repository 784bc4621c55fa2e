//! What one kubelet `grpc` check costs the service, side by side with an
//! `httpGet` check of the same probe: the CPU of each server's thread per
//! request, next to each client's CPU and the wall time per check.
//!
//! One probe over two components whose heartbeats are on tmpfs serves both
//! `Probe::serve_grpc` and `Probe::serve_http` in this process. A client,
//! this binary re-run as a separate process, makes the checks as the kubelet
//! does, each on a fresh connection: `grpc.health.v1.Health/Check` of
//! `"liveness"` with tonic's client (the kubelet's is grpc-go), or `GET
//! /livez` over a plain socket. Each server thread's CPU is read from
//! `/proc/self/task/<tid>/schedstat` before and after a round. Rounds of
//! 1,000 checks alternate between the two, and the figures are the medians
//! of 10 rounds, so that a busy neighbour slows both alike.
//!
//! `Check` judges at every call (a survey from memory); `/livez` reuses an
//! answer for 20 ms, so this compares a check as each server answers it.
//!
//! Budget: the gRPC server's CPU per check ≤ 5 × the `httpGet` server's.
//! `scripts/bench-containerd.sh` sets it beside an exec probe as the
//! kubelet runs it (through containerd): ≥ 100 × less node CPU. Run with `cargo bench
//! -p liveness --features grpc --bench grpc`; exits 1 over budget. The last
//! line is for scripts: `grpc-check server_us=.. client_us=.. wall_us=..
//! http_server_us=.. http_client_us=..`.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    process::Command,
    time::Instant,
};

use liveness::{Component, Liveness, Probe};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

#[allow(dead_code)] // the http benchmark's other servers
#[path = "http/servers.rs"]
mod servers;

use servers::{Server, thread_cpu_ns};

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/dev/shm/liveness-bench-grpc/worker")]
struct Worker;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/dev/shm/liveness-bench-grpc/indexer")]
struct Indexer;

const CHECKS: u32 = 10_000;
const ROUNDS: u32 = 10;
const WARM_UP: u32 = 500;
/// The gRPC server's CPU per check over the `httpGet` server's.
const HTTP_BUDGET: f64 = 5.0;

/// `checks` gRPC checks, each on a fresh connection.
fn grpc_client(addr: SocketAddr, checks: u32) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let uri = format!("http://{addr}");
    runtime.block_on(async {
        for _ in 0..checks {
            let channel = tonic::transport::Endpoint::from_shared(uri.clone())
                .unwrap()
                .connect()
                .await
                .unwrap();
            let request = HealthCheckRequest {
                service: "liveness".into(),
            };
            let reply = HealthClient::new(channel).check(request).await.unwrap();
            assert_eq!(reply.get_ref().status, ServingStatus::Serving as i32);
        }
    });
}

/// `checks` `GET /livez`, each on a fresh connection.
fn http_client(addr: SocketAddr, checks: u32) {
    let request = format!(
        "GET /livez HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.33\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n"
    );
    let mut response = Vec::with_capacity(1024);
    for _ in 0..checks {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        response.clear();
        stream.read_to_end(&mut response).unwrap();
        assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }
}

/// CPU time of every thread of this process, in nanoseconds.
fn process_cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .map(|task| thread_cpu_ns(&task.unwrap().file_name().to_string_lossy()))
        .sum()
}

/// Runs this program as the client: its CPU and wall time, in nanoseconds.
fn run_client(kind: &str, addr: SocketAddr, checks: u32) -> (u64, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--client", kind, &addr.to_string(), &checks.to_string()])
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
    if let [flag, kind, addr, checks] = args.as_slice() {
        if flag == "--client" {
            let (addr, checks) = (addr.parse().unwrap(), checks.parse().unwrap());
            // The whole process's CPU: tonic's client may use threads.
            let cpu = process_cpu_ns;
            let (cpu_start, start) = (cpu(), Instant::now());
            match kind.as_str() {
                "grpc" => grpc_client(addr, checks),
                _ => http_client(addr, checks),
            }
            println!("{} {}", cpu() - cpu_start, start.elapsed().as_nanos());
            return;
        }
    }
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    Worker::beat_now().unwrap();
    Indexer::beat_now().unwrap();
    let probe = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()]);
    let grpc = probe.serve_grpc("127.0.0.1:0").unwrap();
    let http = probe.serve_http("127.0.0.1:0").unwrap();
    let grpc_server = Server::thread(grpc.local_addr(), "grpc", "liveness-grpc");
    let http_server = Server::thread(http.local_addr(), "/livez", "liveness-http");
    let figures = measure(&grpc_server, &http_server);
    grpc.stop();
    http.stop();
    let _ = std::fs::remove_dir_all(Worker::path().parent().unwrap());
    if !report(figures) {
        std::process::exit(1);
    }
}

/// gRPC server, client and wall; `httpGet` server and client: medians of
/// the rounds, in µs per check.
fn measure(grpc: &Server, http: &Server) -> [f64; 5] {
    run_client("grpc", grpc.addr, WARM_UP);
    run_client("http", http.addr, WARM_UP);
    let per = |ns: u64| ns as f64 / 1000.0 / f64::from(CHECKS / ROUNDS);
    let mut rounds: [Vec<f64>; 5] = Default::default();
    for _ in 0..ROUNDS {
        let (server, client, wall) = round("grpc", grpc);
        let (http_server, http_client, _) = round("http", http);
        let figures = [server, client, wall, http_server, http_client];
        for (figure, all) in figures.into_iter().zip(&mut rounds) {
            all.push(per(figure));
        }
    }
    rounds.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

/// One round: the server's CPU, the client's CPU, the wall time (ns).
fn round(kind: &str, server: &Server) -> (u64, u64, u64) {
    let start = (server.cpu)();
    let (client, wall) = run_client(kind, server.addr, CHECKS / ROUNDS);
    ((server.cpu)() - start, client, wall)
}

/// Prints the figures; whether they are within budget.
fn report(
    [
        server_us,
        client_us,
        wall_us,
        http_server_us,
        http_client_us,
    ]: [f64; 5],
) -> bool {
    let ratio = server_us / http_server_us;
    let ok = ratio <= HTTP_BUDGET;
    println!(
        "{CHECKS} checks of each in {ROUNDS} alternating rounds, each on a fresh connection, \
         two components on tmpfs; medians of the rounds"
    );
    println!("grpc server thread CPU per Check {server_us:>7.1} µs");
    println!(
        "httpGet server thread CPU         {http_server_us:>7.1} µs  grpc = {ratio:.2} × httpGet \
         (budget {HTTP_BUDGET} ×)"
    );
    println!("grpc client CPU (tonic)           {client_us:>7.1} µs");
    println!("httpGet client CPU (raw socket)   {http_client_us:>7.1} µs");
    println!("grpc wall time per check          {wall_us:>7.1} µs");
    println!(
        "{}",
        if ok {
            "all within budget"
        } else {
            "OVER BUDGET"
        }
    );
    println!(
        "grpc-check server_us={server_us:.1} client_us={client_us:.1} wall_us={wall_us:.1} \
         http_server_us={http_server_us:.1} http_client_us={http_client_us:.1}"
    );
    ok
}
