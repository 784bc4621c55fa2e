//! Readiness: `unready`/`ready` (type and pool instance), what `--ready`,
//! `--json` and `Status` say of it, bad reasons, what `fail` does to it, and
//! a new process of the same container starting ready.

mod common;

use std::time::Duration;

use liveness::{Component, Error, Liveness, Probe, Verdict};

#[derive(Liveness)]
#[liveness(max_age = "90s", max_extend = "1h", env = "READY_API_PATH")]
struct Api;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "READY_REPEAT_PATH")]
struct Repeat;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "READY_FAILED_PATH")]
struct Broken;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "READY_HOSTILE_PATH")]
struct Hostile;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "READY_POOL_PATH")]
struct Consumer;

#[derive(Liveness)]
#[liveness(max_age = "90s", env = "READY_RESTART_PATH")]
struct Restarted;

#[derive(Liveness)]
#[liveness(max_age = "90s", startup_grace = "3650days", env = "READY_NEVER_PATH")]
struct Never;

/// `--ready`'s exit code and output for `probe`.
fn ready(probe: &Probe, json: bool) -> (u8, String) {
    let mut out = Vec::new();
    let args: &[&str] = if json {
        &["--ready", "--json"]
    } else {
        &["--ready"]
    };
    let code = probe.run_with(args, &mut out, &mut Vec::new());
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn unready_takes_a_component_out_of_traffic_without_touching_its_liveness() {
    common::in_own_dir!(
        unready_takes_a_component_out_of_traffic_without_touching_its_liveness,
        Api
    );
    let probe = Probe::new([Component::of::<Api>()]);
    Api::beat_now().unwrap();
    assert!(Api::check().is_ready());
    let (code, out) = ready(&probe, false);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("api: ready: last heartbeat "), "{out}");

    Api::unready("database unreachable").unwrap();
    let status = Api::check();
    assert_eq!(status.verdict(), Verdict::Alive);
    assert!(!status.is_ready());
    assert_eq!(status.unready_reason(), Some("database unreachable"));
    let (code, out) = ready(&probe, false);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("api: not ready: database unreachable (alive, last heartbeat "),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1);
    // Liveness is untouched: the plain probe is alive.
    assert_eq!(
        probe.run_with(Vec::<String>::new(), &mut Vec::new(), &mut Vec::new()),
        0
    );

    let (_, json) = ready(&probe, true);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["ready"], false);
    assert_eq!(doc["alive"], true);
    assert_eq!(doc["components"][0]["ready"], false);
    assert_eq!(
        doc["components"][0]["unready_reason"],
        "database unreachable"
    );

    Api::ready().unwrap();
    assert!(Api::check().is_ready());
    assert_eq!(ready(&probe, false).0, 0);
    let (_, json) = ready(&probe, true);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["ready"], true);
    assert_eq!(
        doc["components"][0]["unready_reason"],
        serde_json::Value::Null
    );
}

#[test]
fn unready_keeps_an_extension_and_a_beat_keeps_unready() {
    common::in_own_dir!(unready_keeps_an_extension_and_a_beat_keeps_unready, Api);
    Api::extend(Duration::from_secs(600), "reindexing").unwrap();
    Api::unready("reindexing: read only").unwrap();
    let status = Api::check();
    assert!(
        status
            .to_string()
            .contains("extended: reindexing, 10m left"),
        "{status}"
    );
    assert!(!status.is_ready());
    // Beats carry what the process last said.
    Api::beat_now().unwrap();
    assert_eq!(Api::check().unready_reason(), Some("reindexing: read only"));
}

#[test]
fn repeating_the_state_writes_nothing_and_a_new_reason_is_written() {
    common::in_own_dir!(
        repeating_the_state_writes_nothing_and_a_new_reason_is_written,
        Repeat
    );
    Repeat::beat_now().unwrap();
    let read = || std::fs::read(Repeat::path()).unwrap();
    let before = read();
    Repeat::ready().unwrap(); // a new process is ready
    assert_eq!(read(), before);
    Repeat::unready("cache warming").unwrap();
    let unready = read();
    assert_ne!(unready, before);
    for _ in 0..1000 {
        Repeat::unready("cache warming").unwrap();
    }
    assert_eq!(read(), unready);
    Repeat::unready("cache cold").unwrap();
    assert_eq!(Repeat::check().unready_reason(), Some("cache cold"));
    Repeat::ready().unwrap();
    let ready_again = read();
    Repeat::ready().unwrap();
    assert_eq!(read(), ready_again);
    assert!(Repeat::check().is_ready());
}

#[test]
fn fail_wins_over_readiness() {
    common::in_own_dir!(fail_wins_over_readiness, Broken);
    Broken::beat_now().unwrap();
    Broken::fail("lost the schema").unwrap();
    let on_disk = std::fs::read(Broken::path()).unwrap();
    Broken::unready("anyway").unwrap();
    assert!(matches!(Broken::ready(), Err(Error::Failed { .. })));
    assert_eq!(std::fs::read(Broken::path()).unwrap(), on_disk);
    let status = Broken::check();
    assert!(!status.is_ready() && !status.is_alive());
    assert!(
        status
            .ready_line()
            .to_string()
            .starts_with("broken: not ready: dead: failed: lost the schema"),
        "{}",
        status.ready_line()
    );
}

#[test]
fn hostile_reasons_are_escaped_and_bounded() {
    common::in_own_dir!(hostile_reasons_are_escaped_and_bounded, Hostile);
    Hostile::beat_now().unwrap();
    let reason = format!("db\n\u{1b}[31mdown\r{}", "x".repeat(10_000));
    Hostile::unready(&reason).unwrap();
    let status = Hostile::check();
    let given = status.unready_reason().unwrap();
    assert!(given.len() <= 120, "{}", given.len());
    assert!(given.starts_with("db\n\u{1b}[31mdown\r"));
    let line = status.ready_line().to_string();
    assert!(!line.chars().any(char::is_control), "{line:?}");
    assert!(line.contains("db\\n\\u{1b}[31mdown\\r"), "{line}");
    let probe = Probe::new([Component::of::<Hostile>()]);
    let (_, json) = ready(&probe, true);
    assert_eq!(json.lines().count(), 1);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let shown = doc["components"][0]["unready_reason"].as_str().unwrap();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    // A reason of control characters only is cut to fit its record.
    Hostile::unready(&"\u{7}".repeat(1000)).unwrap();
    let status = Hostile::check();
    assert!(status.unready_reason().unwrap().len() < 120);
    assert!(status.is_alive());
}

#[test]
fn a_pool_instance_is_unready_alone_and_the_pool_is_not_ready() {
    common::in_own_dir!(
        a_pool_instance_is_unready_alone_and_the_pool_is_not_ready,
        Consumer
    );
    assert!(matches!(
        Consumer::instance(3).unready("x"),
        Err(Error::OutsidePool { .. })
    ));
    assert!(matches!(
        Consumer::instance(3).ready(),
        Err(Error::OutsidePool { .. })
    ));
    Consumer::pool_size(3).unwrap();
    for i in 0..3 {
        Consumer::instance(i).beat_now().unwrap();
    }
    let probe = Probe::new([Component::of::<Consumer>()]);
    assert_eq!(ready(&probe, false).0, 0);
    Consumer::instance(2).unready("rebalancing").unwrap();
    let (code, out) = ready(&probe, false);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("consumer[0]: ready: "), "{out}");
    assert!(
        lines[2].starts_with("consumer[2]: not ready: rebalancing (alive, "),
        "{out}"
    );
    Consumer::instance(2).ready().unwrap();
    assert_eq!(ready(&probe, false).0, 0);
}

#[test]
fn a_component_not_started_yet_is_alive_but_not_ready() {
    common::in_own_dir!(a_component_not_started_yet_is_alive_but_not_ready, Never);
    let probe = Probe::new([Component::of::<Never>()]);
    assert_eq!(
        probe.run_with(Vec::<String>::new(), &mut Vec::new(), &mut Vec::new()),
        0
    );
    let (code, out) = ready(&probe, false);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("never: not ready: starting: "), "{out}");
}

/// The child process of the restart test: says unready, then exits.
const CHILD: &str = "READY_RESTART_CHILD";

#[test]
fn a_new_process_starts_ready_unless_it_says_otherwise() {
    if std::env::var_os(CHILD).is_some() {
        Restarted::beat_now().unwrap();
        Restarted::unready("warming up").unwrap();
        return;
    }
    common::in_own_dir!(
        a_new_process_starts_ready_unless_it_says_otherwise,
        Restarted
    );
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "a_new_process_starts_ready_unless_it_says_otherwise",
            "--exact",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("READY_RESTART_PATH", Restarted::path())
        .status()
        .unwrap();
    assert!(status.success());
    // The previous process's word stands until this one writes ...
    assert_eq!(Restarted::check().unready_reason(), Some("warming up"));
    // ... and this one starts ready: its first beat says so.
    Restarted::beat_now().unwrap();
    assert!(Restarted::check().is_ready());
}
