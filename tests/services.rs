//! Services as they run: pools of workers, declared long operations,
//! self-declared failure, startup probes, components known at run time.

mod common;

use std::{path::Path, process::Command, time::Duration};

use common::{FakeProc, Files, lines, run};
use liveness::{Component, Error, Liveness, Probe, State, Verdict};

#[derive(Liveness)]
#[liveness(max_age = "1s", max_extend = "10s", env = "EXTENDED_PATH")]
struct Extended;

#[derive(Liveness)]
#[liveness(max_age = "1s", max_extend = "10s", env = "EXTENDED_TOO_LONG_PATH")]
struct ExtendedTooLong;

/// Beats at most once a second (`max_age` 90 s): a beat right after
/// another is skipped, unless an extension came between them.
#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "1h", env = "LOOPING_PATH")]
struct Looping;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "NO_EXTEND_PATH")]
struct NoExtend;

#[derive(Liveness)]
#[liveness(max_age = "2s", env = "POOL_PATH")]
struct Pool;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "FAILING_PATH")]
struct Failing;

#[test]
fn an_extension_keeps_a_component_alive_past_max_age_until_it_runs_out() {
    common::in_own_dir!(
        an_extension_keeps_a_component_alive_past_max_age_until_it_runs_out,
        Extended
    );
    Extended::extend(Duration::from_millis(2500), "reindexing").unwrap();
    std::thread::sleep(Duration::from_millis(1500)); // past max_age (1 s)
    let status = Extended::check();
    assert_eq!(
        (status.verdict(), status.state()),
        (Verdict::Alive, Some(State::Extended)),
        "{status}"
    );
    assert_eq!(status.reason(), Some("reindexing"));
    assert!(
        status
            .to_string()
            .starts_with("extended: alive: extended: reindexing, "),
        "{status}"
    );
    std::thread::sleep(Duration::from_millis(1200)); // past the extension
    let status = Extended::check();
    assert_eq!(status.verdict(), Verdict::Dead, "{status}");
    assert!(
        status
            .to_string()
            .starts_with("extended: dead: extension ran out "),
        "{status}"
    );

    // The next beat ends an extension, even one the throttle would skip.
    Extended::beat_now().unwrap();
    Extended::extend(Duration::from_secs(10), "reindexing").unwrap();
    Extended::beat().unwrap();
    assert_eq!(
        Extended::check().state(),
        Some(State::Beating),
        "{}",
        Extended::check()
    );
}

#[test]
fn a_beat_right_after_an_extension_ends_it_though_the_throttle_would_skip_it() {
    common::in_own_dir!(
        a_beat_right_after_an_extension_ends_it_though_the_throttle_would_skip_it,
        Looping
    );
    // A loop: it beats (a write, the next one due in a second), asks for an
    // hour, and beats again at once, done. A hang now must show within
    // max_age, not the hour.
    Looping::beat().unwrap();
    Looping::extend(Duration::from_secs(3600), "compacting").unwrap();
    Looping::beat().unwrap();
    let status = Looping::check();
    assert_eq!(status.state(), Some(State::Beating), "{status}");
    let record = std::fs::read_to_string(Looping::path()).unwrap();
    assert!(record.contains(" state=beating "), "{record}");
}

#[test]
fn an_extension_past_max_extend_or_undeclared_is_refused_and_records_nothing() {
    common::in_own_dir!(
        an_extension_past_max_extend_or_undeclared_is_refused_and_records_nothing,
        ExtendedTooLong,
        NoExtend
    );
    ExtendedTooLong::beat_now().unwrap();
    let before = std::fs::read(ExtendedTooLong::path()).unwrap();
    let error = ExtendedTooLong::extend(Duration::from_secs(11), "too long").unwrap_err();
    assert!(matches!(error, Error::ExtendTooLong { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "extended-too-long cannot extend by 11s: more than its max_extend, 10s"
    );
    assert_eq!(
        std::fs::read(ExtendedTooLong::path()).unwrap(),
        before,
        "something was recorded"
    );
    let error = NoExtend::extend(Duration::from_secs(1), "why not").unwrap_err();
    assert!(
        matches!(error, Error::ExtendNotDeclared { .. }),
        "{error:?}"
    );
    assert!(!NoExtend::path().exists());
}

#[test]
fn a_failure_is_dead_at_once_and_stays_dead_through_beats() {
    common::in_own_dir!(
        a_failure_is_dead_at_once_and_stays_dead_through_beats,
        Failing
    );
    Failing::beat_now().unwrap();
    Failing::fail("lost the \x1b[31mdatabase\nschema").unwrap();
    for _ in 0..3 {
        let error = Failing::beat_now().unwrap_err();
        assert!(matches!(error, Error::Failed { .. }), "{error:?}");
        Failing::beat().unwrap();
        let status = Failing::check();
        assert_eq!(
            (status.verdict(), status.state()),
            (Verdict::Dead, Some(State::Failed))
        );
        assert_eq!(
            status.to_string(),
            format!(
                "failing: dead: failed: lost the \\u{{1b}}[31mdatabase\\nschema ({})",
                common::shown(&Failing::path())
            )
        );
    }
}

#[test]
fn a_failure_stands_for_the_container_and_a_restart_clears_it() {
    let files = Files::new();
    let _ = std::fs::remove_file(&files.indexer); // the worker beats it
    let container = FakeProc::container_started(Duration::from_secs(5).min(common::uptime()));
    let in_container = |cmd: &mut Command| {
        cmd.env("LIVENESS_PROC_ROOT", container.path());
    };
    let mut worker = files.start_worker(Some(&container), &["--fail-after", "0.2"]);
    let out = common::until(
        || run(files.probe().env("LIVENESS_PROC_ROOT", container.path())),
        |o| o.stdout.contains("failed"),
    );
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(
        out.stdout
            .starts_with("worker: dead: failed: lost the database schema ("),
        "{}",
        out.stdout
    );
    // Another process of the same container does not clear it.
    let mut again = files.start_worker(Some(&container), &[]);
    std::thread::sleep(Duration::from_millis(300));
    let mut probe = files.probe();
    in_container(&mut probe);
    let out = run(&mut probe);
    again.kill().unwrap();
    again.wait().unwrap();
    assert!(
        out.stdout.starts_with("worker: dead: failed: "),
        "{}",
        out.stdout
    );
    // A restarted container beats afresh.
    common::assert_alive_after_a_restart(&files);
}

#[test]
fn a_pool_judges_every_instance_beaten_from_threads() {
    common::in_own_dir!(a_pool_judges_every_instance_beaten_from_threads, Pool);
    let path = Pool::path();
    let probe = Probe::new([Component::of::<Pool>()]);
    // Without a pool record, the type is one heartbeat.
    assert_eq!(lines(&probe).len(), 1);
    Pool::pool_size(4).unwrap();
    // Instances that never beat get the startup grace; this test's
    // container (the machine) is older than that: dead.
    let statuses = probe.statuses();
    assert_eq!(statuses.len(), 4);
    assert!(
        statuses
            .iter()
            .all(|s| s.verdict() == Verdict::Dead && !s.has_started()),
        "{statuses:?}"
    );
    std::thread::scope(|s| {
        for i in [0, 1, 3] {
            s.spawn(move || Pool::instance(i).beat_now().unwrap());
        }
    });
    Pool::instance(2).beat_now().unwrap();
    std::thread::sleep(Duration::from_millis(2100)); // instance 2 goes stale
    std::thread::scope(|s| {
        for i in [0, 1, 3] {
            s.spawn(move || Pool::instance(i).beat_now().unwrap());
        }
    });
    let shown = lines(&probe);
    assert_eq!(shown.len(), 4, "{shown:#?}");
    for (i, line) in shown.iter().enumerate() {
        let verdict = if i == 2 { "dead" } else { "alive" };
        assert!(
            line.starts_with(&format!("pool[{i}]: {verdict}: last heartbeat ")),
            "{line}"
        );
        assert!(
            line.ends_with(&format!("({}.{i})", common::shown(&path))),
            "{line}"
        );
    }
    // Shrinking retires the rest.
    Pool::pool_size(2).unwrap();
    let shown = lines(&probe);
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(shown.iter().all(|l| l.contains(": alive: ")), "{shown:#?}");
    // The type's own heartbeat, once it beats, is judged beside them.
    Pool::beat_now().unwrap();
    assert_eq!(lines(&probe)[0].split(':').next(), Some("pool"));
}

#[test]
fn a_previous_container_s_pool_is_no_pool() {
    let dir = common::scratch();
    let path = dir.path().join("consumer");
    let pool = |proc: &FakeProc, args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pool"));
        cmd.args(args)
            .env("CONSUMER_LIVENESS_PATH", &path)
            .env("LIVENESS_PROC_ROOT", proc.path())
            .stderr(std::process::Stdio::null());
        cmd
    };
    let first = FakeProc::container_started(Duration::ZERO);
    let mut running = pool(&first, &["--period", "20"]).spawn().unwrap();
    let out = common::until(
        || common::run(&mut pool(&first, &["probe"])),
        |o| {
            o.stdout
                .lines()
                .filter(|l| l.contains(": alive: last heartbeat "))
                .count()
                == 4
        },
    );
    running.kill().unwrap();
    running.wait().unwrap();
    assert!(
        out.stdout
            .starts_with("consumer[0]: alive: last heartbeat "),
        "{}",
        out.stdout
    );
    // The container restarts: its pool is not recorded yet.
    std::thread::sleep(Duration::from_millis(1100));
    let second = FakeProc::container_started(Duration::from_millis(50));
    let out = common::run(&mut pool(&second, &["probe", "--json"]));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let components = report["components"].as_array().unwrap();
    assert_eq!(components.len(), 1, "{report}");
    assert_eq!(components[0]["state"], "starting", "{report}");
    assert_eq!(components[0]["instance"], serde_json::Value::Null);
}

/// The same component, as a type and as configuration.
#[derive(Liveness)]
#[liveness(
    max_age = "3s",
    startup_grace = "2s",
    max_extend = "1m",
    env = "CONFIGURED_PATH"
)]
struct Configured;

fn configured() -> Component {
    Component::new("configured", Configured::path(), Duration::from_secs(3))
        .startup_grace(Duration::from_secs(2))
        .max_extend(Duration::from_secs(60))
}

#[test]
fn a_component_built_at_run_time_is_judged_as_the_derived_one() {
    common::in_own_dir!(
        a_component_built_at_run_time_is_judged_as_the_derived_one,
        Configured
    );
    let path = Configured::path();
    let derived = Probe::new([Component::of::<Configured>()]);
    let built = Probe::new([configured()]);
    type Setup = (&'static str, fn(&Path));
    let setups: [Setup; 6] = [
        ("missing", |p| {
            let _ = std::fs::remove_file(p);
        }),
        ("fresh", |_| Configured::beat_now().unwrap()),
        ("extended", |_| {
            Configured::extend(Duration::from_secs(30), "compacting").unwrap()
        }),
        ("stale", |p| {
            liveness::Timestamp::create_at(
                p,
                Duration::from_secs(3),
                std::time::SystemTime::now() - Duration::from_secs(9),
            )
            .unwrap();
        }),
        ("another component", |p| {
            std::fs::write(
                p,
                common::record::seal(&common::record::set(
                    &common::record::body(&std::fs::read(p).unwrap()),
                    "name",
                    "\"other\"",
                )),
            )
            .unwrap()
        }),
        ("garbage", |p| std::fs::write(p, "garbage").unwrap()),
    ];
    for (what, setup) in setups {
        setup(&path);
        assert_eq!(judged(&derived), judged(&built), "{what}");
    }
}

/// What `probe` says of its one component, but for the times it measures
/// from now (ages, time left, the deadline): two probes asked one after the
/// other see the same heartbeat a millisecond apart now and then.
fn judged(probe: &Probe) -> impl PartialEq + std::fmt::Debug {
    let status = probe.statuses().remove(0);
    let shown = status.to_string();
    let line: Vec<&str> = shown
        .split(' ')
        .map(|word| {
            let bare = word.trim_end_matches([',', ')']);
            if humantime::parse_duration(bare).is_ok() {
                "<time>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>();
    let mut line = line.join(" ");
    while line.contains("<time> <time>") {
        line = line.replace("<time> <time>", "<time>");
    }
    (
        line,
        status.verdict(),
        status.state(),
        status.reason().map(str::to_owned),
        status.last_beat(),
        status.max_age(),
        status.startup_grace(),
    )
}

#[test]
fn startup_exits_0_once_every_component_beat_in_this_container() {
    let files = Files::new();
    let container = FakeProc::container_started(Duration::ZERO);
    let startup = || {
        run(files
            .probe()
            .arg("--startup")
            .env("LIVENESS_PROC_ROOT", container.path()))
    };
    let out = startup();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .starts_with("worker: not started: starting: no heartbeat yet"),
        "{}",
        out.stdout
    );
    // The liveness probe meanwhile says alive: starting.
    assert_eq!(
        run(files.probe().env("LIVENESS_PROC_ROOT", container.path())).code,
        0
    );
    let mut worker = files.start_worker(Some(&container), &[]);
    let out = common::until(startup, |o| o.code == 0);
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(
        out.stdout.starts_with("worker: started: last heartbeat "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("indexer: started: "),
        "{}",
        out.stdout
    );
    // After a restart, the old container's beats do not count.
    std::thread::sleep(Duration::from_millis(1100));
    let restarted = FakeProc::container_started(Duration::from_millis(100));
    let out = run(files
        .probe()
        .arg("--startup")
        .env("LIVENESS_PROC_ROOT", restarted.path()));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("not started: starting: no heartbeat from this container"),
        "{}",
        out.stdout
    );
    let out = run(files
        .probe()
        .args(["--startup", "--json"])
        .env("LIVENESS_PROC_ROOT", restarted.path()));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!((report["started"].as_bool(), out.code), (Some(false), 1));
}

#[test]
fn json_carries_instance_state_reason_and_deadline() {
    let dir = common::scratch();
    let path = dir.path().join("consumer");
    let out = Command::new(env!("CARGO_BIN_EXE_pool"))
        .args(["--tasks", "2", "--period", "20"])
        .env("CONSUMER_LIVENESS_PATH", &path)
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut pool = out.unwrap();
    let probe = || {
        let out = Command::new(env!("CARGO_BIN_EXE_pool"))
            .args(["probe", "--json"])
            .env("CONSUMER_LIVENESS_PATH", &path)
            .output()
            .unwrap();
        common::Run {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::new(),
        }
    };
    let out = common::until(probe, |o| {
        o.code == 0 && o.stdout.contains("\"state\":\"beating\"")
    });
    pool.kill().unwrap();
    pool.wait().unwrap();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let second = &report["components"][1];
    assert_eq!(second["name"], "consumer");
    assert_eq!(second["instance"], 1);
    assert_eq!(second["state"], "beating");
    assert_eq!(second["reason"], serde_json::Value::Null);
    let deadline = humantime::parse_rfc3339(second["deadline"].as_str().unwrap()).unwrap();
    let left = deadline
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    assert!(
        left <= Duration::from_secs(3) && left > Duration::ZERO,
        "{left:?}"
    );
    assert!(
        second["message"]
            .as_str()
            .unwrap()
            .starts_with("consumer[1]: alive: ")
    );
}
