//! An example service: a main loop that works and beats (`Worker`), and an
//! indexer thread that does the same (`Indexer`).
//!
//! `worker [--hang-after SECONDS] [--exit-after SECONDS] [--fail-after SECONDS]
//! [--period MS] [--http ADDR]` beats every `--period` milliseconds (default
//! 100). With `--hang-after`, both loops wedge after that many seconds while
//! the process keeps running (a deadlock, say), which the probe must catch;
//! `--hang-after 0` never beats at all. With `--exit-after`, the process exits
//! with status 1 (a crash). With `--fail-after`, the main loop detects a
//! fault it cannot recover from and says so with `Worker::fail`, then goes on
//! beating: the probe reports it dead until the container restarts. With
//! `--http`, it also serves the kubelet's `httpGet` probe on
//! `http://ADDR/livez` (`--http 127.0.0.1:0` picks a port; the address is
//! printed on stderr), and the readiness probe's on `/readyz`. With
//! `--unready-after SECONDS` (and `--unready-for SECONDS`), the main loop
//! loses its database then, says `Worker::unready` while it is gone and
//! `Worker::ready` after, beating all along; with `--drain-after SECONDS`
//! it calls `liveness::drain` then, and goes on beating.
//! Started by systemd (a `Type=notify` unit with the
//! settings `worker-liveness --systemd` prints), it feeds systemd's
//! watchdog from the same verdicts (`Probe::watchdog`).

use std::{
    thread,
    time::{Duration, Instant},
};

use liveness::{Component, HttpServer, Liveness, Probe};
use liveness_examples::{Indexer, Worker};

const USAGE: &str = "usage: worker [--hang-after SECONDS] [--exit-after SECONDS] \
                     [--fail-after SECONDS] [--period MS] [--http ADDR] \
                     [--unready-after SECONDS] [--unready-for SECONDS] [--drain-after SECONDS]";

/// What the command line asks for.
struct Options {
    hang_after: Option<Duration>,
    exit_after: Option<Duration>,
    fail_after: Option<Duration>,
    period: Duration,
    http: Option<String>,
    unready_after: Option<Duration>,
    unready_for: Option<Duration>,
    drain_after: Option<Duration>,
}

fn options() -> Options {
    let mut options = Options {
        hang_after: None,
        exit_after: None,
        fail_after: None,
        period: Duration::from_millis(100),
        http: None,
        unready_after: None,
        unready_for: None,
        drain_after: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_default();
        let number = value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0);
        let secs = number.map(Duration::from_secs_f64);
        match (arg.as_str(), secs) {
            ("--hang-after", Some(secs)) => options.hang_after = Some(secs),
            ("--exit-after", Some(secs)) => options.exit_after = Some(secs),
            ("--fail-after", Some(secs)) => options.fail_after = Some(secs),
            ("--period", Some(secs)) => options.period = secs / 1000,
            ("--http", _) if !value.is_empty() => options.http = Some(value),
            ("--unready-after", Some(secs)) => options.unready_after = Some(secs),
            ("--unready-for", Some(secs)) => options.unready_for = Some(secs),
            ("--drain-after", Some(secs)) => options.drain_after = Some(secs),
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    options
}

/// Serves the kubelet's `httpGet` probe on `addr`, from memory.
fn serve(addr: &str) -> HttpServer {
    let probe = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()]);
    match probe.serve_http(addr) {
        Ok(server) => {
            eprintln!("worker: serving http://{}/livez", server.local_addr());
            server
        }
        Err(error) => {
            eprintln!("worker: cannot serve http on {addr}: {error}");
            std::process::exit(2);
        }
    }
}

/// systemd's watchdog when systemd started the worker; a handle that does
/// nothing otherwise.
#[cfg(unix)]
fn watchdog() -> liveness::Watchdog {
    let probe = Probe::new([Component::of::<Worker>(), Component::of::<Indexer>()]);
    probe.watchdog().unwrap_or_else(|error| {
        eprintln!("worker: systemd's watchdog: {error}");
        std::process::exit(2);
    })
}

/// Whether the database is gone at `since` the start, by the options.
fn database_gone(
    unready_after: Option<Duration>,
    unready_for: Option<Duration>,
    since: Duration,
) -> bool {
    unready_after
        .is_some_and(|after| since >= after && unready_for.is_none_or(|d| since < after + d))
}

/// Says whether the worker can serve (`unready`/`ready`: nothing is
/// written while it does not change), and drains when it is time.
fn readiness(
    options: (Option<Duration>, Option<Duration>),
    drain_after: &mut Option<Duration>,
    since: Duration,
) {
    let said = if database_gone(options.0, options.1, since) {
        Worker::unready("database unreachable")
    } else {
        Worker::ready()
    };
    if let Err(error) = said {
        eprintln!("worker: {error}");
    }
    if drain_after.take_if(|after| since >= *after).is_some() {
        if let Err(error) = liveness::drain("shutting down") {
            eprintln!("worker: {error}");
        }
    }
}

fn main() {
    let Options {
        hang_after,
        exit_after,
        mut fail_after,
        period,
        http,
        unready_after,
        unready_for,
        mut drain_after,
    } = options();
    // Kept until the process ends: dropping it would stop the endpoint.
    let _http = http.as_deref().map(serve);
    #[cfg(unix)]
    let _watchdog = watchdog();
    let started = Instant::now();
    let wedge = move |who: &str| {
        if hang_after.is_some_and(|limit| started.elapsed() >= limit) {
            eprintln!("{who}: wedged");
            loop {
                thread::park();
            }
        }
    };
    eprintln!("worker: beating to {}", Worker::path().display());
    thread::spawn(move || {
        loop {
            wedge("indexer");
            // A failed heartbeat is worth a log line, not a stop: if it keeps
            // failing, the probe reports the service dead and the kubelet acts.
            if let Err(error) = Indexer::beat() {
                eprintln!("indexer: {error}");
            }
            thread::sleep(period); // index something
        }
    });
    loop {
        wedge("worker");
        if exit_after.is_some_and(|limit| started.elapsed() >= limit) {
            eprintln!("worker: crashed");
            std::process::exit(1);
        }
        if fail_after
            .take_if(|after| started.elapsed() >= *after)
            .is_some()
        {
            if let Err(error) = Worker::fail("lost the database schema") {
                eprintln!("worker: {error}");
            }
        }
        readiness(
            (unready_after, unready_for),
            &mut drain_after,
            started.elapsed(),
        );
        if let Err(error) = Worker::beat() {
            eprintln!("worker: {error}");
        }
        thread::sleep(period); // one unit of work
    }
}
