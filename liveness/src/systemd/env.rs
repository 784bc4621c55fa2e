//! What systemd's environment says: whether it watches this process, where
//! to send notifications, and how often to ping. Plain data in, plain data
//! out (no process state), so it can be tested on any input.
//!
//! Rules (as `sd_watchdog_enabled(3)` and `sd_notify(3)` read them):
//! `NOTIFY_SOCKET` is an absolute path or an abstract name (`@name`);
//! `WATCHDOG_USEC` a decimal count of microseconds above 0; `WATCHDOG_PID`
//! a decimal pid, and when it names another process systemd watches that
//! one, not this one. Anything else is a one-line error naming the variable
//! and its value, escaped.

use std::{ffi::OsStr, path::PathBuf, time::Duration};

use crate::escape;

/// The variables, as the process has them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Vars<'a> {
    pub notify_socket: Option<&'a OsStr>,
    pub watchdog_usec: Option<&'a OsStr>,
    pub watchdog_pid: Option<&'a OsStr>,
}

/// Where systemd listens for this process's notifications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Socket {
    /// A file system path.
    Path(PathBuf),
    /// An abstract socket name (after the `@`), Linux only.
    Abstract(Vec<u8>),
}

/// What the environment asks of this process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// Nothing: not started by systemd, or its watchdog is another
    /// process's. Says why, for the debug log.
    Not(String),
    /// Notify `socket`; ping every `ping` (half of `WATCHDOG_USEC`) when
    /// systemd's watchdog is on.
    Notify {
        socket: Socket,
        ping: Option<Duration>,
    },
}

/// The shortest ping interval: a `WATCHDOG_USEC` of a few microseconds
/// would otherwise spin the thread.
pub(crate) const MIN_PING: Duration = Duration::from_millis(1);

/// Reads `vars` for the process `pid`.
pub(crate) fn parse(vars: Vars<'_>, pid: u32) -> Result<Watch, String> {
    let Some(raw) = vars.notify_socket else {
        return Ok(Watch::Not("NOTIFY_SOCKET is not set".into()));
    };
    let socket = socket(raw)?;
    let watchdog_pid = vars
        .watchdog_pid
        .map(|raw| number("WATCHDOG_PID", raw))
        .transpose()?;
    if let Some(other) = watchdog_pid.filter(|p| *p != u64::from(pid)) {
        return Ok(Watch::Not(format!(
            "WATCHDOG_PID={other} is another process (this is {pid})"
        )));
    }
    let usec = vars
        .watchdog_usec
        .map(|raw| number("WATCHDOG_USEC", raw))
        .transpose()?;
    let ping = usec.map(|usec| (Duration::from_micros(usec) / 2).max(MIN_PING));
    Ok(Watch::Notify { socket, ping })
}

/// `NOTIFY_SOCKET`'s value: `/path` or `@abstract`.
fn socket(raw: &OsStr) -> Result<Socket, String> {
    let bytes = raw.as_encoded_bytes();
    match bytes.first() {
        Some(b'/') if !bytes.contains(&0) => Ok(Socket::Path(PathBuf::from(raw))),
        Some(b'@') if bytes.len() > 1 => Ok(Socket::Abstract(bytes[1..].to_vec())),
        _ => Err(format!(
            "NOTIFY_SOCKET is neither an absolute path nor an @abstract name: `{}`",
            escape::path(raw.as_ref())
        )),
    }
}

/// A variable holding a decimal number above 0 (digits only, as systemd
/// writes them).
fn number(name: &str, raw: &OsStr) -> Result<u64, String> {
    let text = raw
        .to_str()
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
    let value = text.and_then(|t| t.parse::<u64>().ok()).filter(|v| *v > 0);
    value.ok_or_else(|| {
        format!(
            "{name} is not a number above 0: `{}`",
            escape::path(raw.as_ref())
        )
    })
}

#[cfg(test)]
mod tests;
