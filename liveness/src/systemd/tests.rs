//! The handle and its thread against a socket standing in for systemd's.

use std::{
    io::ErrorKind,
    os::unix::net::UnixDatagram,
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use super::env::{Socket, Watch};
use crate::{Component, Probe};

/// One watchdog per process: the tests that start one take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A directory of its own, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        // Absolute: a heartbeat path must be (TMPDIR may be relative).
        let tmp = std::path::absolute(std::env::temp_dir()).unwrap();
        let dir = tmp.join(format!("liveness-sd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// systemd's socket: bound at `dir/notify`.
fn listen(dir: &Path) -> UnixDatagram {
    let socket = UnixDatagram::bind(dir.join("notify")).unwrap();
    // A hang guard, not a timing assertion.
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
}

fn receive(socket: &UnixDatagram) -> String {
    let mut buf = [0; 4096];
    let len = socket.recv(&mut buf).expect("no notification");
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

fn watching(dir: &Path, ping: Duration) -> Watch {
    Watch::Notify {
        socket: Socket::Path(dir.join("notify")),
        ping: Some(ping),
    }
}

/// A component whose file is missing: starting (alive) within `grace`,
/// dead after it.
fn probe(dir: &Path, grace: Duration) -> Probe {
    let c = Component::new("job", dir.join("job"), Duration::from_secs(60)).startup_grace(grace);
    Probe::new([c])
}

const LONG: Duration = Duration::from_secs(1 << 40);

#[test]
fn pings_while_alive_until_dropped() {
    let _turn = turn();
    let dir = Dir::new("pings");
    let systemd = listen(&dir.0);
    let watchdog = probe(&dir.0, LONG)
        .watch(watching(&dir.0, Duration::from_millis(10)))
        .unwrap();
    assert!(watchdog.is_active());
    assert_eq!(watchdog.ping_interval(), Some(Duration::from_millis(10)));
    let first = receive(&systemd);
    assert!(
        first.starts_with("STATUS=job: alive: starting: no heartbeat yet"),
        "{first:?}"
    );
    assert!(first.ends_with("\nWATCHDOG=1\n"), "{first:?}");
    assert!(!first.contains("READY=1"), "not started: {first:?}");
    for _ in 0..5 {
        let ping = receive(&systemd);
        assert!(ping.ends_with("WATCHDOG=1\n"), "{ping:?}");
    }
    drop(watchdog);
    // The thread has been joined: nothing more comes.
    while systemd.set_nonblocking(true).is_ok() {
        match systemd.recv(&mut [0; 4096]) {
            Ok(_) => continue,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::WouldBlock);
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        systemd.recv(&mut [0; 4096]).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn a_dead_component_triggers_at_once() {
    let _turn = turn();
    let dir = Dir::new("dead");
    let systemd = listen(&dir.0);
    let _watchdog = probe(&dir.0, Duration::ZERO)
        .watch(watching(&dir.0, LONG))
        .unwrap();
    let first = receive(&systemd);
    assert!(
        first.starts_with("STATUS=job: dead: no heartbeat"),
        "{first:?}"
    );
    assert!(first.ends_with("\nWATCHDOG=trigger\n"), "{first:?}");
}

#[test]
fn one_watchdog_per_process() {
    let _turn = turn();
    let dir = Dir::new("twice");
    let _systemd = listen(&dir.0);
    let first = probe(&dir.0, LONG).watch(watching(&dir.0, LONG)).unwrap();
    let second = probe(&dir.0, LONG)
        .watch(watching(&dir.0, LONG))
        .unwrap_err();
    assert_eq!(second.kind(), ErrorKind::AlreadyExists);
    assert_eq!(
        second.to_string(),
        "a systemd watchdog already runs in this process: keep one handle"
    );
    first.stop();
    let again = probe(&dir.0, LONG).watch(watching(&dir.0, LONG)).unwrap();
    assert!(again.is_active());
}

#[test]
fn errors_and_the_inert_handle() {
    let _turn = turn();
    let dir = Dir::new("errors");
    let nobody = probe(&dir.0, LONG)
        .watch(watching(&dir.0, LONG))
        .unwrap_err();
    assert_eq!(nobody.kind(), ErrorKind::NotFound, "{nobody}");
    // One line that says which variable, and its value, escaped.
    let socket = crate::escape::path(&dir.0.join("notify")).to_string();
    assert_eq!(
        nobody.to_string(),
        format!("cannot reach NOTIFY_SOCKET `{socket}`: No such file or directory (os error 2)")
    );
    let odd = Socket::Path(dir.0.join("not\na socket"));
    std::fs::write(dir.0.join("not\na socket"), "").unwrap();
    let refused = probe(&dir.0, LONG)
        .watch(Watch::Notify {
            socket: odd,
            ping: None,
        })
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");
    assert!(
        refused.to_string().starts_with(&format!(
            "cannot reach NOTIFY_SOCKET `{}`: ",
            crate::escape::path(&dir.0.join("not\na socket"))
        )) && !refused.to_string().contains('\n'),
        "{refused}"
    );
    let abstract_name = Socket::Abstract(b"liveness-nobody\n\xff".to_vec());
    let refused = probe(&dir.0, LONG)
        .watch(Watch::Notify {
            socket: abstract_name,
            ping: None,
        })
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("cannot reach NOTIFY_SOCKET `@liveness-nobody\\n\\xff`: "),
        "{refused}"
    );
    let _systemd = listen(&dir.0);
    let empty = Probe::new([]).watch(watching(&dir.0, LONG)).unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    let inert = Probe::new([])
        .watch(Watch::Not("NOTIFY_SOCKET is not set".into()))
        .unwrap();
    assert!(!inert.is_active());
    assert_eq!(inert.ping_interval(), None);
}

#[test]
fn a_socket_bound_anew_still_gets_the_pings() {
    let _turn = turn();
    let dir = Dir::new("rebound");
    let old = listen(&dir.0);
    let _watchdog = probe(&dir.0, LONG)
        .watch(watching(&dir.0, Duration::from_millis(10)))
        .unwrap();
    receive(&old);
    // systemd re-executed: its old socket is gone, a new one is at the path.
    drop(old);
    std::fs::remove_file(dir.0.join("notify")).unwrap();
    let new = listen(&dir.0);
    assert!(receive(&new).ends_with("WATCHDOG=1\n"));
}

#[test]
fn an_extended_component_is_pinged_until_its_extension_runs_out() {
    use crate::{
        host::Identity,
        record::{Event, Owner},
    };
    let _turn = turn();
    let dir = Dir::new("extended");
    let systemd = listen(&dir.0);
    // A writer extended "job" by 1 s; its max_age is 100 ms.
    let event = Event::Extend {
        by: Duration::from_secs(1),
        reason: "compacting".into(),
    };
    let record = Identity::get().record(Some(Owner::new("job", None)), event);
    std::fs::write(dir.0.join("job"), record.encode().unwrap()).unwrap();
    let job = Component::new("job", dir.0.join("job"), Duration::from_millis(100))
        .max_extend(Duration::from_secs(60));
    let _watchdog = Probe::new([job])
        .watch(watching(&dir.0, Duration::from_millis(50)))
        .unwrap();
    let first = receive(&systemd);
    assert!(
        first.starts_with("STATUS=job: alive: extended: compacting, "),
        "{first:?}"
    );
    assert!(first.ends_with("\nREADY=1\nWATCHDOG=1\n"), "{first:?}");
    // Pings go on past max_age, until the extension runs out; then the
    // trigger, saying so.
    let mut pings = 0;
    let last = loop {
        let message = receive(&systemd);
        if !message.ends_with("WATCHDOG=1\n") {
            break message;
        }
        pings += 1;
    };
    assert!(pings >= 4, "{pings} pings, then {last:?}");
    assert!(
        last.starts_with("STATUS=job: dead: extension ran out ")
            && last.ends_with("\nWATCHDOG=trigger\n"),
        "{last:?}"
    );
}

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
    let ping = super::env::parse(
        super::env::Vars {
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
