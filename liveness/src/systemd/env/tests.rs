use std::{
    ffi::{OsStr, OsString},
    os::unix::ffi::OsStrExt,
    path::PathBuf,
    time::Duration,
};

use proptest::prelude::*;

use super::{MIN_PING, Socket, Vars, Watch, parse};

const PID: u32 = 4242;

fn vars<'a>(socket: Option<&'a str>, usec: Option<&'a str>, pid: Option<&'a str>) -> Vars<'a> {
    Vars {
        notify_socket: socket.map(OsStr::new),
        watchdog_usec: usec.map(OsStr::new),
        watchdog_pid: pid.map(OsStr::new),
    }
}

#[test]
fn systemd_watching_this_process() {
    let watch = parse(
        vars(Some("/run/systemd/notify"), Some("3000000"), Some("4242")),
        PID,
    );
    assert_eq!(
        watch,
        Ok(Watch::Notify {
            socket: Socket::Path(PathBuf::from("/run/systemd/notify")),
            ping: Some(Duration::from_millis(1500)),
        })
    );
}

#[test]
fn no_watchdog_pid_means_this_process() {
    let watch = parse(vars(Some("@sd-notify"), Some("20"), None), PID).unwrap();
    assert_eq!(
        watch,
        Watch::Notify {
            socket: Socket::Abstract(b"sd-notify".to_vec()),
            // 10 µs would spin the thread: the floor.
            ping: Some(MIN_PING),
        }
    );
}

#[test]
fn notify_without_watchdog_still_notifies() {
    let watch = parse(vars(Some("/run/n"), None, None), PID).unwrap();
    assert_eq!(
        watch,
        Watch::Notify {
            socket: Socket::Path("/run/n".into()),
            ping: None
        }
    );
}

#[test]
fn not_under_systemd_or_another_process_watched() {
    let none = parse(Vars::default(), PID).unwrap();
    assert_eq!(none, Watch::Not("NOTIFY_SOCKET is not set".into()));
    let other = parse(vars(Some("/run/n"), Some("1000000"), Some("1")), PID).unwrap();
    assert_eq!(
        other,
        Watch::Not("WATCHDOG_PID=1 is another process (this is 4242)".into())
    );
}

#[test]
fn malformed_values_are_one_line_errors_naming_the_variable() {
    let cases = [
        (
            vars(Some(""), None, None),
            "NOTIFY_SOCKET is neither an absolute path nor an @abstract name: ``",
        ),
        (
            vars(Some("@"), None, None),
            "NOTIFY_SOCKET is neither an absolute path nor an @abstract name: `@`",
        ),
        (
            vars(Some("run/n"), None, None),
            "NOTIFY_SOCKET is neither an absolute path nor an @abstract name: `run/n`",
        ),
        (
            vars(Some("/n"), Some("0"), None),
            "WATCHDOG_USEC is not a number above 0: `0`",
        ),
        (
            vars(Some("/n"), Some("-5"), None),
            "WATCHDOG_USEC is not a number above 0: `-5`",
        ),
        (
            vars(Some("/n"), Some("+5"), None),
            "WATCHDOG_USEC is not a number above 0: `+5`",
        ),
        (
            vars(Some("/n"), Some(" 5"), None),
            "WATCHDOG_USEC is not a number above 0: ` 5`",
        ),
        (
            vars(Some("/n"), Some("99999999999999999999"), None),
            "WATCHDOG_USEC is not a number above 0: `99999999999999999999`",
        ),
        (
            vars(Some("/n"), Some("5\n\u{1b}[2J"), None),
            "WATCHDOG_USEC is not a number above 0: `5\\n\\u{1b}[2J`",
        ),
        (
            vars(Some("/n"), Some("5"), Some("pid")),
            "WATCHDOG_PID is not a number above 0: `pid`",
        ),
    ];
    for (vars, said) in cases {
        assert_eq!(parse(vars, PID), Err(said.to_owned()), "{vars:?}");
    }
    let raw = OsString::from(OsStr::from_bytes(b"/n\xff\0"));
    let bad = Vars {
        notify_socket: Some(&raw),
        ..Vars::default()
    };
    assert_eq!(
        parse(bad, PID),
        Err("NOTIFY_SOCKET is neither an absolute path nor an @abstract name: `/n\\xff\\0`".into())
    );
}

/// Bytes a hostile or careless environment could hold: digits, signs,
/// spaces, slashes, `@`, control characters, invalid UTF-8.
fn value() -> impl Strategy<Value = Option<Vec<u8>>> {
    let byte = prop_oneof![
        4 => proptest::char::range('0', '9').prop_map(|c| c as u8),
        1 => Just(b'/'),
        1 => Just(b'@'),
        1 => Just(b'-'),
        1 => Just(b' '),
        1 => any::<u8>(),
    ];
    proptest::option::of(proptest::collection::vec(byte, 0..24))
}

/// Mostly a value systemd could have written (`/path`, `@name`, digits),
/// else any bytes.
fn plausible(prefix: &'static [u8]) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        3 => value().prop_map(move |v| v.map(|v| [prefix, &v].concat())),
        1 => value(),
    ]
}

proptest! {
    /// Any environment: no panic; an error is one escaped line naming the
    /// variable; a watch has a socket systemd could have written and a ping
    /// of half WATCHDOG_USEC, never under the floor.
    #[test]
    fn any_environment(
        socket in plausible(b"/"),
        abstract_socket in plausible(b"@"),
        usec in value(),
        pid in plausible(b""),
        me in 1u32..,
        use_abstract in any::<bool>(),
    ) {
        let socket = if use_abstract { abstract_socket } else { socket };
        let vars = Vars {
            notify_socket: socket.as_deref().map(OsStr::from_bytes),
            watchdog_usec: usec.as_deref().map(OsStr::from_bytes),
            watchdog_pid: pid.as_deref().map(OsStr::from_bytes),
        };
        match parse(vars, me) {
            Err(said) => {
                prop_assert!(!said.chars().any(char::is_control), "{said:?}");
                prop_assert!(["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"].iter().any(|n| said.starts_with(n)));
            }
            Ok(Watch::Not(why)) => prop_assert!(!why.chars().any(char::is_control)),
            Ok(Watch::Notify { socket: sock, ping }) => {
                let raw = socket.unwrap();
                match sock {
                    Socket::Path(path) => prop_assert_eq!(path.as_os_str().as_bytes(), &raw[..]),
                    Socket::Abstract(name) => prop_assert_eq!(&name[..], &raw[1..]),
                }
                let usec = usec.map(|u| String::from_utf8(u).unwrap().parse::<u64>().unwrap());
                prop_assert_eq!(ping, usec.map(|u| (Duration::from_micros(u) / 2).max(MIN_PING)));
                prop_assert!(ping.is_none_or(|p| p >= MIN_PING));
                prop_assert!(usec.is_none_or(|u| u > 0));
                if let Some(pid) = pid {
                    prop_assert_eq!(String::from_utf8(pid).unwrap().parse::<u32>().unwrap(), me);
                }
            }
        }
    }
}
