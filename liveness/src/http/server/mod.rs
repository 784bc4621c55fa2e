//! The server's thread: one `poll` loop over a non-blocking listener, its
//! connections, and the socket that says stop.
//!
//! A connection (`connection.rs`) reads its head ([`State::Reading`]) until
//! the parser (`request/`) says what it asks, writes the response the
//! server decides on (`response/`, which asks the judge) ([`State::Writing`]),
//! then shuts its side and reads until the client closes
//! ([`State::Closing`]). Each state has a deadline; past it the connection
//! is closed. The loop sleeps in `poll` until a socket is ready or the
//! nearest deadline.

use std::{
    net::{TcpListener, TcpStream},
    os::unix::net::UnixStream,
    time::{Duration, Instant},
};

use rustix::{
    event::{PollFd, PollFlags, Timespec, poll},
    io::Errno,
};

mod connection;
mod limits;
pub(crate) mod response;

use connection::{Connection, Next, State};
pub(crate) use limits::Limits;

use super::{Judge, request::Head};

/// Connections accepted per wake-up, so that a flood of them does not
/// delay the connections already open.
const ACCEPT_BATCH: usize = 64;

/// How long to stop accepting after `accept` fails for want of resources
/// (`EMFILE`, `ENOBUFS`): the listener stays readable, and polling it
/// would spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(10);

/// The slots of the poll set: the socket that says stop, the listener,
/// then one per connection, in the order of [`Server::connections`].
const STOPPED: usize = 0;
/// The listener's slot in the poll set.
const LISTENER: usize = 1;
/// The first connection's slot in the poll set.
const FIRST_CONNECTION: usize = 2;

pub(crate) struct Server {
    listener: TcpListener,
    /// Readable (EOF) once the handle is dropped.
    stopped: UnixStream,
    path: &'static str,
    judge: Box<dyn Judge>,
    limits: Limits,
    connections: Vec<Connection>,
    /// `accept` failed for want of resources: try again at this time.
    accept_paused_until: Option<Instant>,
}

impl Server {
    pub fn new(
        listener: TcpListener,
        stopped: UnixStream,
        path: &'static str,
        judge: Box<dyn Judge>,
        limits: Limits,
    ) -> Server {
        Server {
            listener,
            stopped,
            path,
            judge,
            limits,
            connections: Vec::new(),
            accept_paused_until: None,
        }
    }

    /// Serves until the handle is dropped.
    pub fn run(mut self) {
        let mut ready: Vec<PollFlags> = Vec::new();
        loop {
            let now = Instant::now();
            self.connections.retain(|c| c.deadline > now);
            if self.accept_paused_until.is_some_and(|t| t <= now) {
                self.accept_paused_until = None;
            }
            if let Err(error) = self.wait(now, &mut ready) {
                if error != Errno::INTR {
                    // ENOMEM: wait, then try again rather than end the
                    // endpoint, which would get the service restarted.
                    log::warn!("liveness http: poll: {error}");
                    std::thread::sleep(ACCEPT_PAUSE);
                }
                continue;
            }
            if !ready[STOPPED].is_empty() {
                return; // the handle is gone
            }
            let now = Instant::now();
            // Backwards, so that `swap_remove` moves an element already seen.
            for i in (0..self.connections.len()).rev() {
                if ready[FIRST_CONNECTION + i].is_empty() {
                    continue;
                }
                if self.connections[i].advance(self.path, &*self.judge, self.limits, now)
                    == Next::Close
                {
                    self.connections.swap_remove(i);
                }
            }
            if !ready[LISTENER].is_empty() {
                self.accept(now);
            }
        }
    }

    /// Sleeps in `poll` until a socket is ready or the nearest deadline,
    /// and puts in `ready` what each slot of the poll set reported.
    fn wait(&self, now: Instant, ready: &mut Vec<PollFlags>) -> rustix::io::Result<()> {
        let wake_at = self
            .connections
            .iter()
            .map(|c| c.deadline)
            .chain(self.accept_paused_until)
            .min();
        let timeout = wake_at.and_then(|t| Timespec::try_from(t - now).ok());
        let listen = if self.accept_paused_until.is_none() {
            PollFlags::IN
        } else {
            PollFlags::empty()
        };
        let mut fds = Vec::with_capacity(FIRST_CONNECTION + self.connections.len());
        fds.push(PollFd::new(&self.stopped, PollFlags::IN)); // STOPPED
        fds.push(PollFd::new(&self.listener, listen)); // LISTENER
        fds.extend(
            self.connections
                .iter()
                .map(|c| PollFd::new(&c.stream, c.state.interest())),
        );
        poll(&mut fds, timeout.as_ref())?;
        ready.clear();
        ready.extend(fds.iter().map(PollFd::revents));
        Ok(())
    }

    /// Accepts what is waiting (up to a batch), answering at once what has
    /// already arrived.
    fn accept(&mut self, now: Instant) {
        for _ in 0..ACCEPT_BATCH {
            let stream = match accept_nonblocking(&self.listener) {
                Ok(fd) => TcpStream::from(fd),
                Err(Errno::AGAIN) => return,
                Err(Errno::INTR | Errno::CONNABORTED) => continue,
                Err(e) => {
                    log::warn!("liveness http: accept: {e}");
                    self.accept_paused_until = Some(now + ACCEPT_PAUSE);
                    return;
                }
            };
            if self.connections.len() >= self.limits.max_connections && !self.make_room() {
                continue; // every slot is sending a response: refuse
            }
            let mut connection = Connection {
                stream,
                state: State::Reading(Head::default()),
                deadline: now + self.limits.head_time,
            };
            // The kubelet writes its head right after connecting: it is often
            // here already.
            if connection.advance(self.path, &*self.judge, self.limits, now) == Next::Wait {
                self.connections.push(connection);
            }
        }
    }

    /// Closes the connection whose slot a newcomer may take: one already
    /// answered, else the oldest still sending its head. False when every
    /// connection is sending its response.
    fn make_room(&mut self) -> bool {
        let victim = self
            .connections
            .iter()
            .position(|c| matches!(c.state, State::Closing { .. }))
            .or_else(|| {
                self.connections
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| matches!(c.state, State::Reading(_)))
                    .min_by_key(|(_, c)| c.deadline)
                    .map(|(i, _)| i)
            });
        match victim {
            Some(i) => {
                self.connections.swap_remove(i);
                true
            }
            None => false,
        }
    }
}

/// Accepts a connection, non-blocking and close-on-exec from the start
/// (one system call where `accept4` exists).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn accept_nonblocking(listener: &TcpListener) -> rustix::io::Result<rustix::fd::OwnedFd> {
    use rustix::net::SocketFlags;
    rustix::net::accept_with(listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)
}

/// Accepts a connection and makes it non-blocking and close-on-exec.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn accept_nonblocking(listener: &TcpListener) -> rustix::io::Result<rustix::fd::OwnedFd> {
    let fd = rustix::net::accept(listener)?;
    rustix::io::ioctl_fionbio(&fd, true)?;
    rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)?;
    Ok(fd)
}

#[cfg(test)]
mod tests;
