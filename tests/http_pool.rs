//! `serve_http` over a full pool (1024 instances): each check stays small
//! and cheap, and clients that send requests without reading the answers
//! never keep the kubelet from getting its own.

#![cfg(unix)]

mod common;

use std::{
    io::{ErrorKind, Write},
    net::{SocketAddr, TcpStream},
    sync::atomic::{AtomicBool, Ordering},
    thread,
    time::Duration,
};

use liveness::{Component, Liveness, MAX_POOL_SIZE, Probe};

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "LISTED_PATH")]
struct Listed;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "GREEDY_PATH")]
struct Greedy;

#[test]
fn a_full_pool_is_summarised_naming_its_dead_instances() {
    common::in_own_dir!(a_full_pool_is_summarised_naming_its_dead_instances, Listed);
    Listed::pool_size(MAX_POOL_SIZE).unwrap();
    for i in 0..MAX_POOL_SIZE {
        Listed::instance(i).beat_now().unwrap();
    }
    Listed::instance(7).fail("queue gone").unwrap();
    let server = Probe::new([Component::of::<Listed>()])
        .serve_http("127.0.0.1:0")
        .unwrap();
    let (code, body) = common::http::kubelet_get(server.local_addr(), "*/*").unwrap();
    assert_eq!(code, 503, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines.len() <= 40, "{} lines", lines.len());
    let path = common::shown(&Listed::path());
    assert!(
        lines.contains(&format!("listed[7]: dead: failed: queue gone ({path}.7)").as_str()),
        "{body}"
    );
    assert!(
        lines.contains(
            &format!("listed: 1023 of 1024 instances alive, not listed one by one ({path}.*)")
                .as_str()
        ),
        "{body}"
    );
    let (code, json) = common::http::kubelet_get(server.local_addr(), "application/json").unwrap();
    assert_eq!(code, 503);
    assert!(json.len() < 16 * 1024, "{} bytes", json.len());
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["alive"], false);
    let components = doc["components"].as_array().unwrap();
    assert_eq!(components.len(), 1, "{doc}");
    assert_eq!(components[0]["instance"], 7);
    assert_eq!(doc["pools"][0]["name"], "listed", "{doc}");
    assert_eq!(doc["pools"][0]["instances"], 1024);
    assert_eq!(doc["pools"][0]["alive_not_listed"], 1023);
}

/// Holds 100 connections that each send a pipeline of requests and never
/// read an answer, reopening those the server closes, until `stop`.
fn greedy(addr: SocketAddr, stop: &AtomicBool) {
    let requests =
        b"GET /livez HTTP/1.1\r\nHost: pod\r\nAccept: application/json\r\n\r\n".repeat(64);
    let open = || {
        let mut stream = TcpStream::connect(addr).ok()?;
        stream.set_nonblocking(true).ok()?;
        let _ = stream.write(&requests);
        Some(stream)
    };
    let mut held: Vec<Option<TcpStream>> = (0..100).map(|_| open()).collect();
    while !stop.load(Ordering::Relaxed) {
        for stream in &mut held {
            let gone = match stream {
                // Never reading: only a write tells whether it is closed.
                Some(s) => matches!(s.write(b"\r\n"), Err(e) if e.kind() != ErrorKind::WouldBlock),
                None => true,
            };
            if gone {
                *stream = open();
            }
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn clients_that_never_read_never_delay_the_kubelet() {
    common::in_own_dir!(clients_that_never_read_never_delay_the_kubelet, Greedy);
    Greedy::pool_size(MAX_POOL_SIZE).unwrap();
    for i in 0..MAX_POOL_SIZE {
        Greedy::instance(i).beat_now().unwrap();
    }
    let server = Probe::new([Component::of::<Greedy>()])
        .serve_http("127.0.0.1:0")
        .unwrap();
    let addr = server.local_addr();
    let stop = AtomicBool::new(false);
    let answered = thread::scope(|scope| {
        scope.spawn(|| greedy(addr, &stop));
        scope.spawn(|| greedy(addr, &stop));
        thread::sleep(Duration::from_millis(300));
        let answered: Vec<_> = (0..10)
            .map(|_| {
                thread::sleep(Duration::from_millis(100));
                common::http::kubelet_get(addr, "*/*").map(|(code, _)| code)
            })
            .collect();
        stop.store(true, Ordering::Relaxed);
        answered
    });
    assert!(
        answered.iter().all(|a| matches!(a, Ok(200))),
        "{answered:?}"
    );
}
