//! What operators use: `--json` (`--k8s` and the example Deployments are
//! checked against the Kubernetes API types in `liveness-tests/`).

mod common;

use std::time::{Duration, SystemTime};

use common::{Files, run};
use liveness::{Liveness, Timestamp};
use liveness_examples::Worker;

#[test]
fn json_reports_every_component_with_the_same_exit_codes() {
    let files = Files::new();
    Timestamp::create(&files.worker, Worker::MAX_AGE).unwrap();
    let out = run(files.probe().arg("--json"));
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 1, "one line: {}", out.stdout);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["alive"], true);
    let worker = &report["components"][0];
    assert_eq!(worker["name"], "worker");
    assert_eq!(worker["path"], common::shown(&files.worker).as_str());
    assert_eq!(worker["verdict"], "alive");
    assert_eq!(worker["max_age_ms"], 3000);
    assert_eq!(worker["startup_grace_ms"], 1000);
    assert_eq!(worker["writer_pid"], std::process::id());
    assert_eq!(worker["this_container"], true);
    assert!(worker["age_ms"].as_u64().unwrap() < 3000);
    let last_beat = humantime::parse_rfc3339(worker["last_beat"].as_str().unwrap()).unwrap();
    assert!(
        SystemTime::now()
            .duration_since(last_beat)
            .unwrap()
            .as_secs()
            < 3
    );
    assert!(
        worker["message"]
            .as_str()
            .unwrap()
            .starts_with("worker: alive: last heartbeat")
    );
    assert_eq!(report["components"][1]["name"], "indexer");

    std::fs::write(&files.worker, "garbage").unwrap();
    let out = run(files.probe().arg("--json"));
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["alive"], false);
    let worker = &report["components"][0];
    assert_eq!(worker["verdict"], "dead");
    assert_eq!(worker["age_ms"], serde_json::Value::Null);
    assert_eq!(worker["last_beat"], serde_json::Value::Null);
    assert!(
        worker["message"]
            .as_str()
            .unwrap()
            .contains("not a heartbeat record")
    );
}

#[test]
fn json_says_when_the_heartbeat_is_from_a_previous_container() {
    let files = Files::new();
    Timestamp::create(&files.worker, Worker::MAX_AGE).unwrap();
    let other = common::FakeProc::container_started(std::time::Duration::ZERO);
    let out = run(files
        .probe()
        .arg("--json")
        .env("LIVENESS_PROC_ROOT", other.path()));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["components"][0]["this_container"], false);
    assert_eq!(report["components"][0]["verdict"], "starting");
    assert_eq!(report["components"][0]["why"], "starting");
}

#[test]
fn a_probe_of_no_component_is_a_usage_error() {
    let probe = liveness::Probe::new([]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(probe.run_with(Vec::<String>::new(), &mut out, &mut err), 2);
    assert!(out.is_empty());
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "error: this probe judges no component: list at least one\n"
    );
}

/// Fails when asked: a failure record at a path of its own.
#[derive(Liveness)]
#[liveness(max_age = "30s", env = "FAILING_PATH")]
struct Failing;

/// Extends when asked.
#[derive(Liveness)]
#[liveness(max_age = "30s", max_extend = "1h", env = "EXTENDING_PATH")]
struct Extending;

#[test]
fn json_says_why_each_verdict_is_what_it_is() {
    use liveness::Component;
    common::in_own_dir!(json_says_why_each_verdict_is_what_it_is, Failing, Extending);
    let dir = common::scratch();
    let at = |name: &str| dir.path().join(name);
    Timestamp::create(at("fresh"), secs(30)).unwrap();
    Timestamp::create_at(at("stale"), secs(30), SystemTime::now() - secs(300)).unwrap();
    std::fs::write(at("invalid"), "garbage").unwrap();
    std::fs::write(at("empty"), "").unwrap();
    Failing::fail("the disk is gone").unwrap();
    Extending::extend(secs(600), "compacting").unwrap();
    let component =
        |name: &str| Component::new(name.to_owned(), at(name), secs(30)).startup_grace(secs(0));
    let probe = liveness::Probe::new([
        component("fresh"),
        component("stale"),
        component("invalid"),
        component("empty"),
        component("missing"),
        Component::of::<Failing>(),
        Component::of::<Extending>(),
        Component::new("one", at("shared"), secs(30)),
        Component::new("two", at("shared"), secs(30)),
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(probe.run_with(["--json"], &mut out, &mut err), 1);
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let why: Vec<(&str, &str)> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["why"].as_str().unwrap()))
        .collect();
    assert_eq!(
        why,
        [
            ("fresh", "fresh"),
            ("stale", "stale"),
            ("invalid", "invalid"),
            ("empty", "empty"),
            ("missing", "missing"),
            ("failing", "failed"),
            ("extending", "extended"),
            ("one", "shared-file"),
            ("two", "shared-file"),
        ],
        "{report}"
    );
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
