//! The server's thread: one `poll` loop over a non-blocking listener, its
//! connections, and the socket that says stop.
//!
//! A connection reads its head ([`State::Reading`]), writes its response
//! ([`State::Writing`]), then shuts its side and reads until the client
//! closes ([`State::Closing`]). Each state has a deadline; past it the
//! connection is closed. The loop sleeps in `poll` until a socket is ready
//! or the nearest deadline.

use std::{
    io::{self, Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    os::unix::net::UnixStream,
    time::{Duration, Instant},
};

use rustix::{
    event::{PollFd, PollFlags, Timespec, poll},
    io::Errno,
};

use super::{
    Judge,
    request::{Head, Outcome},
};

/// What a client may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// From accept to a complete head.
    pub head_time: Duration,
    /// From the response being ready to the client closing.
    pub close_time: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_connections: 512,
        head_time: Duration::from_secs(1),
        close_time: Duration::from_secs(1),
    };
}

/// Bytes read after the response before closing anyway.
const DISCARD_LIMIT: usize = 64 * 1024;

/// Connections accepted per wake-up, so that a flood of them does not
/// delay the connections already open.
const ACCEPT_BATCH: usize = 64;

/// How long to stop accepting after `accept` fails for want of resources
/// (`EMFILE`, `ENOBUFS`): the listener stays readable, and polling it
/// would spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(10);

/// Bytes read per `read` call.
const READ_CHUNK: usize = 4096;

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

struct Connection {
    stream: TcpStream,
    state: State,
    /// Closed at this time, whatever its state.
    deadline: Instant,
}

enum State {
    /// The head so far.
    Reading(Head),
    /// The response, how much of it is sent, and whether to linger after.
    Writing {
        response: Vec<u8>,
        sent: usize,
        linger: bool,
    },
    /// Answered, our side shut, the client may still be sending: reading
    /// until it closes, so that unread bytes do not turn the close into a
    /// reset that could destroy the response in flight.
    Closing { discarded: usize },
}

/// Whether a connection stays open after what it could do.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Wait,
    Close,
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
            let mut fds = Vec::with_capacity(2 + self.connections.len());
            fds.push(PollFd::new(&self.stopped, PollFlags::IN));
            fds.push(PollFd::new(&self.listener, listen));
            fds.extend(
                self.connections
                    .iter()
                    .map(|c| PollFd::new(&c.stream, c.state.interest())),
            );
            match poll(&mut fds, timeout.as_ref()) {
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(error) => {
                    // ENOMEM: wait, then try again rather than end the
                    // endpoint, which would get the service restarted.
                    log::warn!("liveness http: poll: {error}");
                    std::thread::sleep(ACCEPT_PAUSE);
                    continue;
                }
            }
            ready.clear();
            ready.extend(fds.iter().map(PollFd::revents));
            drop(fds);

            if !ready[0].is_empty() {
                return; // the handle is gone
            }
            let now = Instant::now();
            // Backwards, so that `swap_remove` moves an element already seen.
            for i in (0..self.connections.len()).rev() {
                if ready[2 + i].is_empty() {
                    continue;
                }
                if self.connections[i].advance(self.path, &*self.judge, self.limits, now)
                    == Next::Close
                {
                    self.connections.swap_remove(i);
                }
            }
            if !ready[1].is_empty() {
                self.accept(now);
            }
        }
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

impl State {
    fn interest(&self) -> PollFlags {
        match self {
            State::Writing { .. } => PollFlags::OUT,
            State::Reading(_) | State::Closing { .. } => PollFlags::IN,
        }
    }
}

impl Connection {
    /// Goes as far as the socket allows without blocking.
    fn advance(&mut self, path: &str, judge: &dyn Judge, limits: Limits, now: Instant) -> Next {
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match &mut self.state {
                State::Reading(head) => {
                    let room = head.room().min(READ_CHUNK);
                    let n = match self.stream.read(&mut chunk[..room]) {
                        Ok(0) => return Next::Close, // gone before asking
                        Ok(n) => n,
                        Err(e) => return retry_or(e),
                    };
                    if let Outcome::Respond { response, linger } =
                        head.push(&chunk[..n], path, judge)
                    {
                        self.state = State::Writing {
                            response,
                            sent: 0,
                            linger,
                        };
                        self.deadline = now + limits.close_time;
                    }
                }
                State::Writing {
                    response,
                    sent,
                    linger,
                } => {
                    match self.stream.write(&response[*sent..]) {
                        Ok(0) => return Next::Close,
                        Ok(n) => *sent += n,
                        Err(e) => return retry_or(e),
                    }
                    if *sent < response.len() {
                        continue;
                    }
                    // The kubelet's case: the request was all there is, and
                    // closing now sends a plain FIN after the response.
                    if !*linger || self.stream.shutdown(Shutdown::Write).is_err() {
                        return Next::Close;
                    }
                    self.state = State::Closing { discarded: 0 };
                }
                State::Closing { discarded } => match self.stream.read(&mut chunk) {
                    Ok(0) => return Next::Close,
                    Ok(n) => {
                        *discarded += n;
                        if *discarded > DISCARD_LIMIT {
                            return Next::Close;
                        }
                    }
                    Err(e) => return retry_or(e),
                },
            }
        }
    }
}

/// Wait on `WouldBlock` and `Interrupted` (`poll` reports the socket ready
/// again), close on any other error.
fn retry_or(error: io::Error) -> Next {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Next::Wait,
        _ => Next::Close,
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
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use crate::http::{HttpServer, spawn};

    /// A judge that says alive, with a body of `len` bytes.
    struct Sized(usize);

    impl Judge for Sized {
        fn report(&self, _: crate::http::Check, _json: bool) -> (bool, String) {
            (true, "x".repeat(self.0))
        }
    }

    fn start(body_len: usize, limits: Limits) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        spawn(listener, "/livez", Box::new(Sized(body_len)), limits).unwrap()
    }

    const GET: &[u8] = b"GET /livez HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

    /// One request on a fresh connection; the whole response.
    fn get(addr: SocketAddr) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(GET).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        response
    }

    /// Whether the server has closed `stream` (without waiting).
    fn closed(stream: &mut TcpStream) -> bool {
        stream.set_nonblocking(true).unwrap();
        let mut byte = [0];
        let closed = match stream.read(&mut byte) {
            Ok(0) => true,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
            Ok(_) => false,
        };
        stream.set_nonblocking(false).unwrap();
        closed
    }

    #[test]
    fn answers_a_head_sent_byte_by_byte() {
        let server = start(5, Limits::DEFAULT);
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_nodelay(true).unwrap();
        for byte in GET {
            stream.write_all(&[*byte]).unwrap();
        }
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(response.ends_with(b"\r\n\r\nxxxxx"));
    }

    #[test]
    fn closes_a_head_that_takes_too_long() {
        let limits = Limits {
            head_time: Duration::from_millis(200),
            ..Limits::DEFAULT
        };
        let server = start(5, limits);
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.write_all(b"GET /livez HTTP/1.1\r\n").unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        // Closed without an answer once the time is up.
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(150), "{waited:?}");
        assert!(waited < Duration::from_secs(3), "{waited:?}");
    }

    #[test]
    fn a_newcomer_over_the_cap_takes_the_oldest_idle_slot() {
        let limits = Limits {
            max_connections: 4,
            ..Limits::DEFAULT
        };
        let server = start(5, limits);
        let mut idle: Vec<TcpStream> = (0..4)
            .map(|_| {
                let stream = TcpStream::connect(server.local_addr()).unwrap();
                std::thread::sleep(Duration::from_millis(20)); // accepted in order
                stream
            })
            .collect();
        assert!(get(server.local_addr()).starts_with(b"HTTP/1.1 200 OK\r\n"));
        std::thread::sleep(Duration::from_millis(50));
        assert!(closed(&mut idle[0]), "the oldest idle connection is open");
        assert!(
            !closed(&mut idle[3]),
            "the newest idle connection is closed"
        );
    }

    #[test]
    fn a_client_that_does_not_read_blocks_nobody() {
        // A response far larger than the socket buffers.
        let server = start(8 << 20, Limits::DEFAULT);
        let mut stuck = TcpStream::connect(server.local_addr()).unwrap();
        stuck.write_all(GET).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        let response = get(server.local_addr());
        assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!(
            response.len() - response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() - 4,
            8 << 20
        );
        // The reader took its response at its own pace, the stuck one is
        // cut at its deadline.
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(stuck);
    }

    #[test]
    fn an_oversized_head_gets_its_431_before_the_close() {
        let server = start(5, Limits::DEFAULT);
        for _ in 0..5 {
            let mut stream = TcpStream::connect(server.local_addr()).unwrap();
            let filler = "a".repeat(40_000);
            let head = format!("GET /livez HTTP/1.1\r\nX-Filler: {filler}\r\n\r\n");
            // The server answers after 8 KiB, while the rest is still coming.
            stream.write_all(&head.as_bytes()[..10_000]).unwrap();
            std::thread::sleep(Duration::from_millis(20));
            stream.write_all(&head.as_bytes()[10_000..]).unwrap();
            let mut response = Vec::new();
            stream.read_to_end(&mut response).unwrap();
            assert!(
                response.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"),
                "{:?}",
                String::from_utf8_lossy(&response)
            );
        }
    }

    #[test]
    fn stop_closes_the_listener_and_joins() {
        let server = start(5, Limits::DEFAULT);
        let addr = server.local_addr();
        let _idle = TcpStream::connect(addr).unwrap();
        assert!(get(addr).starts_with(b"HTTP/1.1 200 OK\r\n"));
        server.stop();
        assert!(TcpStream::connect(addr).is_err());
    }
}
