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

#[derive(Liveness)]
#[liveness(max_age = "60s", startup_grace = "0s", env = "OVERWRITTEN_PATH")]
struct Overwritten;

#[derive(Liveness)]
#[liveness(max_age = "60s", startup_grace = "0s", env = "DELETED_PATH")]
struct Deleted;

/// Each line from the files and from the server, past the server's 20 ms
/// reuse of an answer.
fn all_lines(component: Component) -> (Vec<String>, u16, Vec<String>) {
    let probe = Probe::new([component]);
    let from_files = probe.statuses().iter().map(ToString::to_string).collect();
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let (code, body) = common::http::livez(server.local_addr());
    (from_files, code, body.lines().map(str::to_owned).collect())
}

/// The name and the verdict a line says (the ages, measured a moment
/// apart, and the start the grace counts from, the process's for the
/// server, may differ).
fn verdicts(lines: &[String]) -> Vec<String> {
    let verdict = |line: &String| line.splitn(3, ": ").take(2).collect::<Vec<_>>().join(": ");
    lines.iter().map(verdict).collect()
}

/// A pool of two instances of `T`, both written by this process.
fn pool_of_two<T: Liveness>() {
    T::pool_size(2).unwrap();
    for i in 0..2 {
        T::instance(i).beat_now().unwrap();
    }
    // Past a tick of the file system's clock: a write within the tick of
    // the writer's own is found by the writer's next write instead.
    std::thread::sleep(Duration::from_millis(20));
}

#[test]
fn an_instance_file_overwritten_in_place_after_the_write_is_judged_from_the_file() {
    common::in_own_dir!(
        an_instance_file_overwritten_in_place_after_the_write_is_judged_from_the_file,
        Overwritten
    );
    pool_of_two::<Overwritten>();
    // Another writer, without the lock, over the same bytes: the same
    // file, the same size; only its times tell.
    let other = seal(&set(&body(&record_now(0.0, 0.0)), "name", "\"other\""));
    let path = instance_path(Overwritten::path(), 1);
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, &other, 0).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), other.len() as u64);
    let (files, code, http) = all_lines(Component::of::<Overwritten>());
    let other = "overwritten[1]: dead: the file holds the heartbeat of other";
    assert!(files[1].starts_with(other), "{files:?}");
    assert!(http[1].starts_with(other), "{http:?}");
    assert_eq!((code, verdicts(&http)), (503, verdicts(&files)));
}

#[test]
fn an_instance_file_deleted_after_the_write_is_judged_as_the_exec_probe_judges_it() {
    common::in_own_dir!(
        an_instance_file_deleted_after_the_write_is_judged_as_the_exec_probe_judges_it,
        Deleted
    );
    pool_of_two::<Deleted>();
    std::fs::remove_file(instance_path(Deleted::path(), 1)).unwrap();
    // The writer looks at its path once a second: this write goes to the
    // file it holds open, which no path names any more.
    Deleted::instance(1).beat_now().unwrap();
    let (files, code, http) = all_lines(Component::of::<Deleted>());
    assert!(files[0].starts_with("deleted[0]: alive: "), "{files:?}");
    let missing = "deleted[1]: dead: no heartbeat since ";
    assert!(files[1].starts_with(missing), "{files:?}");
    assert!(http[1].starts_with(missing), "{http:?}");
    assert_eq!((code, verdicts(&http)), (503, verdicts(&files)));
}

/// `<path>.<i>`, byte for byte (`display` would replace what is not UTF-8).
fn instance_path(path: std::path::PathBuf, i: u32) -> std::path::PathBuf {
    let mut path = path.into_os_string();
    path.push(format!(".{i}"));
    path.into()
}
