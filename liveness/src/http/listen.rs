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
    use rustix::net::{AddressFamily, SocketFlags, SocketType, sockopt};
    let mut failed = None;
    for addr in addr.to_socket_addrs()? {
        let family = match addr {
            SocketAddr::V4(_) => AddressFamily::INET,
            SocketAddr::V6(_) => AddressFamily::INET6,
        };
        let bound =
            rustix::net::socket_with(family, SocketType::STREAM, SocketFlags::empty(), None)
                .and_then(|fd| {
                    rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)?;
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
