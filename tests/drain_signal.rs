//! The drain example (`examples/drain.rs`): on `SIGTERM` it leaves traffic
//! at once (`/readyz` 503, its file says `draining`), stays alive (`/livez`
//! 200) while it finishes its work, then exits 0.

mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let code = response[9..12].parse().unwrap();
    (code, response.split_once("\r\n\r\n").unwrap().1.to_owned())
}

#[test]
fn sigterm_drains_then_the_service_exits_after_its_linger() {
    let dir = common::scratch();
    let path = dir.path().join("server");
    let mut child = Command::new(env!("CARGO_BIN_EXE_drain"))
        .args(["127.0.0.1:0", "3000"])
        .env("DRAIN_EXAMPLE_PATH", &path)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr: SocketAddr = first
        .strip_prefix("drain: serving http://")
        .and_then(|url| url.strip_suffix("/livez"))
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .unwrap();
    let until_ready = Instant::now() + Duration::from_secs(5);
    while get(addr, "/readyz").0 != 200 {
        assert!(Instant::now() < until_ready, "never ready");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "drain: draining for 3000 ms"
    );
    let (code, body) = get(addr, "/readyz");
    assert_eq!(code, 503, "{body}");
    assert!(
        body.starts_with("server: not ready: draining: shutting down: SIGTERM (alive, "),
        "{body}"
    );
    assert_eq!(get(addr, "/livez").0, 200);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(" ready=draining because=\"shutting down: SIGTERM\" "),
        "{text}"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
