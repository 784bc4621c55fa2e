//! A full pool of hostile instance files: the probe and one HTTP check each
//! finish promptly whatever is on disk (DESIGN.md §5 budgets 100 ms; the
//! benchmark `hostile_pool` holds that figure, these tests a generous
//! bound that no machine misses unless re-reads add up per file, as they
//! did: 1024 torn files took 19 s).

#![cfg(unix)]

mod common;

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::record::{body, record_now, seal, set};

/// Far above the 100 ms budget, far below what per-file re-reads cost.
const BOUND: Duration = Duration::from_secs(2);

const POOL: u32 = 1024;

/// A `.pool` record of `size` for `consumer`, written now in this container.
fn pool_record(size: u32) -> Vec<u8> {
    let body = body(&record_now(0.0, 0.0));
    let body = set(&body, "name", "\"consumer\"");
    seal(&body.replace(" state=beating", &format!(" state=pool size={size}")))
}

/// A record of ours torn mid-write: its length, its start, a wrong check.
fn torn() -> Vec<u8> {
    let mut bytes = b"liveness/2 at=".to_vec();
    bytes.resize(1023, b' ');
    bytes.push(b'\n');
    bytes
}

/// Instance `i`'s file in the state `i % 6` picks: missing, empty, torn,
/// huge (sparse), a FIFO, a symlink.
fn hostile(dir: &Path, i: u32, fifos: &mut Vec<std::path::PathBuf>) {
    let path = dir.join(format!("consumer.{i}"));
    match i % 6 {
        0 => {}
        1 => std::fs::write(&path, b"").unwrap(),
        2 => std::fs::write(&path, torn()).unwrap(),
        3 => std::fs::File::create(&path)
            .unwrap()
            .set_len(1 << 20)
            .unwrap(),
        4 => fifos.push(path),
        _ => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
    }
}

fn pool_dir(every_state: bool) -> common::TempDir {
    let dir = common::scratch();
    std::fs::write(dir.path().join("consumer.pool"), pool_record(POOL)).unwrap();
    let mut fifos = Vec::new();
    for i in 0..POOL {
        if every_state {
            hostile(dir.path(), i, &mut fifos);
        } else {
            std::fs::write(dir.path().join(format!("consumer.{i}")), torn()).unwrap();
        }
    }
    if !fifos.is_empty() {
        let made = Command::new("mkfifo").args(&fifos).status().unwrap();
        assert!(made.success(), "mkfifo");
    }
    dir
}

fn exec_probe(dir: &Path) -> (String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pool"))
        .arg("probe")
        .env("CONSUMER_LIVENESS_PATH", dir.join("consumer"))
        .env_remove("LIVENESS_PROC_ROOT")
        .env_remove("RUST_LOG")
        .env_remove("LOG_LEVEL")
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    (String::from_utf8(out.stdout).unwrap(), elapsed)
}

fn http_check(dir: &Path) -> (String, Duration) {
    let server = common::consumer(dir).serve_http("127.0.0.1:0").unwrap();
    let started = Instant::now();
    let (code, body) = common::http::livez(server.local_addr());
    let elapsed = started.elapsed();
    assert_eq!(code, 503);
    (body, elapsed)
}

#[test]
fn a_full_pool_of_torn_files_is_judged_promptly() {
    let dir = pool_dir(false);
    let (out, elapsed) = exec_probe(dir.path());
    assert_eq!(out.lines().count(), POOL as usize);
    assert!(
        out.lines()
            .all(|l| l.contains(": dead: invalid heartbeat: ")),
        "{out}"
    );
    eprintln!("exec probe, 1024 torn files: {elapsed:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
    let (_, elapsed) = http_check(dir.path());
    eprintln!("http check, 1024 torn files: {elapsed:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
}

#[test]
fn a_full_pool_in_every_hostile_state_is_judged_promptly() {
    let dir = pool_dir(true);
    let (out, elapsed) = exec_probe(dir.path());
    eprintln!("exec probe, 1024 hostile files: {elapsed:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), POOL as usize);
    assert!(lines.iter().all(|l| l.contains(": dead: ")), "{out}");
    assert!(
        lines[1].starts_with("consumer[1]: dead: no heartbeat (the file is empty)"),
        "{}",
        lines[1]
    );
    let (_, elapsed) = http_check(dir.path());
    eprintln!("http check, 1024 hostile files: {elapsed:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
}
