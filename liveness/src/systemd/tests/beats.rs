//! The pings the beats send: they come while the loops beat, stop when one
//! stops, and the thread, asleep while they flow, still pings when they
//! cannot (an extension, a watchdog shorter than the writes).

use std::{
    borrow::Cow,
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
    thread,
    time::Duration,
};

use super::{Dir, listen, receive, turn, watching};
use crate::{
    Component, Heartbeat, Probe,
    declaration::Declaration,
    heartbeat::{Handle, Target},
    record::Event,
    systemd::{ping::WRITE_PINGS, watch::JUDGEMENTS},
};

/// A component of this process, beaten as `beat` does.
struct Beater {
    heartbeat: &'static Heartbeat,
    declaration: Declaration,
}

impl Beater {
    fn new(
        heartbeat: &'static Heartbeat,
        name: &'static str,
        path: PathBuf,
        max_age_ms: u64,
    ) -> Beater {
        let max_age = Duration::from_millis(max_age_ms);
        Beater {
            heartbeat,
            declaration: Declaration::fixed(Cow::Borrowed(name), path, max_age),
        }
    }

    fn component(&self) -> Component {
        Component {
            declaration: self.declaration.clone(),
            heartbeat: Some(self.heartbeat),
        }
    }

    fn target(&self) -> Target<'_> {
        Target {
            declaration: &self.declaration,
            pool: self.heartbeat.pool(),
            slot: Handle::Own(self.heartbeat.own()),
            instance: None,
        }
    }

    /// `beat()`: a write only when the throttle lets one through.
    fn beat(&self) {
        let slot = self.heartbeat.own();
        if let Some(due) = slot.due(self.declaration.max_age()) {
            let caller = std::panic::Location::caller();
            slot.claim_and_write(due, self.target(), caller).unwrap();
        }
    }

    fn record(&self, event: Event) {
        let caller = std::panic::Location::caller();
        self.heartbeat
            .own()
            .record(self.target(), event, caller)
            .unwrap();
    }

    /// Beats every millisecond until `stop`.
    fn beat_until(&self, stop: &AtomicBool) {
        while !stop.load(Ordering::Acquire) {
            self.beat();
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Stops the beating threads when dropped, a failed assertion too: the
/// scope waits for them.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Receives pings until another message; that message, and how many pings
/// came before it (no more than `most`: a hang guard).
fn pings_then(systemd: &std::os::unix::net::UnixDatagram, most: usize) -> (usize, String) {
    for pinged in 0..=most {
        let message = receive(systemd);
        if !message.ends_with("WATCHDOG=1\n") {
            return (pinged, message);
        }
    }
    panic!("still pinging after {most} pings");
}

/// Receives until `READY=1` (the components beating).
fn until_ready(systemd: &std::os::unix::net::UnixDatagram) {
    while !receive(systemd).contains("READY=1\n") {}
}

/// Receives `n` messages, each a ping.
fn pings(systemd: &std::os::unix::net::UnixDatagram, n: usize) {
    for _ in 0..n {
        let ping = receive(systemd);
        assert!(ping.ends_with("WATCHDOG=1\n"), "{ping:?}");
    }
}

#[test]
fn beats_that_land_ping_and_the_thread_sleeps() {
    static WORKER: Heartbeat = Heartbeat::new();
    let _turn = turn();
    let dir = Dir::new("beats");
    let systemd = listen(&dir.0);
    // The `--systemd` shape: max_age 100 ms, WatchdogSec=100ms, a write
    // every 10 ms, a ping due every 25 to 50 ms.
    let worker = Beater::new(&WORKER, "worker", dir.0.join("worker"), 100);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| worker.beat_until(&stop));
        let _stop = Stop(&stop);
        let watchdog = Probe::new([worker.component()])
            .watch(watching(&dir.0, Duration::from_millis(50)))
            .unwrap();
        until_ready(&systemd);
        let (judged, written) = (
            JUDGEMENTS.load(Ordering::Relaxed),
            WRITE_PINGS.load(Ordering::Relaxed),
        );
        pings(&systemd, 20);
        let judged = JUDGEMENTS.load(Ordering::Relaxed) - judged;
        let written = WRITE_PINGS.load(Ordering::Relaxed) - written;
        // Each ping the thread sends costs it a wake-up and a judgement: the
        // beats send most of them.
        assert!(
            written >= 10 && judged < written,
            "{written} pings from the beats, {judged} judgements"
        );
        drop(watchdog);
    });
}

#[test]
fn a_component_that_stops_beating_stops_the_pings_and_triggers() {
    static WORKER: Heartbeat = Heartbeat::new();
    static WEDGED: Heartbeat = Heartbeat::new();
    let _turn = turn();
    let dir = Dir::new("wedged");
    let systemd = listen(&dir.0);
    let worker = Beater::new(&WORKER, "worker", dir.0.join("worker"), 100);
    let wedged = Beater::new(&WEDGED, "wedged", dir.0.join("wedged"), 300);
    let (stop, wedge) = (AtomicBool::new(false), AtomicBool::new(false));
    thread::scope(|s| {
        s.spawn(|| worker.beat_until(&stop));
        s.spawn(|| wedged.beat_until(&wedge));
        let (_stop, _wedge) = (Stop(&stop), Stop(&wedge));
        let _watchdog = Probe::new([worker.component(), wedged.component()])
            .watch(watching(&dir.0, Duration::from_millis(50)))
            .unwrap();
        until_ready(&systemd);
        pings(&systemd, 4);
        wedge.store(true, Ordering::Release);
        // Pings at least 25 ms apart: 12 at most within its 300 ms, and one
        // in flight; then the trigger, while the worker still beats.
        let (_, last) = pings_then(&systemd, 14);
        assert!(
            last.starts_with("STATUS=wedged: dead: ") && last.ends_with("\nWATCHDOG=trigger\n"),
            "{last:?}"
        );
    });
}

#[test]
fn an_extension_keeps_the_pings_and_the_beat_after_it_ends_it() {
    static WORKER: Heartbeat = Heartbeat::new();
    static COMPACTOR: Heartbeat = Heartbeat::new();
    let _turn = turn();
    let dir = Dir::new("extension");
    let systemd = listen(&dir.0);
    let worker = Beater::new(&WORKER, "worker", dir.0.join("worker"), 100);
    let compactor = Beater::new(&COMPACTOR, "compactor", dir.0.join("compactor"), 100);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| worker.beat_until(&stop));
        let _stop = Stop(&stop);
        compactor.record(Event::Extend {
            by: Duration::from_secs(3600),
            reason: "compacting".into(),
        });
        let _watchdog = Probe::new([worker.component(), compactor.component()])
            .watch(watching(&dir.0, Duration::from_millis(50)))
            .unwrap();
        until_ready(&systemd);
        // Far past its max_age (pings at least 25 ms apart), not beating:
        // alive all along.
        pings(&systemd, 12);
        // One beat ends the extension: dead a max_age later, not in an hour.
        compactor.beat();
        let (_, last) = pings_then(&systemd, 10);
        assert!(
            last.starts_with("STATUS=compactor: dead: ") && last.ends_with("\nWATCHDOG=trigger\n"),
            "{last:?}"
        );
    });
}

#[test]
fn a_watchdog_shorter_than_the_writes_is_pinged_by_the_thread() {
    static SLOW: Heartbeat = Heartbeat::new();
    let _turn = turn();
    let dir = Dir::new("short");
    let systemd = listen(&dir.0);
    // A write a second (max_age 10 s), a ping every 20 ms.
    let slow = Beater::new(&SLOW, "slow", dir.0.join("slow"), 10_000);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| slow.beat_until(&stop));
        let _stop = Stop(&stop);
        let _watchdog = Probe::new([slow.component()])
            .watch(watching(&dir.0, Duration::from_millis(20)))
            .unwrap();
        until_ready(&systemd);
        let judged = JUDGEMENTS.load(Ordering::Relaxed);
        pings(&systemd, 10);
        assert!(JUDGEMENTS.load(Ordering::Relaxed) > judged);
    });
}

#[test]
fn a_failure_stops_the_pings_and_triggers_at_once() {
    static WORKER: Heartbeat = Heartbeat::new();
    static LOADER: Heartbeat = Heartbeat::new();
    let _turn = turn();
    let dir = Dir::new("failure");
    let systemd = listen(&dir.0);
    let worker = Beater::new(&WORKER, "worker", dir.0.join("worker"), 100);
    let loader = Beater::new(&LOADER, "loader", dir.0.join("loader"), 60_000);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| worker.beat_until(&stop));
        let _stop = Stop(&stop);
        loader.beat();
        let _watchdog = Probe::new([worker.component(), loader.component()])
            .watch(watching(&dir.0, Duration::from_millis(50)))
            .unwrap();
        until_ready(&systemd);
        pings(&systemd, 4);
        loader.record(Event::Fail {
            reason: "schema lost".into(),
        });
        // One ping in flight at most, then the trigger.
        let (_, last) = pings_then(&systemd, 1);
        assert!(
            last.starts_with("STATUS=loader: dead: failed: schema lost")
                && last.ends_with("\nWATCHDOG=trigger\n"),
            "{last:?}"
        );
    });
}

/// Whether a write pings, with the thread's last judgement saying every
/// component was alive, and one heartbeat alive until `until` (boot clock).
/// Retried when another test counts a change in between (a write then
/// does not ping, whatever the deadline).
fn a_write_pings_with_one_alive_until(until: u64) -> bool {
    use std::{
        io::ErrorKind,
        os::unix::net::UnixDatagram,
        sync::{Arc, atomic::AtomicBool},
    };

    use crate::{
        heartbeat::changes,
        systemd::ping::{Entry, Shared, Table},
    };
    for _ in 0..100 {
        let (ours, systemd) = UnixDatagram::pair().unwrap();
        systemd.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Shared::new(Some(Duration::from_secs(10)), stop).unwrap();
        let seen = changes();
        shared.publish(Table {
            pingable: true,
            changes: seen,
            entries: vec![Entry::alive_until_only(until)],
            socket: Some(ours),
        });
        shared.written();
        if changes() != seen {
            continue;
        }
        let mut got = [0u8; 64];
        return match systemd.recv(&mut got) {
            Ok(len) => {
                assert_eq!(&got[..len], b"WATCHDOG=1\n");
                true
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("{e}"),
        };
    }
    panic!("other tests kept counting changes");
}

/// A heartbeat past its deadline stops the writes' pings at once, before
/// the thread wakes to judge it (its alarm may come a moment late): the
/// beats of the other components must not keep systemd's watchdog fed.
#[test]
fn a_write_does_not_ping_once_a_heartbeat_is_past_its_deadline() {
    let _turn = turn();
    let now = crate::clock::boot_ns();
    assert!(
        a_write_pings_with_one_alive_until(now + 60_000_000_000),
        "every heartbeat alive: the write pings"
    );
    assert!(
        !a_write_pings_with_one_alive_until(now.saturating_sub(1)),
        "one heartbeat past its deadline: no ping"
    );
}
