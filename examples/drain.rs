//! Draining on `SIGTERM`: stop taking traffic, finish the work in flight,
//! then exit.
//!
//! `drain [ADDR] [LINGER_MS]` serves `/livez` and `/readyz` on `ADDR`
//! (default `127.0.0.1:8080`; `127.0.0.1:0` picks a port, printed on
//! stderr) and beats. On `SIGTERM` (the handler is `signal-hook`'s, which
//! only sets a flag) it calls [`liveness::drain`]: from then on `/readyz`
//! answers 503 and `--ready` exits 1 for every component of the process,
//! while `/livez` stays 200 and the loop goes on beating for `LINGER_MS`
//! (default 5000), then exits 0.
//!
//! How it meets Kubernetes' own removal: when a pod is deleted, the control
//! plane marks it terminating and takes it out of the Service's endpoints
//! at the same time as the kubelet sends `SIGTERM`; kube-proxy, ingress
//! controllers and external load balancers learn of it some seconds later.
//! So a service should keep serving for those seconds after `SIGTERM`
//! (here `LINGER_MS`, within `terminationGracePeriodSeconds`, default 30 s)
//! rather than exit at once. `drain` makes the readiness answer agree at
//! once, which is what a load balancer probing `/readyz` itself sees, and
//! what a `SIGTERM` that is not a deletion (a supervisor, a rollout tool)
//! needs to take the pod out at all. With tokio, `tokio::signal::unix`
//! (`signal(SignalKind::terminate())?.recv().await`) takes the place of the
//! flag.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use liveness::{Component, Liveness, Probe};

/// The server's loop; `DRAIN_EXAMPLE_PATH` moves its heartbeat.
#[derive(Liveness)]
#[liveness(max_age = "10s", env = "DRAIN_EXAMPLE_PATH")]
struct Server;

/// One unit of work: here, a short sleep; a heartbeat after it.
fn work() -> Result<(), liveness::Error> {
    thread::sleep(Duration::from_millis(20));
    Server::beat()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let linger = Duration::from_millis(args.next().map_or(Ok(5000), |ms| ms.parse())?);
    let term = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&term))?;
    // Kept until the process ends: dropping it stops the endpoint.
    let http = Probe::new([Component::of::<Server>()]).serve_http(addr)?;
    eprintln!("drain: serving http://{}/livez", http.local_addr());
    while !term.load(Ordering::Relaxed) {
        work()?;
    }
    liveness::drain("shutting down: SIGTERM")?;
    eprintln!("drain: draining for {}", humantime_ms(linger));
    let until = Instant::now() + linger;
    while Instant::now() < until {
        work()?; // the requests in flight, still alive
    }
    Ok(())
}

fn humantime_ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
