//! `serve_http` judges this process's components from memory, and still
//! reaches the verdict the exec probe reads in the file: another live
//! container writing the same file, another component's record, a file
//! replaced under the writer. The server and the exec probe's judgement
//! (`Probe::statuses()`, from the files) side by side on the same files.

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::record::{body, record_now, seal, set};
use liveness::{Component, Liveness, Probe};

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "CONFLICTED_PATH")]
struct Conflicted;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "BORROWED_PATH")]
struct Borrowed;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "REPLACED_PATH")]
struct Replaced;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "STEADY_PATH")]
struct Steady;

/// The verdict line from the files and from the server, past the server's
/// 20 ms reuse of an answer.
fn both(component: Component) -> (String, u16, String) {
    let probe = Probe::new([component]);
    let from_files = probe.statuses()[0].to_string();
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let (code, body) = common::http::livez(server.local_addr());
    (from_files, code, body.trim_end().to_owned())
}

/// A record of `name` written now by a writer of another live container.
fn other_container(name: &str) -> Vec<u8> {
    let body = body(&record_now(0.0, 0.0));
    let body = set(&body, "name", &format!("\"{name}\""));
    let body = set(&body, "mnt", "1");
    let body = set(&body, "pidns", "2");
    let body = set(&body, "init", "3");
    seal(&set(&body, "pid", "4000000"))
}

#[test]
fn another_live_container_writing_the_file_is_a_conflict_on_both() {
    common::in_own_dir!(
        another_live_container_writing_the_file_is_a_conflict_on_both,
        Conflicted
    );
    Conflicted::beat_now().unwrap();
    std::fs::write(Conflicted::path(), other_container("conflicted")).unwrap();
    let (files, code, http) = both(Component::of::<Conflicted>());
    assert!(
        files.starts_with("conflicted: dead: written by another live container, pid 4000000"),
        "{files}"
    );
    assert_eq!((code, http), (503, files));
}

#[test]
fn another_component_s_record_in_the_file_is_dead_on_both() {
    common::in_own_dir!(
        another_component_s_record_in_the_file_is_dead_on_both,
        Borrowed
    );
    Borrowed::beat_now().unwrap();
    let body = set(&body(&record_now(0.0, 0.0)), "name", "\"other\"");
    std::fs::write(Borrowed::path(), seal(&body)).unwrap();
    let (files, code, http) = both(Component::of::<Borrowed>());
    assert!(
        files.starts_with("borrowed: dead: the file holds the heartbeat of other"),
        "{files}"
    );
    assert_eq!((code, http), (503, files));
}

#[test]
fn a_file_replaced_under_the_writer_is_judged_as_it_is() {
    common::in_own_dir!(
        a_file_replaced_under_the_writer_is_judged_as_it_is,
        Replaced
    );
    Replaced::beat_now().unwrap();
    std::fs::remove_file(Replaced::path()).unwrap();
    std::fs::create_dir(Replaced::path()).unwrap();
    let (files, code, http) = both(Component::of::<Replaced>());
    std::fs::remove_dir(Replaced::path()).unwrap();
    assert!(
        files.starts_with("replaced: dead: invalid heartbeat: not a regular file but a directory"),
        "{files}"
    );
    assert_eq!((code, http), (503, files));
}

#[test]
fn a_file_that_holds_the_writer_s_record_is_judged_from_memory() {
    common::in_own_dir!(
        a_file_that_holds_the_writer_s_record_is_judged_from_memory,
        Steady
    );
    Steady::beat_now().unwrap();
    let probe = Probe::new([Component::of::<Steady>()]);
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    for _ in 0..3 {
        let (code, body) = common::http::livez(server.local_addr());
        assert_eq!(code, 200, "{body}");
        assert!(body.starts_with("steady: alive: last heartbeat "), "{body}");
        std::thread::sleep(Duration::from_millis(25));
        Steady::beat_now().unwrap();
    }
}
