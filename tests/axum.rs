//! `examples/axum.rs`, the probes on a service's own axum router through
//! `Probe::respond`, run as a real axum server and asked by real HTTP
//! clients (curl and Python's `http.client`).

#![cfg(unix)]

mod common;

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::http::{curl, curl_head, python};

/// The example's binary, which `cargo test` builds beside this test's
/// (but `cargo test --test axum` does not: then it must be newer than its
/// source, or the test would run an old build).
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/axum");
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/axum.rs");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified());
    let fresh = match (modified(&path), modified(&source)) {
        (Ok(built), Ok(written)) => built >= written,
        _ => false,
    };
    assert!(
        fresh,
        "{} is not built from the current source: run `cargo build --example axum`",
        path.display()
    );
    path
}

/// The example serving on a port of its own; killed when dropped.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path) -> (Example, SocketAddr) {
    let mut child = Command::new(example())
        .env("AXUM_ADDR", "127.0.0.1:0")
        .env("AXUM_LIVENESS_PATH", dir.join("worker"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the example ended before serving")
            .unwrap();
        if let Some(url) = line.strip_prefix("axum: serving http://") {
            break url.strip_suffix("/livez").unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (Example(child), addr)
}

/// The `Content-Type` of `GET url` (with `args`), from curl.
fn content_type(url: &str, args: &[&str]) -> String {
    let head = curl_head(&[args, &[url]].concat());
    let found = head.lines().find_map(|l| {
        let (name, value) = l.split_once(": ")?;
        name.eq_ignore_ascii_case("content-type")
            .then(|| value.trim_end().to_owned())
    });
    found.unwrap_or_else(|| panic!("no Content-Type: {head}"))
}

#[test]
fn the_axum_example_answers_the_probes_on_its_own_router() {
    let dir = common::scratch();
    let (_example, addr) = start(dir.path());
    let url = |path: &str| format!("http://{addr}{path}");
    let start = Instant::now();
    let (code, body) = loop {
        let answer = curl(&[&url("/livez")]);
        if answer.0 == 200 || start.elapsed() > Duration::from_secs(10) {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, 200, "{body}");
    assert!(body.starts_with("worker: alive: last heartbeat "), "{body}");
    assert_eq!(body.lines().count(), 1);
    assert_eq!(
        content_type(&url("/livez"), &[]),
        "text/plain; charset=utf-8"
    );

    let json = ["-H", "Accept: application/json"];
    assert_eq!(content_type(&url("/livez"), &json), "application/json");
    let (code, body) = curl(&[&json[..], &[&url("/livez")]].concat());
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((code, &doc["alive"]), (200, &serde_json::Value::Bool(true)));
    assert_eq!(doc["components"][0]["name"], "worker");

    let (code, body) = python(addr, "GET", "/livez/startup", &[]);
    assert_eq!(code, 200, "{body}");
    assert!(body.starts_with("worker: started"), "{body}");

    let metrics = "text/plain; version=0.0.4; charset=utf-8";
    assert_eq!(content_type(&url("/metrics"), &[]), metrics);
    let (code, body) = python(addr, "GET", "/metrics", &[]);
    assert_eq!(code, 200);
    assert!(
        body.contains("\nliveness_alive{component=\"worker\"} 1\n"),
        "{body}"
    );
    assert!(body.contains("\nliveness_max_age_seconds{component=\"worker\"} 10\n"));

    // The service's own routes are its own.
    assert_eq!(
        curl(&[&url("/")]),
        (200, "the service's own routes\n".into())
    );
    assert_eq!(curl(&[&url("/nope")]).0, 404);
}
