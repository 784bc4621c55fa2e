//! Sending notifications: one datagram per message, on a socket connected
//! once. The messages are `sd-notify`'s `NotifyState`s, one a line.
//!
//! The socket is connected when the watchdog starts, so a service that
//! later removes `NOTIFY_SOCKET` from its environment (to keep it from its
//! children) still reaches systemd; a send that fails (systemd re-executed
//! itself and bound a new socket) reconnects once and sends again.
//!
//! The socket never blocks: when systemd's queue is full (it stopped
//! reading) a send fails at once, so the thread, and the handle's drop that
//! joins it, never wait on systemd; the thread tries again 10 ms later
//! (`watch.rs`), with what it had to say then.

use std::{io, os::unix::net::UnixDatagram};

use sd_notify::NotifyState;

use super::env::Socket;
use crate::escape;

/// A connection to systemd's notification socket.
pub(crate) struct Notifier {
    socket: Socket,
    connected: Option<UnixDatagram>,
}

impl Notifier {
    /// Connects to `socket`; an error names it.
    pub fn connect(socket: Socket) -> io::Result<Notifier> {
        let connected = Some(connect(&socket).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot reach NOTIFY_SOCKET `{}`: {error}", shown(&socket)),
            )
        })?);
        Ok(Notifier { socket, connected })
    }

    /// The connected socket, shared (for the pings the writes send).
    pub fn datagram(&self) -> Option<UnixDatagram> {
        self.connected.as_ref().and_then(|s| s.try_clone().ok())
    }

    /// Sends `states` in one datagram.
    pub fn send(&mut self, states: &[NotifyState<'_>]) -> io::Result<()> {
        let message = message(states);
        let first = match &self.connected {
            Some(socket) => sent(socket, &message),
            None => Err(io::ErrorKind::NotConnected.into()),
        };
        let full = |r: &io::Result<()>| {
            r.as_ref()
                .is_err_and(|e| e.kind() == io::ErrorKind::WouldBlock)
        };
        if first.is_ok() || full(&first) {
            return first;
        }
        self.connected = None;
        let socket = connect(&self.socket)?;
        let again = sent(&socket, &message);
        self.connected = Some(socket);
        again
    }
}

/// `states`, one a line, as `sd_notify(3)` reads them.
pub(crate) fn message(states: &[NotifyState<'_>]) -> String {
    let mut message = String::new();
    for state in states {
        message += &state.to_string();
        message.push('\n');
    }
    message
}

fn sent(socket: &UnixDatagram, message: &str) -> io::Result<()> {
    let len = socket.send(message.as_bytes())?;
    if len == message.len() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "notification cut short",
        ))
    }
}

/// `socket` as `NOTIFY_SOCKET` spells it, escaped.
fn shown(socket: &Socket) -> String {
    use std::os::unix::ffi::OsStrExt;
    match socket {
        Socket::Path(path) => escape::path(path).to_string(),
        Socket::Abstract(name) => {
            let name = std::path::Path::new(std::ffi::OsStr::from_bytes(name));
            format!("@{}", escape::path(name))
        }
    }
}

fn connect(socket: &Socket) -> io::Result<UnixDatagram> {
    let datagram = UnixDatagram::unbound()?;
    datagram.set_nonblocking(true)?;
    match socket {
        Socket::Path(path) => datagram.connect(path)?,
        Socket::Abstract(name) => datagram.connect_addr(&abstract_addr(name)?)?,
    }
    Ok(datagram)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_addr(name: &[u8]) -> io::Result<std::os::unix::net::SocketAddr> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    std::os::unix::net::SocketAddr::from_abstract_name(name)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_addr(_: &[u8]) -> io::Result<std::os::unix::net::SocketAddr> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract sockets exist only on Linux",
    ))
}
