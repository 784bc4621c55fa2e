//! `liveness::drain`: process-wide and sticky, so this binary holds one
//! test, in a process of its own. Every component and pool instance this
//! process wrote says `draining` in its file at once (the exec probe reads
//! files), `/readyz` answers 503 while `/livez` stays 200, and nothing
//! makes the process ready again.

mod common;

use std::net::SocketAddr;

use common::http::raw;
use liveness::{Component, Liveness, Probe};

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "DRAIN_WORKER_PATH")]
struct Worker;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "DRAIN_CONSUMER_PATH")]
struct Consumer;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "DRAIN_LATE_PATH")]
struct Late;

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n");
    let answer = raw(addr, head.as_bytes());
    (answer.code, String::from_utf8(answer.body).unwrap())
}

/// `--ready`'s exit code and lines, as the exec probe reads the files.
fn exec_ready(probe: &Probe) -> (u8, String) {
    let mut out = Vec::new();
    let code = probe.run_with(["--ready"], &mut out, &mut Vec::new());
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn drain_takes_every_component_out_of_traffic_for_good_and_liveness_stays() {
    common::in_own_dir!(
        drain_takes_every_component_out_of_traffic_for_good_and_liveness_stays,
        Worker,
        Consumer,
        Late
    );
    // `Late` writes first after the drain.
    let components = || [Component::of::<Worker>(), Component::of::<Consumer>()];
    let probe = Probe::new(components());
    let server = Probe::new(components()).serve_http("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    Worker::beat_now().unwrap();
    Consumer::pool_size(2).unwrap();
    Consumer::instance(0).beat_now().unwrap();
    Consumer::instance(1).unready("rebalancing").unwrap();
    assert_eq!(get(addr, "/readyz").0, 503);
    Consumer::instance(1).ready().unwrap();
    assert_eq!(get(addr, "/readyz").0, 200);
    assert_eq!(exec_ready(&probe).0, 0);

    drain_while_another_writer_holds_the_lock(addr);
    drained_at_once(addr, &probe);
    sticky(addr);
}

/// Another process of the container (here, another open file) holds the
/// worker's file lock: `/readyz` says draining at once, from memory, and
/// the drain waits for the lock rather than skip the file.
fn drain_while_another_writer_holds_the_lock(addr: SocketAddr) {
    let held = std::fs::File::open(Worker::path()).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let drain = std::thread::spawn(|| liveness::drain("shutting down"));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (code, body) = get(addr, "/readyz");
    assert_eq!(code, 503, "{body}");
    assert!(
        body.starts_with("worker: not ready: draining: shutting down (alive, "),
        "{body}"
    );
    drop(held);
    drain.join().unwrap().unwrap();
}

/// Right after the drain: every file, `--ready`, `/readyz` say draining;
/// liveness is green.
fn drained_at_once(addr: SocketAddr, probe: &Probe) {
    let (code, out) = exec_ready(probe);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("worker: not ready: draining: shutting down (alive, "),
        "{out}"
    );
    assert!(
        out.contains("consumer[1]: not ready: draining: shutting down"),
        "{out}"
    );
    for path in [Worker::path(), Consumer::instance(0).path()] {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(" ready=draining because=\"shutting down\" "),
            "{text}"
        );
    }
    let (code, body) = get(addr, "/readyz");
    assert_eq!(code, 503, "{body}");
    assert!(
        body.contains("not ready: draining: shutting down"),
        "{body}"
    );
    assert_eq!(get(addr, "/livez").0, 200);
    assert_eq!(
        probe.run_with(Vec::<String>::new(), &mut Vec::new(), &mut Vec::new()),
        0
    );
}

/// Nothing brings it back, a second drain keeps the first reason, beats and
/// components written later say draining too.
fn sticky(addr: SocketAddr) {
    Worker::ready().unwrap();
    Consumer::instance(1).ready().unwrap();
    liveness::drain("again").unwrap();
    Worker::beat_now().unwrap();
    Late::beat_now().unwrap();
    let all = Probe::new([
        Component::of::<Worker>(),
        Component::of::<Consumer>(),
        Component::of::<Late>(),
    ]);
    let statuses = all.statuses();
    assert_eq!(statuses.len(), 4);
    assert!(statuses.iter().all(|s| s.is_alive() && !s.is_ready()));
    assert!(statuses.iter().all(|s| s.is_draining()));
    assert!(
        statuses
            .iter()
            .all(|s| s.unready_reason() == Some("shutting down"))
    );
    let (code, json) = {
        let answer = raw(
            addr,
            b"GET /readyz HTTP/1.1\r\nHost: pod\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        );
        (answer.code, String::from_utf8(answer.body).unwrap())
    };
    assert_eq!(code, 503);
    let head = raw(
        addr,
        b"HEAD /readyz HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n",
    );
    assert_eq!((head.code, head.body.len()), (503, 0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (doc["ready"].clone(), doc["alive"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(doc["components"][0]["draining"], true);
}
