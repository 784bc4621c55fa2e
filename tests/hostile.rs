//! Hostile heartbeat files: every one is a dead verdict on one line that
//! names the path and the cause, promptly, without a panic or a hang.

mod common;

use std::{
    fs,
    os::unix::fs::PermissionsExt,
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use common::record::record_now;
use common::{Files, Run};

/// The probe must never take this long; it is a hang guard, not a timing
/// budget (those are measured by the benchmarks).
const HANG: Duration = Duration::from_secs(10);

struct Case {
    name: &'static str,
    /// Puts the hostile thing at the path; returns the path to probe.
    setup: fn(&Path) -> std::path::PathBuf,
    /// What the worker's line must say after `worker: dead: `.
    says: &'static str,
}

fn write(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join("worker");
    fs::write(&path, bytes).unwrap();
    path
}

/// Deterministic noise (a linear congruential generator).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

const CASES: &[Case] = &[
    Case {
        name: "directory",
        setup: |d| d.to_owned(),
        says: "invalid heartbeat: not a regular file but a directory",
    },
    Case {
        name: "fifo",
        setup: |d| {
            let path = d.join("worker");
            let ok = std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap();
            assert!(ok.success());
            path
        },
        says: "invalid heartbeat: not a regular file but a FIFO",
    },
    Case {
        name: "character device",
        setup: |_| "/dev/zero".into(),
        says: "invalid heartbeat: not a regular file but a character device",
    },
    Case {
        name: "1 GiB file",
        setup: |d| {
            let path = d.join("worker");
            fs::File::create(&path).unwrap().set_len(1 << 30).unwrap();
            path
        },
        says: "invalid heartbeat: 1073741824 bytes is too large for a heartbeat",
    },
    Case {
        name: "random bytes",
        setup: |d| write(d, &noise(3000, 1)),
        says: "invalid heartbeat: not a heartbeat record",
    },
    Case {
        name: "random record-sized bytes after the format tag",
        setup: |d| {
            let mut bytes = b"liveness/1 ".to_vec();
            bytes.extend(noise(167, 2));
            write(d, &bytes)
        },
        says: "invalid heartbeat: integrity check failed",
    },
    Case {
        name: "empty file",
        setup: |d| write(d, b""),
        says: "no heartbeat (the file is empty) since the ",
    },
    Case {
        name: "bad integrity check",
        setup: |d| {
            let mut bytes = record_now(0.0, 0.0);
            let pid = bytes.windows(4).position(|w| w == b"pid=").unwrap() + 4;
            bytes[pid] = if bytes[pid] == b'1' { b'2' } else { b'1' };
            write(d, &bytes)
        },
        says: "invalid heartbeat: integrity check failed",
    },
    Case {
        name: "dangling symlink",
        setup: |d| {
            let path = d.join("worker");
            std::os::unix::fs::symlink(d.join("nowhere"), &path).unwrap();
            path
        },
        says: "invalid heartbeat: the path is a symbolic link, which liveness never writes",
    },
    Case {
        name: "NaN",
        setup: |d| write(d, b"NaN\n"),
        says: "invalid heartbeat: bad epoch time \"NaN\"",
    },
    Case {
        name: "inf",
        setup: |d| write(d, b"inf"),
        says: "invalid heartbeat: bad epoch time \"inf\"",
    },
    Case {
        name: "negative",
        setup: |d| write(d, b"-1700000000.0"),
        says: "invalid heartbeat: bad epoch time \"-1700000000.0\"",
    },
    Case {
        name: "huge",
        setup: |d| write(d, b"1e300"),
        says: "invalid heartbeat: bad epoch time \"1e300\"",
    },
    Case {
        name: "control characters",
        setup: |d| write(d, b"liveness/\x1b[31m\nred\r\n"),
        says: "invalid heartbeat: unsupported record format \"liveness/\\u{1b}[31m\"",
    },
    Case {
        name: "epoch zero (the prior art's 'missing')",
        setup: |d| write(d, b"0.0"),
        says: "last heartbeat ",
    },
];

/// Runs the probe with a hang guard; returns the run and how long it took.
fn probe_timed(cmd: &mut std::process::Command) -> (Run, Duration) {
    let started = Instant::now();
    let mut child = common::spawn(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()));
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > HANG {
            child.kill().unwrap();
            panic!("the probe hung");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().expect("the probe died from a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    (run, elapsed)
}

fn assert_dead_line(name: &str, run: &Run, path: &Path, says: &str) {
    assert_eq!(run.code, 1, "{name}: {}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "", "{name}");
    let lines: Vec<_> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "{name}: one line per component: {}",
        run.stdout
    );
    let expected_start = format!("worker: dead: {says}");
    assert!(
        lines[0].starts_with(&expected_start),
        "{name}: {}",
        lines[0]
    );
    assert!(
        lines[0].ends_with(&format!("({})", common::shown(path))),
        "{name}: {}",
        lines[0]
    );
}

#[test]
fn every_hostile_file_is_one_dead_line_without_a_hang() {
    for case in CASES {
        let files = Files::new();
        let path = (case.setup)(files.dir.path());
        let (run, elapsed) = probe_timed(files.probe().env("WORKER_LIVENESS_PATH", &path));
        assert_dead_line(case.name, &run, &path, case.says);
        eprintln!(
            "{:>45}: {:>6.1} ms  {}",
            case.name,
            elapsed.as_secs_f64() * 1e3,
            run.stdout.lines().next().unwrap()
        );
    }
}

#[test]
fn a_file_without_read_permission_is_dead() {
    let files = Files::open();
    fs::write(&files.worker, record_now(0.0, 0.0)).unwrap();
    fs::set_permissions(&files.worker, fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(&files.indexer, fs::Permissions::from_mode(0o644)).unwrap();
    let probe = common::runnable_copy(env!("CARGO_BIN_EXE_worker-liveness"), files.dir.path());
    let mut cmd = common::probe_cmd_at(&probe, &files.worker, &files.indexer);
    // Root reads any file: run the probe as `nobody` then.
    if common::is_root() {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    }
    let (run, _) = probe_timed(&mut cmd);
    assert_dead_line(
        "no permission",
        &run,
        &files.worker,
        "cannot read heartbeat: permission denied",
    );
}

#[test]
#[ignore = "needs strace (run by .ci/run)"]
fn the_probe_spawns_no_process() {
    let files = Files::new();
    fs::write(&files.worker, b"garbage").unwrap();
    let trace = files.dir.path().join("trace");
    let mut cmd = std::process::Command::new("strace");
    cmd.args([
        "-f",
        "-qq",
        "-e",
        "trace=fork,vfork,clone,clone3,execve",
        "-o",
    ])
    .arg(&trace)
    .arg(env!("CARGO_BIN_EXE_worker-liveness"))
    .env("WORKER_LIVENESS_PATH", &files.worker)
    .env("INDEXER_LIVENESS_PATH", &files.indexer)
    .stdout(Stdio::null());
    let status = cmd.status().expect("strace runs");
    assert_eq!(status.code(), Some(1), "strace or the probe failed");
    let calls = fs::read_to_string(&trace).unwrap();
    let calls: Vec<_> = calls.lines().collect();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(
        calls[0].contains("execve("),
        "only its own exec: {calls:#?}"
    );
}
