//! The example worker's `httpGet` endpoint (`worker --http ADDR`), asked as
//! the kubelet and people ask it: curl, Python's `http.client`, plain
//! sockets; and still answering the kubelet in time while hostile clients
//! hold connections open.
//!
//! The tests that run curl or python3 fail, saying what to install, when
//! the tool is missing.

mod common;

use std::{
    io::{ErrorKind, Read, Write},
    net::{SocketAddr, TcpStream},
    sync::{
        RwLock,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use common::{
    Files,
    http::{HttpWorker, curl, curl_head, python, raw},
};

/// The worker's `max_age`.
const MAX_AGE: Duration = Duration::from_secs(3);

/// Taken for writing by the test that times the kubelet's checks, so that
/// no other test of this file competes with it for the cores.
static TIMING: RwLock<()> = RwLock::new(());

/// The body of an alive answer: one alive line per component.
fn assert_alive_lines(files: &Files, body: &str) {
    let lines = common::text_lines(body);
    assert_eq!(lines.len(), 2, "{body}");
    assert!(
        lines[0].starts_with("worker: alive: last heartbeat "),
        "{body}"
    );
    assert!(
        lines[0].ends_with(&format!(", max 3s ({})", common::shown(&files.worker))),
        "{body}"
    );
    assert!(lines[1].starts_with("indexer: alive: "), "{body}");
    assert!(body.ends_with('\n'));
}

#[test]
fn curl_and_python_get_200_while_beating_and_503_once_wedged() {
    let _shared = TIMING.read();
    let files = Files::new();
    let hang_after = Duration::from_secs(2);
    let started = Instant::now();
    let worker = HttpWorker::start(&files, &["--hang-after", "2"]);
    let (code, body) = worker.curl_until(200, Duration::from_secs(5));
    assert_eq!(code, 200, "{body}");
    assert_alive_lines(&files, &body);
    let (code, body) = python(worker.addr, "GET", "/livez", &[]);
    assert_eq!(code, 200, "{body}");
    assert_alive_lines(&files, &body);
    assert!(
        started.elapsed() < hang_after,
        "too slow to see it alive before it hangs"
    );

    // Dead within max_age of the wedge, plus a margin for the checks.
    let limit = hang_after + MAX_AGE + Duration::from_secs(2) - started.elapsed();
    let (code, body) = worker.curl_until(503, limit);
    assert_eq!(
        code,
        503,
        "still {code} {:?} after the wedge: {body}",
        started.elapsed()
    );
    assert!(
        common::text_lines(&body)[0].starts_with("worker: dead: last heartbeat "),
        "{body}"
    );
    assert!(
        common::text_lines(&body)[0]
            .ends_with(&format!(", max 3s ({})", common::shown(&files.worker))),
        "{body}"
    );
    let (code, body) = python(worker.addr, "GET", "/livez", &[]);
    assert_eq!(code, 503, "{body}");
    assert!(body.starts_with("worker: dead: last heartbeat "), "{body}");
}

#[test]
fn json_when_the_client_accepts_it() {
    let _shared = TIMING.read();
    let files = Files::new();
    let worker = HttpWorker::start(&files, &[]);
    assert_eq!(worker.curl_until(200, Duration::from_secs(5)).0, 200);

    let url = worker.url("/livez");
    let (code, body) = curl(&["-H", "Accept: application/json", &url]);
    assert_eq!(code, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["alive"], true, "{body}");
    assert_eq!(report["components"][0]["name"], "worker", "{body}");
    assert_eq!(report["components"][1]["name"], "indexer", "{body}");
    let message = report["components"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("worker: alive: "), "{body}");
    let head = curl_head(&["-H", "Accept: text/html, application/json;q=0.9", &url]);
    assert!(
        head.contains("\r\nContent-Type: application/json\r\n"),
        "{head}"
    );

    let accept = "Accept: application/json";
    let (code, body) = python(worker.addr, "GET", "/livez", &[accept]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["alive"],
        true
    );
    // The kubelet's `Accept: */*` gets the lines.
    let head = curl_head(&["-H", "Accept: */*", &url]);
    assert!(
        head.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"),
        "{head}"
    );
}

#[test]
fn head_404_405_431_and_400() {
    let _shared = TIMING.read();
    let files = Files::new();
    let worker = HttpWorker::start(&files, &[]);
    assert_eq!(worker.curl_until(200, Duration::from_secs(5)).0, 200);
    let url = worker.url("/livez");

    // HEAD: the headers of the GET, no body.
    let head = curl_head(&["-I", &url]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Length: "), "{head}");
    assert!(head.contains("\r\nConnection: close\r\n"), "{head}");
    let answer = raw(
        worker.addr,
        b"HEAD /livez HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(answer.code, 200, "{}", answer.head);
    assert!(
        answer.body.is_empty(),
        "a body after HEAD: {:?}",
        answer.body
    );
    let length = answer
        .head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap();
    assert!(length.parse::<usize>().unwrap() > 0);
    let (code, body) = python(worker.addr, "HEAD", "/livez", &[]);
    assert_eq!((code, body.as_str()), (200, ""));

    assert_eq!(curl(&[&worker.url("/nope")]).0, 404);
    assert_eq!(python(worker.addr, "GET", "/", &[]).0, 404);

    assert_eq!(curl(&["-X", "POST", &url]).0, 405);
    let head = curl_head(&["-X", "DELETE", &url]);
    assert!(
        head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nAllow: GET, HEAD\r\n"), "{head}");
    assert_eq!(python(worker.addr, "PUT", "/livez", &[]).0, 405);

    let big = format!("X-Big: {}", "a".repeat(9000));
    let (code, body) = curl(&["-H", &big, &url]);
    assert_eq!(code, 431, "{body}");
    assert_eq!(python(worker.addr, "GET", "/livez", &[&big]).0, 431);

    let answer = raw(
        worker.addr,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    );
    assert_eq!(answer.code, 400, "{}", answer.head);
    assert_eq!(raw(worker.addr, b"GET /livez HTTP/3\r\n\r\n").code, 400);
}

/// Whether the server has closed `stream` (non-blocking).
fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0; 512];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    }
}

/// Holds `idle` connections that send nothing and `slow` ones that send a
/// byte a second, reopening those the server closes, until `stop`; returns
/// how many were reopened.
fn hold(addr: SocketAddr, idle: usize, slow: usize, stop: &AtomicBool) -> usize {
    const HEAD: &[u8] = b"GET /livez HTTP/1.1\r\nHost: pod\r\n\r\n";
    let open = || {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nonblocking(true).unwrap();
        stream
    };
    let mut idle: Vec<TcpStream> = (0..idle).map(|_| open()).collect();
    let mut slow: Vec<(TcpStream, usize)> = (0..slow).map(|_| (open(), 0)).collect();
    let mut reopened = 0;
    let mut last_byte = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        for stream in &mut idle {
            if closed(stream) {
                *stream = open();
                reopened += 1;
            }
        }
        let send = last_byte.elapsed() >= Duration::from_secs(1);
        if send {
            last_byte = Instant::now();
        }
        for (stream, sent) in &mut slow {
            let byte = HEAD[*sent % HEAD.len()];
            if closed(stream) || (send && stream.write(&[byte]).is_err()) {
                (*stream, *sent) = (open(), 0);
                reopened += 1;
            } else if send {
                *sent += 1;
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    reopened
}

/// The contract: 200 idle connections and 50 slow senders (reopened as the
/// server closes them) never make a kubelet's check fail or take 100 ms.
#[test]
fn hostile_clients_never_delay_the_kubelet() {
    let _alone = TIMING.write();
    let files = Files::new();
    let worker = HttpWorker::start(&files, &[]);
    let (code, body) = worker.curl_until(200, Duration::from_secs(5));
    assert_eq!(code, 200, "{body}");

    let addr = worker.addr;
    let stop = AtomicBool::new(false);
    let (reopened, checks) = thread::scope(|scope| {
        let hostile = scope.spawn(|| hold(addr, 200, 50, &stop));
        thread::sleep(Duration::from_millis(300)); // all open
        let mut checks = Vec::new();
        let start = Instant::now();
        let mut next = start;
        while start.elapsed() < Duration::from_secs(10) {
            let asked = Instant::now();
            let answer = common::http::kubelet_get(addr, "*/*");
            checks.push((asked - start, asked.elapsed(), answer));
            next += Duration::from_millis(100);
            thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        stop.store(true, Ordering::Relaxed);
        (hostile.join().unwrap(), checks)
    });

    let bad: Vec<String> = checks
        .iter()
        .filter(|(_, took, answer)| {
            *took > Duration::from_millis(100)
                || !matches!(answer, Ok((200, body)) if body.starts_with("worker: alive: "))
        })
        .map(|(at, took, answer)| format!("at {at:?}: took {took:?}: {answer:?}"))
        .collect();
    let slowest = checks.iter().map(|(_, took, _)| *took).max().unwrap();
    assert!(
        bad.is_empty(),
        "{} of {} checks failed or took over 100 ms:\n{}",
        bad.len(),
        checks.len(),
        bad.join("\n")
    );
    assert!(checks.len() >= 90, "only {} checks", checks.len());
    // The server did close the hostile connections (each in about 1 s).
    assert!(
        reopened >= 250,
        "only {reopened} hostile connections reopened"
    );
    eprintln!(
        "{} checks, slowest {slowest:?}; {reopened} hostile connections reopened",
        checks.len()
    );
}
