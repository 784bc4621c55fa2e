//! The watchdog against a socket that never reads, and at the edges of
//! what a `Duration` holds.

use std::{os::unix::net::UnixDatagram, path::Path, time::Duration};

use super::{Dir, LONG, listen, probe, receive, turn, watching};
use crate::{Component, Probe};

/// Fills `systemd`'s queue from other senders (each holds but so many
/// bytes in flight), until a datagram from a new one would wait.
fn fill(dir: &Path) -> Vec<UnixDatagram> {
    let mut senders = Vec::new();
    loop {
        let sender = UnixDatagram::unbound().unwrap();
        sender.connect(dir.join("notify")).unwrap();
        sender.set_nonblocking(true).unwrap();
        let mut sent = 0;
        while sender.send(b"STATUS=filler\n").is_ok() {
            sent += 1;
        }
        senders.push(sender);
        if sent == 0 {
            return senders;
        }
    }
}

#[test]
fn a_socket_that_never_reads_holds_neither_the_thread_nor_the_handle() {
    let _turn = turn();
    let dir = Dir::new("full");
    let systemd = listen(&dir.0);
    let _filler = fill(&dir.0);
    let watchdog = probe(&dir.0, LONG)
        .watch(watching(&dir.0, Duration::from_millis(1)))
        .unwrap();
    // Its pings find the queue full; then the handle is dropped.
    std::thread::sleep(Duration::from_millis(50));
    let (done, dropped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(watchdog);
        done.send(()).unwrap();
    });
    // A hang guard, not a timing assertion.
    dropped
        .recv_timeout(Duration::from_secs(10))
        .expect("the handle's drop waits on a socket that never reads");
    // And the next watchdog starts, and is heard once systemd reads again,
    // READY=1 too, though its first tries found the queue full.
    let record = crate::host::Identity::get().record(
        Some(crate::record::Owner::new("job", None)),
        crate::record::Event::Beat,
    );
    std::fs::write(dir.0.join("job"), record.encode().unwrap()).unwrap();
    let watchdog = probe(&dir.0, LONG)
        .watch(watching(&dir.0, Duration::from_millis(1)))
        .unwrap();
    // Its first notifications find the queue still full.
    std::thread::sleep(Duration::from_millis(50));
    systemd.set_read_timeout(None).unwrap();
    let mut buf = [0; 4096];
    let heard = loop {
        let len = systemd.recv(&mut buf).unwrap();
        if &buf[..len] != b"STATUS=filler\n" {
            break String::from_utf8(buf[..len].to_vec()).unwrap();
        }
    };
    assert!(heard.ends_with("\nREADY=1\nWATCHDOG=1\n"), "{heard:?}");
    drop(watchdog);
}

#[test]
fn the_longest_ping_and_age_neither_panic_nor_keep_the_handle() {
    let _turn = turn();
    let dir = Dir::new("longest");
    let systemd = listen(&dir.0);
    let job = Component::new("job", dir.0.join("job"), Duration::MAX)
        .startup_grace(Duration::MAX)
        .max_extend(Duration::MAX);
    // A writer extended it for as long as a record holds.
    let event = crate::record::Event::Extend {
        by: Duration::from_nanos(u64::MAX),
        reason: "forever".into(),
    };
    let owner = crate::record::Owner::new("job", None);
    let record = crate::host::Identity::get().record(Some(owner), event);
    std::fs::write(dir.0.join("job"), record.encode().unwrap()).unwrap();
    // WATCHDOG_USEC=18446744073709551615, as the environment reads it.
    let ping = crate::systemd::env::parse(
        crate::systemd::env::Vars {
            notify_socket: Some(dir.0.join("notify").as_os_str()),
            watchdog_usec: Some("18446744073709551615".as_ref()),
            watchdog_pid: None,
        },
        std::process::id(),
    )
    .unwrap();
    let watchdog = Probe::new([job]).watch(ping).unwrap();
    let first = receive(&systemd);
    assert!(
        first.starts_with("STATUS=job: alive: extended: forever"),
        "{first:?}"
    );
    assert!(first.ends_with("\nREADY=1\nWATCHDOG=1\n"), "{first:?}");
    let (done, dropped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(watchdog);
        done.send(()).unwrap();
    });
    // A hang guard, not a timing assertion.
    dropped.recv_timeout(Duration::from_secs(10)).unwrap();
}

/// systemd's socket is shared by every service: its queue can be full for a
/// moment. What could not be sent is sent again soon after, not a ping
/// interval later (by then systemd's watchdog may have fired).
#[test]
fn a_notification_the_full_queue_refused_is_sent_again_soon() {
    let _turn = turn();
    let dir = Dir::new("retry");
    let systemd = listen(&dir.0);
    let fillers = fill(&dir.0);
    let record = crate::host::Identity::get().record(
        Some(crate::record::Owner::new("job", None)),
        crate::record::Event::Beat,
    );
    std::fs::write(dir.0.join("job"), record.encode().unwrap()).unwrap();
    // Its next ping, or the component's deadline, is a minute away.
    let _watchdog = probe(&dir.0, LONG)
        .watch(watching(&dir.0, Duration::from_secs(60)))
        .unwrap();
    // Its first notification finds the queue full.
    std::thread::sleep(Duration::from_millis(50));
    drop(fillers);
    let mut buf = [0; 4096];
    let heard = loop {
        // A hang guard (10 s), not a timing assertion.
        let len = systemd.recv(&mut buf).expect("not sent again");
        if &buf[..len] != b"STATUS=filler\n" {
            break String::from_utf8(buf[..len].to_vec()).unwrap();
        }
    };
    assert!(heard.ends_with("\nREADY=1\nWATCHDOG=1\n"), "{heard:?}");
}
