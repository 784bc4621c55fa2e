use std::{
    io::{self, Read, Write},
    net::SocketAddr,
};

use super::*;
use crate::http::{HttpServer, serve::spawn};

/// A judge that says alive, with a body of `len` bytes.
struct Sized(usize);

impl Judge for Sized {
    fn report(&self, _: crate::http::Check, _json: bool) -> (bool, String) {
        (true, "x".repeat(self.0))
    }
}

fn start(body_len: usize, limits: Limits) -> HttpServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    spawn(listener, "/livez", Box::new(Sized(body_len)), limits).unwrap()
}

const GET: &[u8] = b"GET /livez HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

/// One request on a fresh connection; the whole response.
fn get(addr: SocketAddr) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(GET).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    response
}

/// Whether the server has closed `stream` (without waiting).
fn closed(stream: &mut TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0];
    let closed = match stream.read(&mut byte) {
        Ok(0) => true,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        Ok(_) => false,
    };
    stream.set_nonblocking(false).unwrap();
    closed
}

#[test]
fn answers_a_head_sent_byte_by_byte() {
    let server = start(5, Limits::DEFAULT);
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_nodelay(true).unwrap();
    for byte in GET {
        stream.write_all(&[*byte]).unwrap();
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(response.ends_with(b"\r\n\r\nxxxxx"));
}

#[test]
fn closes_a_head_that_takes_too_long() {
    let limits = Limits {
        head_time: Duration::from_millis(200),
        ..Limits::DEFAULT
    };
    let server = start(5, limits);
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.write_all(b"GET /livez HTTP/1.1\r\n").unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // Closed without an answer once the time is up.
    assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[test]
fn a_newcomer_over_the_cap_takes_the_oldest_idle_slot() {
    let limits = Limits {
        max_connections: 4,
        ..Limits::DEFAULT
    };
    let server = start(5, limits);
    let mut idle: Vec<TcpStream> = (0..4)
        .map(|_| {
            let stream = TcpStream::connect(server.local_addr()).unwrap();
            std::thread::sleep(Duration::from_millis(20)); // accepted in order
            stream
        })
        .collect();
    assert!(get(server.local_addr()).starts_with(b"HTTP/1.1 200 OK\r\n"));
    std::thread::sleep(Duration::from_millis(50));
    assert!(closed(&mut idle[0]), "the oldest idle connection is open");
    assert!(
        !closed(&mut idle[3]),
        "the newest idle connection is closed"
    );
}

#[test]
fn a_client_that_does_not_read_blocks_nobody() {
    // A response far larger than the socket buffers.
    let server = start(8 << 20, Limits::DEFAULT);
    let mut stuck = TcpStream::connect(server.local_addr()).unwrap();
    stuck.write_all(GET).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let response = get(server.local_addr());
    assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(
        response.len() - response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() - 4,
        8 << 20
    );
    // The reader took its response at its own pace, the stuck one is
    // cut at its deadline.
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stuck);
}

#[test]
fn an_oversized_head_gets_its_431_before_the_close() {
    let server = start(5, Limits::DEFAULT);
    for _ in 0..5 {
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        let filler = "a".repeat(40_000);
        let head = format!("GET /livez HTTP/1.1\r\nX-Filler: {filler}\r\n\r\n");
        // The server answers after 8 KiB, while the rest is still coming.
        stream.write_all(&head.as_bytes()[..10_000]).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        stream.write_all(&head.as_bytes()[10_000..]).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        assert!(
            response.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{:?}",
            String::from_utf8_lossy(&response)
        );
    }
}

#[test]
fn stop_closes_the_listener_and_joins() {
    let server = start(5, Limits::DEFAULT);
    let addr = server.local_addr();
    let _idle = TcpStream::connect(addr).unwrap();
    assert!(get(addr).starts_with(b"HTTP/1.1 200 OK\r\n"));
    server.stop();
    assert!(TcpStream::connect(addr).is_err());
}
