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

mod beats;
mod hostile;
