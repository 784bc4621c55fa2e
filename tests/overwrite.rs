//! The overwrite rule: a writer writes over an existing file at a heartbeat
//! path (`<path>`, `<path>.<i>`, `<path>.pool`) only when it is empty, a
//! complete record of ours, one of ours torn mid-write, or the prior art's
//! float as a plausible epoch time; anything else is `NotAHeartbeat`, and
//! the file is untouched. Stale temporaries are deleted only when named as
//! the writer names them.

mod common;

use std::{
    fs,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use liveness::{Error, Liveness, Timestamp};

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "PLAIN_PATH")]
struct Plain;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "MEMBER_PATH")]
struct Member;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "POOLED_PATH")]
struct Pooled;

fn epoch(offset_secs: i64) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    format!("{}.123456", now + offset_secs)
}

/// Files a writer must leave alone.
fn near_misses() -> Vec<(String, Vec<u8>)> {
    let mut large = b"liveness/2 ".to_vec();
    large.resize(1 << 20, b'x');
    let mut long_torn = b"liveness/2 ".to_vec();
    long_torn.resize(1025, b'x');
    let mut other_version = b"liveness/9 ".to_vec();
    other_version.resize(1024, b'x');
    let year = 366 * 86_400;
    let texts = [
        "4242\n".to_owned(),
        "8080".to_owned(),
        "1e3".to_owned(),
        "1.5".to_owned(),
        format!("{}e0", epoch(0)),
        format!("-{}", epoch(0)),
        format!("+{}", epoch(0)),
        epoch(0).split('.').next().unwrap().to_owned(),
        format!("{}.", epoch(0).split('.').next().unwrap()),
        epoch(-11 * year),
        epoch(2 * 86_400),
        format!("{} {}", epoch(0), epoch(0)),
        format!("pid {}", epoch(0)),
    ];
    let mut misses: Vec<_> = texts
        .into_iter()
        .map(|t| (format!("{t:?}"), t.into_bytes()))
        .collect();
    misses.push(("1 MiB starting with liveness/".into(), large));
    misses.push(("1025 bytes starting with liveness/2".into(), long_torn));
    misses.push(("1024 bytes of liveness/9".into(), other_version));
    misses
}

fn paths() -> [PathBuf; 3] {
    [
        Plain::path(),
        Member::instance(0).path(),
        Pooled::path().with_extension("pool"),
    ]
}

/// Writes at `path` through the API that owns it.
fn write_at(path: &Path) -> Result<(), Error> {
    if path == Plain::path() {
        Plain::beat_now()
    } else if path == Member::instance(0).path() {
        Member::instance(0).beat_now()
    } else {
        Pooled::pool_size(3)
    }
}

#[test]
fn only_a_heartbeat_is_overwritten_at_any_heartbeat_path() {
    common::in_own_dir!(
        only_a_heartbeat_is_overwritten_at_any_heartbeat_path,
        Plain,
        Member,
        Pooled
    );
    Member::pool_size(1).unwrap();
    let mut wrong = Vec::new();
    for path in paths() {
        for (what, bytes) in near_misses() {
            fs::write(&path, &bytes).unwrap();
            match write_at(&path) {
                Err(Error::NotAHeartbeat { .. }) => {}
                other => wrong.push(format!("{}: {what}: {other:?}", path.display())),
            }
            match Timestamp::create(&path, Duration::from_secs(90)) {
                Err(Error::NotAHeartbeat { .. }) => {}
                other => wrong.push(format!("{}: {what}: create: {other:?}", path.display())),
            }
            if fs::read(&path).unwrap() != bytes {
                wrong.push(format!("{}: {what}: changed", path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_heartbeat_is_overwritten_at_any_heartbeat_path() {
    let mut torn = b"liveness/2 at=2026".to_vec();
    torn.resize(1024, b' ');
    let ok: [(&str, Vec<u8>); 5] = [
        ("empty", Vec::new()),
        ("float", format!("{}\n", epoch(-3600)).into_bytes()),
        (
            "float with spaces",
            format!("  {} \n", epoch(0)).into_bytes(),
        ),
        ("a day ahead", epoch(86_000).into_bytes()),
        ("torn", torn),
    ];
    let dir = common::scratch();
    for (what, bytes) in ok {
        let path = dir.path().join("worker");
        fs::write(&path, &bytes).unwrap();
        Timestamp::create(&path, Duration::from_secs(90)).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            Timestamp::byref(&path, Duration::from_secs(90)).alive(),
            "{what}"
        );
    }
}

#[test]
fn only_temporaries_named_as_the_writer_names_them_are_cleared() {
    let dir = common::scratch();
    let old = SystemTime::now() - Duration::from_secs(60);
    let names = [
        ".worker.draft.tmp",
        ".worker.1.tmp",
        ".worker.1.2.3.tmp",
        ".worker.x.2.tmp",
        ".worker.-1.2.tmp",
    ];
    for name in names {
        let file = fs::File::create(dir.path().join(name)).unwrap();
        file.set_modified(old).unwrap();
    }
    let stale = dir.path().join(".worker.4242.7.tmp");
    fs::File::create(&stale).unwrap().set_modified(old).unwrap();
    Timestamp::create(dir.path().join("worker"), Duration::from_secs(90)).unwrap();
    assert!(!stale.exists(), "a stale temporary of ours is left");
    for name in names {
        assert!(dir.path().join(name).exists(), "{name} was deleted");
    }
}
