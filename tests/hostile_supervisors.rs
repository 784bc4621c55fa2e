//! The supervisors' snippets (`--systemd`, `--docker`, `--compose`) of
//! components declared at the edges of what a `Duration` holds, through the
//! probe's command line as a user runs it: settings the supervisor reads,
//! never a panic. (`--k8s` is tested with the Kubernetes types elsewhere.)

use std::time::Duration;

use liveness::{Component, Probe};

/// The durations at the edges: none, the least, sub-second, the most.
const EDGES: [Duration; 5] = [
    Duration::ZERO,
    Duration::from_nanos(1),
    Duration::from_millis(1),
    Duration::from_millis(1500),
    Duration::MAX,
];

fn run(probe: &Probe, flag: &str) -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = probe.run_with(
        [flag, "--command", "/p"]
            .iter()
            .take(if flag == "--systemd" { 1 } else { 3 }),
        &mut out,
        &mut err,
    );
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, 0, "{flag}: {err}\n{out}");
    out
}

/// `key` and its value, in a `key=value` (unit) or `--key=value` line.
fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split(' '))
        .filter_map(|word| word.strip_prefix(key))
        .collect()
}

/// A time as systemd reads it: microseconds below `u64::MAX`, and above 0
/// for `WatchdogSec=` (0 turns the watchdog off).
fn systemd_usec(value: &str) -> Option<u64> {
    if value == "infinity" {
        return Some(u64::MAX);
    }
    let (number, unit) = value.split_at(value.find(|c: char| !c.is_ascii_digit())?);
    let per = match unit {
        "s" => 1_000_000,
        "ms" => 1_000,
        _ => return None,
    };
    number.parse::<u64>().ok()?.checked_mul(per)
}

/// A duration as Go's `time.ParseDuration` reads it: nanoseconds in an
/// `i64`.
fn go_nanos(value: &str) -> Option<i64> {
    let (number, unit) = value.split_at(value.find(|c: char| !c.is_ascii_digit())?);
    let per = match unit {
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        _ => return None,
    };
    number.parse::<i64>().ok()?.checked_mul(per)
}

fn probe(age: Duration, grace: Duration) -> Probe {
    Probe::new([
        Component::new("edge", "/tmp/liveness-hostile-supervisors/edge", age)
            .startup_grace(grace)
            .max_extend(age),
    ])
}

#[test]
fn systemd_reads_every_unit_at_the_edges() {
    for age in EDGES {
        for grace in EDGES {
            let unit = run(&probe(age, grace), "--systemd");
            let watchdog = values(&unit, "WatchdogSec=");
            let start = values(&unit, "TimeoutStartSec=");
            let watchdog = systemd_usec(watchdog[0]);
            assert!(
                watchdog.is_some_and(|us| us > 0 && us < u64::MAX),
                "{age:?} {grace:?}:\n{unit}"
            );
            assert!(
                systemd_usec(start[0]).is_some(),
                "{age:?} {grace:?}:\n{unit}"
            );
        }
    }
}

#[test]
fn docker_and_compose_read_every_healthcheck_at_the_edges() {
    for age in EDGES {
        for grace in EDGES {
            let probe = probe(age, grace);
            let docker = run(&probe, "--docker");
            for key in ["--interval=", "--timeout=", "--start-period="] {
                let value = values(&docker, key);
                assert_eq!(value.len(), 1, "{key} in\n{docker}");
                let nanos = go_nanos(value[0]);
                assert!(nanos.is_some(), "{age:?} {grace:?}: {key}\n{docker}");
                // Docker refuses an interval or timeout under 1 ms.
                if key != "--start-period=" {
                    assert!(nanos >= Some(1_000_000), "{key}\n{docker}");
                }
            }
            let compose = run(&probe, "--compose");
            for key in ["interval: ", "timeout: ", "start_period: "] {
                let value = compose
                    .lines()
                    .find_map(|l| l.trim_start().strip_prefix(key))
                    .unwrap_or_else(|| panic!("no {key} in\n{compose}"));
                assert!(
                    go_nanos(value).is_some(),
                    "{age:?} {grace:?}: {key}\n{compose}"
                );
            }
        }
    }
}
