use std::time::Duration;

use super::{Judged, STATUS_MAX, Told, status_line};
use crate::{Component, Probe, systemd::notify::message};

fn judged(alive: bool, started: bool, line: &str) -> Judged {
    Judged {
        alive,
        started,
        line: line.to_owned(),
    }
}

/// What `told` sends for `judged`, as the datagram's text.
fn sent(told: &mut Told, judged: &Judged, pinging: bool) -> String {
    message(&told.next(judged, pinging))
}

#[test]
fn ready_once_status_on_change_pings_while_alive() {
    let mut told = Told::default();
    let starting = judged(true, false, "w: alive: starting");
    assert_eq!(
        sent(&mut told, &starting, true),
        "STATUS=w: alive: starting\nWATCHDOG=1\n"
    );
    assert_eq!(sent(&mut told, &starting, true), "WATCHDOG=1\n");
    let beating = judged(true, true, "w: alive: 0s ago");
    assert_eq!(
        sent(&mut told, &beating, true),
        "STATUS=w: alive: 0s ago\nREADY=1\nWATCHDOG=1\n"
    );
    assert_eq!(sent(&mut told, &beating, true), "WATCHDOG=1\n");
    // Without systemd's watchdog: nothing to repeat.
    assert_eq!(sent(&mut told, &beating, false), "");
}

#[test]
fn a_dead_verdict_triggers_once_and_stops_the_pings() {
    let mut told = Told::default();
    let alive = judged(true, true, "w: alive");
    let failed = judged(false, true, "w: dead: failed: schema lost");
    sent(&mut told, &alive, true);
    assert_eq!(
        sent(&mut told, &failed, true),
        "STATUS=w: dead: failed: schema lost\nWATCHDOG=trigger\n"
    );
    assert_eq!(sent(&mut told, &failed, true), "");
    // Alive again (the trigger was lost, systemd did not act): pings, and
    // a later death triggers again.
    assert_eq!(
        sent(&mut told, &alive, true),
        "STATUS=w: alive\nWATCHDOG=1\n"
    );
    assert_eq!(
        sent(&mut told, &failed, true),
        "STATUS=w: dead: failed: schema lost\nWATCHDOG=trigger\n"
    );
    // Triggered without the watchdog too: `WATCHDOG=trigger` needs no
    // `WatchdogSec=`.
    let mut unwatched = Told::default();
    assert_eq!(
        sent(&mut unwatched, &judged(false, false, "w: dead"), false),
        "STATUS=w: dead\nWATCHDOG=trigger\n"
    );
}

fn component(name: &str, dir: &std::path::Path, grace: Duration) -> Component {
    Component::new(name.to_owned(), dir.join(name), Duration::from_secs(60)).startup_grace(grace)
}

#[test]
fn the_status_is_one_bounded_line_dead_first() {
    let tmp = std::path::absolute(std::env::temp_dir()).unwrap();
    let dir = tmp.join(format!("liveness-status-line-{}", std::process::id()));
    let long = "é".repeat(200);
    let mut components: Vec<Component> = (0..20)
        .map(|i| component(&format!("{long}{i}"), &dir, Duration::from_secs(1 << 40)))
        .collect();
    components.push(component("gone\nSTATUS=forged", &dir, Duration::ZERO));
    let statuses = Probe::new(components).statuses();
    let line = status_line(&statuses);
    assert!(line.len() <= STATUS_MAX, "{} bytes", line.len());
    assert!(line.starts_with("gone\\nSTATUS=forged: dead: "), "{line}");
    assert!(!line.contains('\n'));
    assert!(line.ends_with("… (20 of 21 lines cut)"), "{line}");
    // One line of a single component is the probe's line.
    let one = Probe::new([component("one", &dir, Duration::ZERO)]).statuses();
    assert_eq!(status_line(&one), one[0].to_string());
}

/// systemd kills a service whose pings are further apart than
/// `WatchdogSec`, starting or not: the thread judges (and pings) at least
/// every ping interval, however short.
#[test]
fn a_ping_shorter_than_the_poll_is_kept_while_starting() {
    use super::{CHANGE_POLL, until_next};
    let dir = std::path::absolute(std::env::temp_dir())
        .unwrap()
        .join("liveness-sd-until-next");
    let probe = Probe::new([component("w", &dir, Duration::from_secs(3600))]);
    let statuses = crate::probe::survey(probe.components(), crate::probe::Source::Memory);
    let starting = Judged::of(&statuses);
    assert!(starting.alive && !starting.started, "{starting:?}");
    let ping = CHANGE_POLL / 5;
    assert_eq!(until_next(&statuses, &starting, Some(ping)), ping);
    assert_eq!(until_next(&statuses, &starting, None), CHANGE_POLL);
    let long = CHANGE_POLL * 5;
    assert_eq!(until_next(&statuses, &starting, Some(long)), CHANGE_POLL);
}
