//! `/metrics` and `Probe::metrics`, read by a parser someone else wrote:
//! Python's `prometheus_client.parser.text_string_to_metric_families`
//! (PyPI `prometheus_client`, which `.ci/run` installs). Every sample of
//! every state parses, with the labels and values the verdicts say, and the
//! ages move as they should.

#![cfg(unix)]

mod common;

use std::{
    collections::BTreeMap,
    io::Write,
    net::SocketAddr,
    process::Stdio,
    time::{Duration, SystemTime},
};

use liveness::{Component, Liveness, Probe, Timestamp};
use serde_json::Value;

#[derive(Liveness)]
#[liveness(max_age = "10s", env = "METRICS_POOL_PATH")]
struct Pool;

#[derive(Liveness)]
#[liveness(max_age = "60s", max_extend = "1h", env = "METRICS_LONG_PATH")]
struct Long;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "METRICS_BROKEN_PATH")]
struct Broken;

/// Fetches `/metrics` from `addr` with `urllib` (or parses stdin when
/// `addr` is `-`), and prints the families (`name`, `type`, `help`) and
/// their samples (`name`, `labels`, `value`) as one JSON document, with the
/// response's `Content-Type`.
const PARSE: &str = "\
import json, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
if sys.argv[1] == '-':
    text, content_type = sys.stdin.read(), None
else:
    with urllib.request.urlopen('http://%s/metrics' % sys.argv[1], timeout=5) as r:
        text, content_type = r.read().decode(), r.headers['Content-Type']
families = [{'name': f.name, 'type': f.type, 'help': f.documentation,
             'samples': [{'name': s.name, 'labels': s.labels, 'value': s.value} for s in f.samples]}
            for f in text_string_to_metric_families(text)]
json.dump({'content_type': content_type, 'families': families, 'text': text}, sys.stdout)
";

/// A family's samples: their labels and values.
type Samples = Vec<(BTreeMap<String, String>, f64)>;

/// What the parser read.
struct Parsed {
    content_type: Option<String>,
    /// Per family name: its type, help, and samples (labels, value).
    families: BTreeMap<String, (String, String, Samples)>,
    text: String,
}

impl Parsed {
    /// The value of `family` for the sample labelled `component` (and
    /// `instance`); `None` when there is no such sample.
    fn value(&self, family: &str, component: &str, instance: Option<u32>) -> Option<f64> {
        let instance = instance.map(|i| i.to_string());
        let (_, _, samples) = self.families.get(family).expect(family);
        let mut found = samples.iter().filter(|(labels, _)| {
            labels.get("component").map(String::as_str) == Some(component)
                && labels.get("instance") == instance.as_ref()
        });
        let value = found.next().map(|(_, v)| *v);
        assert!(
            found.next().is_none(),
            "two samples of {family} for {component}"
        );
        value
    }
}

/// Runs the parser on `text` (`None`: fetch from `addr`).
fn parse(addr: Option<SocketAddr>, text: Option<&str>) -> Parsed {
    let target = addr.map_or("-".to_owned(), |a| a.to_string());
    let mut child = common::http::tool("python3")
        .args(["-c", PARSE, &target])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.unwrap_or_default().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client could not parse it (install it: `pip install prometheus_client`): {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        text.unwrap_or_default()
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut families: BTreeMap<_, (String, String, Samples)> = BTreeMap::new();
    for family in doc["families"].as_array().unwrap() {
        let samples = family["samples"].as_array().unwrap().iter().map(|s| {
            assert_eq!(s["name"], family["name"], "a sample of another name");
            let labels = serde_json::from_value(s["labels"].clone()).unwrap();
            (labels, s["value"].as_f64().unwrap())
        });
        let entry = (
            family["type"].as_str().unwrap().to_owned(),
            family["help"].as_str().unwrap().to_owned(),
            samples.collect(),
        );
        families.insert(family["name"].as_str().unwrap().to_owned(), entry);
    }
    let text = doc["text"].as_str().unwrap().to_owned();
    // Every sample line was read as a sample: none lost, none merged.
    let lines = text.lines().filter(|l| !l.starts_with('#')).count();
    let samples: usize = families.values().map(|f| f.2.len()).sum();
    assert_eq!(samples, lines, "{text}");
    Parsed {
        content_type: doc["content_type"].as_str().map(str::to_owned),
        families,
        text,
    }
}

/// Every family has its help and is a gauge; every status that `/livez`
/// shows in JSON (the same survey: from memory, the grace from the
/// process's start) has its samples, with the values of its verdict; with
/// `exact`, nothing beats in between, and the last beat's time is the same.
fn check_every_status(probe: &Probe, parsed: &Parsed, exact: bool) {
    for (name, (kind, help, _)) in &parsed.families {
        assert_eq!(kind, "gauge", "{name}");
        assert!(!help.is_empty(), "{name} has no HELP");
    }
    let livez = probe.respond("/livez", Some("application/json"));
    let doc: Value = serde_json::from_str(livez.body()).unwrap();
    for status in doc["components"].as_array().unwrap() {
        let name = status["name"].as_str().unwrap();
        let instance = status["instance"]
            .as_u64()
            .map(|i| u32::try_from(i).unwrap());
        let value = |family| parsed.value(family, name, instance);
        let flag = |key: &str| Some(if status[key] == true { 1.0 } else { 0.0 });
        assert_eq!(value("liveness_alive"), flag("alive"), "{status}");
        assert_eq!(value("liveness_started"), flag("started"), "{status}");
        assert_eq!(value("liveness_ready"), flag("ready"), "{status}");
        let failed = Some(if status["state"] == "failed" {
            1.0
        } else {
            0.0
        });
        assert_eq!(value("liveness_failed"), failed, "{status}");
        let max_age = status["max_age_ms"].as_f64().unwrap() / 1e3;
        assert_eq!(value("liveness_max_age_seconds"), Some(max_age));
        assert_eq!(value("liveness_file_info"), Some(1.0));
        let has_age = value("liveness_heartbeat_age_seconds").is_some();
        assert_eq!(has_age, !status["age_ms"].is_null(), "{status}");
        let beat = value("liveness_last_beat_timestamp_seconds");
        assert_eq!(beat.is_some(), !status["last_beat"].is_null(), "{status}");
        if let (Some(beat), Some(last), true) = (beat, status["last_beat"].as_str(), exact) {
            let last = humantime::parse_rfc3339(last).unwrap();
            let last = last.duration_since(SystemTime::UNIX_EPOCH).unwrap();
            assert!((beat - last.as_secs_f64()).abs() < 0.002, "{beat} {status}");
        }
    }
}

#[test]
fn every_state_parses_with_the_values_of_its_verdict() {
    common::in_own_dir!(
        every_state_parses_with_the_values_of_its_verdict,
        Long,
        Broken
    );
    let dir = Long::path().parent().unwrap().to_owned();
    let minute = Duration::from_secs(60);
    let stale = dir.join("stale");
    Timestamp::create_at(&stale, minute, SystemTime::now() - 2 * minute).unwrap();
    Broken::fail("lost \"the\" db\\\n").unwrap();
    Long::extend(Duration::from_secs(600), "reindexing").unwrap();
    Long::unready("cache warming").unwrap();
    let probe = Probe::new([
        Component::of::<Long>(),
        Component::new("stale", stale, minute),
        Component::of::<Broken>(),
        Component::new("missing", dir.join("missing"), minute),
    ]);
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let served = parse(Some(server.local_addr()), None);
    assert_eq!(
        served.content_type.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    check_every_status(&probe, &served, true);
    check_every_status(&probe, &parse(None, Some(&probe.metrics())), true);
    assert_eq!(served.value("liveness_alive", "stale", None), Some(0.0));
    assert_eq!(served.value("liveness_failed", "broken", None), Some(1.0));
    // Unready, and alive all the same.
    assert_eq!(served.value("liveness_ready", "long", None), Some(0.0));
    assert_eq!(served.value("liveness_alive", "long", None), Some(1.0));
    let until = served.value("liveness_extended_until_timestamp_seconds", "long", None);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let left = until.unwrap() - now.as_secs_f64();
    assert!(
        (590.0..=600.0).contains(&left),
        "extended for {left} s more"
    );
    assert_eq!(
        served.value("liveness_extended_until_timestamp_seconds", "stale", None),
        None
    );
    assert!(!served.text.contains("lost"), "a reason is no label");
}

/// Asserts that the parser reads back every component of `names`, with
/// its name and path labels as `/livez`'s JSON shows them.
fn parse_back(names: &[String]) {
    let dir = common::scratch();
    let components = names.iter().enumerate().map(|(i, name)| {
        let path = dir.path().join(format!("p{i}-{}", name.replace('/', "")));
        Component::new(name.clone(), path, Duration::from_secs(30))
    });
    let probe = Probe::new(components);
    let parsed = parse(None, Some(&probe.metrics()));
    check_every_status(&probe, &parsed, true);
    let (_, _, files) = &parsed.families["liveness_file_info"];
    let livez = probe.respond("/livez", Some("application/json"));
    let doc: Value = serde_json::from_str(livez.body()).unwrap();
    for json in doc["components"].as_array().unwrap() {
        let found = files.iter().any(|(labels, _)| {
            labels["component"] == json["name"] && labels["path"] == json["path"]
        });
        assert!(found, "{json} not in {files:?}");
    }
    assert_eq!(files.len(), names.len());
}

#[test]
fn hostile_names_and_paths_parse_back_as_their_lines_show_them() {
    let names = [
        "new\nline",
        "quo\"te",
        "back\\slash",
        "\\\"\n",
        "esc\u{1b}[31m",
        "}\"} 1\nliveness_alive{component=\"x\"} 0",
        "",
        "ünïcödé",
    ];
    parse_back(&names.map(String::from));
}

/// Random names from the characters that break formats and any others,
/// 200 components in one document, read back by the parser: a seed per
/// run (printed when it fails).
#[test]
fn random_names_and_paths_parse_back() {
    const TRICKY: &[char] = &[
        '\n', '\r', '\t', '"', '\\', '{', '}', '=', ',', ' ', '#', '\u{1b}', '\u{202e}', '\u{0}',
        'é', '\u{7f}',
    ];
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        | 1;
    let mut state = u64::from(seed);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Numbered: samples are told apart by name (`Probe::metrics`).
    let names: Vec<String> = (0..200)
        .map(|i| {
            let len = next() % 12;
            let random: String = (0..len)
                .map(|_| match next() % 3 {
                    0 => char::from_u32((next() % 0x3000) as u32).unwrap_or('x'),
                    _ => TRICKY[(next() % TRICKY.len() as u64) as usize],
                })
                .collect();
            format!("{i}{random}")
        })
        .collect();
    eprintln!("seed {seed}");
    parse_back(&names);
}

#[test]
fn a_wedged_instance_s_age_grows_and_the_others_stay_within_the_throttle() {
    common::in_own_dir!(
        a_wedged_instance_s_age_grows_and_the_others_stay_within_the_throttle,
        Pool
    );
    Pool::pool_size(4).unwrap();
    Pool::instance(2).beat_now().unwrap(); // then never again
    let beating = std::thread::spawn(|| {
        for _ in 0..60 {
            for i in [0, 1, 3] {
                Pool::instance(i).beat().unwrap();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let probe = Probe::new([Component::of::<Pool>()]);
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let age = |parsed: &Parsed, i| {
        parsed
            .value("liveness_heartbeat_age_seconds", "pool", Some(i))
            .unwrap()
    };
    std::thread::sleep(Duration::from_millis(200));
    let first = parse(Some(server.local_addr()), None);
    std::thread::sleep(Duration::from_millis(1500));
    let second = parse(Some(server.local_addr()), None);
    beating.join().unwrap();
    // The throttle writes a beat at most every max_age / 10 (1 s here);
    // the margin is for a busy machine's scheduler.
    let throttle = 1.0;
    for parsed in [&first, &second] {
        check_every_status(&probe, parsed, false);
        for i in [0, 1, 3] {
            assert!(
                age(parsed, i) <= throttle + 1.0,
                "instance {i}: {}",
                parsed.text
            );
        }
    }
    assert!(age(&second, 2) - age(&first, 2) >= 1.49, "{}", second.text);
    assert!(age(&second, 2) > throttle, "{}", second.text);
}
