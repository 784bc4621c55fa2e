//! The listening socket.

use std::{
    io,
    net::{SocketAddr, TcpListener, ToSocketAddrs},
};

use super::server;

/// Connections the kernel completes and queues before the server accepts
/// them: as many as the server holds at once, so that a burst of them while
/// its thread waits for a core does not drop a kubelet's connection (std's
/// `TcpListener::bind` queues 128; the kernel caps it at `somaxconn`).
const BACKLOG: i32 = server::Limits::DEFAULT.max_connections as i32;

/// `TcpListener::bind` with a backlog of [`BACKLOG`]: the first address
/// of `addr` that binds.
pub(super) fn listen(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    use rustix::net::{AddressFamily, sockopt};
    let mut failed = None;
    for addr in addr.to_socket_addrs()? {
        let family = match addr {
            SocketAddr::V4(_) => AddressFamily::INET,
            SocketAddr::V6(_) => AddressFamily::INET6,
        };
        let bound = socket(family).and_then(|fd| {
            sockopt::set_socket_reuseaddr(&fd, true)?;
            rustix::net::bind(&fd, &addr)?;
            rustix::net::listen(&fd, BACKLOG)?;
            Ok(fd)
        });
        match bound {
            Ok(fd) => return Ok(TcpListener::from(fd)),
            Err(error) => failed = Some(naming(addr, io::Error::from(error))),
        }
    }
    Err(failed.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any addresses",
        )
    }))
}

/// A TCP socket, close-on-exec from the start (one system call where
/// `SOCK_CLOEXEC` exists, as for the connections `accept` makes), so that
/// a command the service runs never inherits the listener.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn socket(family: rustix::net::AddressFamily) -> rustix::io::Result<rustix::fd::OwnedFd> {
    use rustix::net::{SocketFlags, SocketType};
    rustix::net::socket_with(family, SocketType::STREAM, SocketFlags::CLOEXEC, None)
}

/// A TCP socket, made close-on-exec.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn socket(family: rustix::net::AddressFamily) -> rustix::io::Result<rustix::fd::OwnedFd> {
    let fd = rustix::net::socket(family, rustix::net::SocketType::STREAM, None)?;
    rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)?;
    Ok(fd)
}

/// `error` with a message that names `addr`: `cannot listen on
/// 127.0.0.1:8080: address in use`.
fn naming(addr: SocketAddr, error: io::Error) -> io::Error {
    let why = match error.kind() {
        io::ErrorKind::AddrInUse => "address in use".to_owned(),
        _ => {
            let text = error.to_string();
            let end = text.find(" (os error").unwrap_or(text.len());
            text[..end].to_lowercase()
        }
    };
    io::Error::new(error.kind(), format!("cannot listen on {addr}: {why}"))
}

#[cfg(test)]
mod tests {
    use rustix::io::{FdFlags, fcntl_getfd};

    use super::listen;

    /// A command the service runs must not inherit the listener, which
    /// would keep the port open after the service ends.
    #[test]
    fn the_listener_is_close_on_exec() {
        let listener = listen("127.0.0.1:0").unwrap();
        assert!(fcntl_getfd(&listener).unwrap().contains(FdFlags::CLOEXEC));
    }

    #[test]
    fn a_taken_port_is_named_in_the_error() {
        let taken = listen("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let error = listen(addr).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot listen on {addr}: address in use")
        );
    }
}
