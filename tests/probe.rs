//! The real probe binary, run as the kubelet runs it: exit codes and the one
//! line per component that ends up in the pod's events.

mod common;

use std::time::{Duration, SystemTime};

use common::{FakeProc, Files, run};
use liveness::Timestamp;

const MAX_AGE: Duration = Duration::from_secs(3);

#[test]
fn fresh_heartbeats_exit_0_with_one_alive_line_each() {
    let files = Files::new();
    Timestamp::create(&files.worker, MAX_AGE).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let lines = common::text_lines(&out.stdout);
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("worker: alive: last heartbeat "),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with(&format!("ago, max 3s ({})", common::shown(&files.worker))),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("indexer: alive: "), "{}", lines[1]);
    assert_eq!(out.stderr, "");
}

#[test]
fn a_stale_heartbeat_exits_1_naming_age_max_and_path() {
    let files = Files::new();
    let ten_seconds_ago = SystemTime::now() - Duration::from_secs(10);
    Timestamp::create_at(&files.worker, MAX_AGE, ten_seconds_ago).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1);
    let line = common::text_lines(&out.stdout)[0];
    assert!(
        line.starts_with("worker: dead: last heartbeat 10s"),
        "{line}"
    );
    assert!(
        line.ends_with(&format!("ago, max 3s ({})", common::shown(&files.worker))),
        "{line}"
    );
    // The other component is still reported, and alive.
    assert!(
        common::text_lines(&out.stdout)[1].starts_with("indexer: alive"),
        "{}",
        out.stdout
    );
}

#[test]
fn any_dead_component_makes_the_probe_dead() {
    let files = Files::new();
    Timestamp::create(&files.worker, MAX_AGE).unwrap();
    std::fs::remove_file(&files.indexer).unwrap(); // the indexer is past its grace
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(common::text_lines(&out.stdout)[0].starts_with("worker: alive"));
    assert!(
        common::text_lines(&out.stdout)[1].starts_with("indexer: dead: no heartbeat"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_missing_heartbeat_is_dead_once_the_container_is_past_its_grace() {
    let files = Files::new();
    let old = FakeProc::container_started(Duration::from_secs(60).min(common::uptime()));
    let out = run(files.probe().env("LIVENESS_PROC_ROOT", old.path()));
    assert_eq!(out.code, 1, "{}", out.stdout);
    let line = common::text_lines(&out.stdout)[0];
    assert!(
        line.starts_with("worker: dead: no heartbeat since the container started"),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "grace 1s: beat earlier, or raise startup_grace ({})",
            common::shown(&files.worker)
        )),
        "{line}"
    );
}

#[test]
fn a_missing_heartbeat_in_a_young_container_is_starting() {
    let files = Files::new();
    let young = FakeProc::container_started(Duration::ZERO);
    // The young container has no heartbeat of either component yet: the
    // indexer's file came from this process, another "container".
    let out = run(files.probe().env("LIVENESS_PROC_ROOT", young.path()));
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        common::text_lines(&out.stdout)[1].starts_with("indexer: alive: starting: "),
        "{}",
        out.stdout
    );
    let line = common::text_lines(&out.stdout)[0];
    assert!(
        line.starts_with("worker: alive: starting: no heartbeat yet, container up "),
        "{line}"
    );
    assert!(line.contains("grace 1s"), "{line}");
}

#[test]
fn corrupt_files_exit_1_with_the_reason() {
    let files = Files::new();
    let cases: &[(&[u8], &str)] = &[
        (
            b"hello, world\n",
            "invalid heartbeat: not a heartbeat record",
        ),
        (
            b"liveness/9 at=2026-01-01T00:00:00Z\n",
            "invalid heartbeat: unsupported record format",
        ),
        (b"nan\n", "invalid heartbeat: bad epoch time"),
    ];
    for (content, reason) in cases {
        std::fs::write(&files.worker, content).unwrap();
        let out = run(&mut files.probe());
        assert_eq!(out.code, 1, "{content:?}: {}", out.stdout);
        let line = common::text_lines(&out.stdout)[0];
        assert!(
            line.starts_with(&format!("worker: dead: {reason}")),
            "{content:?}: {line}"
        );
        assert!(
            line.ends_with(&format!("({})", common::shown(&files.worker))),
            "{line}"
        );
    }
}

#[test]
fn a_record_failing_its_integrity_check_is_dead() {
    let files = Files::new();
    Timestamp::create(&files.worker, MAX_AGE).unwrap();
    let mut bytes = std::fs::read(&files.worker).unwrap();
    let digit = bytes.iter().position(|b| *b == b'T').unwrap() + 1; // the hour
    bytes[digit] = if bytes[digit] == b'0' { b'1' } else { b'0' };
    std::fs::write(&files.worker, &bytes).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1);
    assert!(
        common::text_lines(&out.stdout)[0]
            .starts_with("worker: dead: invalid heartbeat: integrity check failed"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_prior_arts_epoch_float_is_read_on_the_wall_clock() {
    let files = Files::new();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    std::fs::write(&files.worker, format!("{now}")).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(common::text_lines(&out.stdout)[0].starts_with("worker: alive: last heartbeat"));

    std::fs::write(&files.worker, format!("{}\n", now - 125.0)).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1);
    assert!(
        common::text_lines(&out.stdout)[0]
            .starts_with("worker: dead: last heartbeat 2m 5s ago, max 3s"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_env_variable_moves_the_heartbeat_of_service_and_probe() {
    let files = Files::new();
    let mut worker = files.start_worker(None, &[]);
    let out = common::until_alive(|| run(&mut files.probe()));
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let record = std::fs::read_to_string(&files.worker).unwrap();
    assert!(
        record.contains(&format!(" pid={} ", worker.id())),
        "{record}"
    );
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let files = Files::new();
    for flag in ["-h", "--help"] {
        let out = run(files.probe().arg(flag));
        assert_eq!(out.code, 0);
        assert!(
            out.stdout.starts_with("Usage: worker-liveness "),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("worker: max age 3s"), "{}", out.stdout);
        assert_eq!(out.stderr, "");
    }
    for flag in ["-V", "--version"] {
        let out = run(files.probe().arg(flag));
        assert_eq!(out.code, 0);
        assert_eq!(
            out.stdout,
            format!(
                "worker-liveness {0} (liveness {0})\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}

#[test]
fn a_bad_argument_exits_2_with_usage_on_stderr() {
    let files = Files::new();
    for args in [&["--bogus"][..], &["--help", "extra"], &["status"]] {
        let out = run(files.probe().args(args));
        assert_eq!(out.code, 2, "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(
            out.stderr.starts_with("error: unexpected arguments: "),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("Usage: worker-liveness"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn log_level_turns_on_debug_logging_on_stderr() {
    let files = Files::new();
    Timestamp::create(&files.worker, MAX_AGE).unwrap();
    let quiet = run(&mut files.probe());
    assert_eq!(quiet.stderr, "");
    let loud = run(files.probe().env("LOG_LEVEL", "DEBUG"));
    assert_eq!(loud.code, 0);
    assert!(loud.stderr.contains("DEBUG"), "{}", loud.stderr);
    assert_eq!(loud.stdout.lines().count(), 2, "logging stays off stdout");
    let rust_log = run(files.probe().env("RUST_LOG", "debug"));
    assert!(rust_log.stderr.contains("DEBUG"), "{}", rust_log.stderr);
}

#[test]
fn two_components_resolving_to_one_file_are_each_dead_saying_so() {
    let files = Files::new();
    let shared = files.dir.path().join("shared");
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_worker"))
        .env("WORKER_LIVENESS_PATH", &shared)
        .env("INDEXER_LIVENESS_PATH", &shared)
        .args(["--period", "20"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let out = run(files
        .probe()
        .env("WORKER_LIVENESS_PATH", &shared)
        .env("INDEXER_LIVENESS_PATH", &shared));
    worker.kill().unwrap();
    let service = worker.wait_with_output().unwrap();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(
        common::text_lines(&out.stdout),
        [
            format!(
                "worker: dead: shares its heartbeat file with indexer: give each component its own path ({})",
                common::shown(&shared)
            ),
            format!(
                "indexer: dead: shares its heartbeat file with worker: give each component its own path ({})",
                common::shown(&shared)
            ),
        ]
    );
    // The service said so too: the writes of whichever component came
    // second were refused.
    let stderr = String::from_utf8_lossy(&service.stderr);
    let refused = format!(
        "heartbeat {} is already written by component ",
        common::shown(&shared)
    );
    assert!(stderr.contains(&refused), "{stderr}");
}

#[test]
fn two_components_whose_paths_are_hard_links_to_one_file_are_each_dead() {
    // One record, two names for it: neither component can vouch for itself.
    let files = Files::new();
    Timestamp::create(&files.worker, MAX_AGE).unwrap();
    std::fs::remove_file(&files.indexer).unwrap();
    std::fs::hard_link(&files.worker, &files.indexer).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1, "{}", out.stdout);
    let lines = common::text_lines(&out.stdout);
    assert_eq!(
        lines,
        [
            format!(
                "worker: dead: shares its heartbeat file with indexer: give each component its own path ({})",
                common::shown(&files.worker)
            ),
            format!(
                "indexer: dead: shares its heartbeat file with worker: give each component its own path ({})",
                common::shown(&files.indexer)
            ),
        ]
    );
}

#[test]
fn a_record_of_another_component_never_vouches() {
    let files = Files::new();
    let mut worker = files.start_worker(None, &[]);
    let out = common::until_alive(|| run(&mut files.probe()));
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(out.code, 0, "{}", out.stdout);
    // The indexer's path now holds a fresh record of the worker's.
    std::fs::copy(&files.worker, &files.indexer).unwrap();
    let out = run(&mut files.probe());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(
        common::text_lines(&out.stdout)[1],
        format!(
            "indexer: dead: the file holds the heartbeat of worker: give each component its own path ({})",
            common::shown(&files.indexer)
        )
    );
}

#[test]
fn debug_logs_are_one_line_each_in_words_whatever_the_path() {
    let files = Files::new();
    // A directory whose name would forge a verdict line if printed as is.
    let dir = files
        .dir
        .path()
        .join("x\nworker: alive: last heartbeat 1s ago, max 3s (/forged)\n\x1b[2J");
    std::fs::create_dir_all(&dir).unwrap();
    let worker = dir.join("worker");
    Timestamp::create(&worker, MAX_AGE).unwrap();
    for (var, value) in [("RUST_LOG", "debug"), ("LOG_LEVEL", "DEBUG")] {
        let out = run(files
            .probe()
            .env("WORKER_LIVENESS_PATH", &worker)
            .env(var, value));
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("DEBUG"), "{}", out.stderr);
        for line in out.stderr.lines() {
            // env_logger's lines: `[<time> DEBUG <module>] <message>`.
            assert!(line.starts_with('['), "a forged line: {line:?}");
            assert!(!line.contains('\x1b'), "{line:?}");
        }
        // Escapes (`\u{1b}`) aside, no braces: no `Record { wall: .. }` dump.
        let unescaped = out.stderr.replace("\\u{", "");
        assert!(!unescaped.contains('{'), "a struct dump: {}", out.stderr);
        // The reasoning, in words: whose record, which container, how old.
        assert!(
            out.stderr.contains("worker: ") && out.stderr.contains(" old; so: worker: alive: "),
            "{}",
            out.stderr
        );
    }
}
