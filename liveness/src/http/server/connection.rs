//! One connection: reading its head, writing its response, lingering until
//! the client closes.

use std::{
    io::{self, Read, Write},
    net::{Shutdown, TcpStream},
    time::Instant,
};

use rustix::event::PollFlags;

use super::limits::{DISCARD_LIMIT, Limits, READ_CHUNK};
use super::response::answer;
use crate::http::{Judge, request::Head};

pub(super) struct Connection {
    pub stream: TcpStream,
    pub state: State,
    /// Closed at this time, whatever its state.
    pub deadline: Instant,
}

pub(super) enum State {
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
pub(super) enum Next {
    Wait,
    Close,
}

impl State {
    pub(super) fn interest(&self) -> PollFlags {
        match self {
            State::Writing { .. } => PollFlags::OUT,
            State::Reading(_) | State::Closing { .. } => PollFlags::IN,
        }
    }
}

impl Connection {
    /// Goes as far as the socket allows without blocking.
    pub(super) fn advance(
        &mut self,
        path: &str,
        judge: &dyn Judge,
        limits: Limits,
        now: Instant,
    ) -> Next {
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
                    if let Some(parsed) = head.push(&chunk[..n]) {
                        self.state = State::Writing {
                            response: answer(&parsed, path, judge),
                            sent: 0,
                            linger: parsed.linger(),
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
