use std::time::Duration;

use super::snippet;
use crate::{Component, Probe};

fn component(name: &str, max_age: u64, grace_ms: u64) -> Component {
    Component::new(
        name.to_owned(),
        format!("/tmp/liveness/{name}"),
        Duration::from_secs(max_age),
    )
    .startup_grace(Duration::from_millis(grace_ms))
    .max_extend(Duration::from_secs(600))
}

#[test]
fn the_unit_settings_with_their_arithmetic() {
    let probe = Probe::new([component("worker", 3, 1000), component("indexer", 5, 5500)])
        .subcommand("probe");
    let unit = snippet(&probe);
    let settings: Vec<&str> = unit
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(
        settings,
        [
            "[Service]",
            "Type=notify",
            "NotifyAccess=main",
            "WatchdogSec=3s",
            "TimeoutStartSec=6500ms",
            "Restart=on-failure",
            "PrivateTmp=yes",
        ],
        "{unit}"
    );
    for said in [
        "# worker: a wedged loop is restarted 3s after its last beat",
        "# indexer: a wedged loop is restarted 5s after its last beat",
        "# every WatchdogSec / 2 = 1s 500ms while every component is alive",
        "= the longest startup_grace (5s 500ms) + 1s",
        "# ExecStart=",
    ] {
        assert!(unit.contains(said), "{said:?} not in\n{unit}");
    }
}

#[test]
fn sub_second_ages_and_hostile_names_stay_settings_and_comments() {
    let probe = Probe::new([Component::new(
        "evil\n[Service]\nExecStartPre=/bin/rm -rf /",
        "/tmp/liveness/evil\nx",
        Duration::from_millis(1500),
    )
    .startup_grace(Duration::ZERO)]);
    let unit = snippet(&probe);
    for line in unit
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(
            [
                "[Service]",
                "Type=",
                "NotifyAccess=",
                "WatchdogSec=",
                "TimeoutStartSec=",
                "Restart=",
                "PrivateTmp="
            ]
            .iter()
            .any(|s| line.starts_with(s)),
            "{line:?} in\n{unit}"
        );
    }
    assert!(unit.contains("\nWatchdogSec=1500ms\n"), "{unit}");
    assert!(unit.contains("\nTimeoutStartSec=1s\n"), "{unit}");
    assert!(
        unit.contains("evil\\n[Service]\\nExecStartPre=/bin/rm -rf /"),
        "{unit}"
    );
}

#[test]
fn a_heartbeat_outside_tmp_is_warned_of() {
    let probe = Probe::new([
        Component::new("db", "/var/lib/db/heartbeat", Duration::from_secs(30)),
        Component::new("tmp", "/tmp/liveness/tmp", Duration::from_secs(30)),
        Component::new("sneaky", "/tmp/../var/x", Duration::from_secs(30)),
    ]);
    let unit = snippet(&probe);
    assert!(
        unit.contains(
            "# warning: the heartbeat of db (/var/lib/db/heartbeat) is not in /tmp,\n\
             #   so it outlives a restart"
        ),
        "{unit}"
    );
    assert!(
        unit.contains("# warning: the heartbeat of sneaky (/tmp/../var/x)"),
        "{unit}"
    );
    assert!(!unit.contains("heartbeat of tmp"), "{unit}");
    assert!(unit.ends_with("\nPrivateTmp=yes\n"), "{unit}");
}

/// The value of `key=` in `unit`.
fn value<'a>(unit: &'a str, key: &str) -> &'a str {
    unit.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in\n{unit}"))
}

#[test]
fn the_longest_durations_print_settings_systemd_reads() {
    let probe = Probe::new([
        Component::new("forever", "/tmp/liveness/forever", Duration::MAX)
            .startup_grace(Duration::MAX)
            .max_extend(Duration::MAX),
    ]);
    let unit = snippet(&probe);
    // systemd reads a time as microseconds in a u64 (u64::MAX is
    // "infinity"): anything beyond is refused, and the setting dropped.
    let watchdog = value(&unit, "WatchdogSec=");
    let secs: u64 = watchdog.strip_suffix('s').unwrap().parse().unwrap();
    assert!(
        secs.checked_mul(1_000_000).is_some_and(|us| us < u64::MAX),
        "{unit}"
    );
    assert!(secs > 1 << 40, "{unit}");
    assert_eq!(value(&unit, "TimeoutStartSec="), "infinity", "{unit}");
}

#[test]
fn the_shortest_durations_print_a_watchdog_systemd_keeps_on() {
    for age in [
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_millis(1),
    ] {
        let probe = Probe::new([Component::new("quick", "/tmp/liveness/quick", age)
            .startup_grace(Duration::from_nanos(1))]);
        let unit = snippet(&probe);
        // WatchdogSec=0 turns the watchdog off.
        assert_eq!(value(&unit, "WatchdogSec="), "2ms", "{age:?}\n{unit}");
        assert_eq!(
            value(&unit, "TimeoutStartSec="),
            "1001ms",
            "{age:?}\n{unit}"
        );
    }
}
