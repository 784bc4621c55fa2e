//! From the bytes of a request head to the bytes of the response: the part
//! of the server that touches no socket, so that it can be fuzzed and tested
//! on its own.
//!
//! The head is parsed by `httparse` (hyper's parser). Only the request line
//! and the `Accept` header matter; every response carries `Content-Length`
//! and `Connection: close`, and the connection is closed after it.

use super::{Check, Judge};

mod response;

#[cfg(any(test, fuzzing))]
pub(crate) use response::check_response;
use response::{BAD_REQUEST, Code, JSON, METHOD_NOT_ALLOWED, NOT_FOUND, Response, TEXT, TOO_LARGE};

/// The longest request head served, from the request line to the empty line
/// that ends the headers; a longer one is answered 431. The kubelet sends
/// about 150 bytes (more with `httpHeaders`).
pub(crate) const MAX_HEAD: usize = 8 * 1024;

/// The most header fields parsed; more is answered 431. The kubelet sends
/// four, plus the `httpHeaders` of the probe.
const MAX_HEADERS: usize = 64;

/// What a request head, as far as it has arrived, calls for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Incomplete and valid so far: wait for more bytes.
    NeedMore,
    /// The whole response, to send before closing the connection.
    Respond {
        response: Vec<u8>,
        /// The client may still be sending (a body, the rest of a head that
        /// is too large or invalid): read until it closes before closing, as
        /// closing with unread bytes resets the connection, which can
        /// destroy the response in flight.
        linger: bool,
    },
}

impl Outcome {
    /// A response to a head that is invalid or too large.
    fn error(code: Code) -> Outcome {
        let body = match code {
            Code::TooLarge => TOO_LARGE,
            _ => BAD_REQUEST,
        };
        Outcome::Respond {
            response: Response::text(code, body).build(false),
            linger: true,
        }
    }

    /// The response, if one is due.
    #[cfg(any(test, fuzzing))]
    pub fn response(&self) -> Option<&[u8]> {
        match self {
            Outcome::NeedMore => None,
            Outcome::Respond { response, .. } => Some(response),
        }
    }
}

/// A request head as it arrives, at most [`MAX_HEAD`] + 1 bytes: one byte
/// more than a head may have, to tell "too large" from "complete".
#[derive(Debug, Default)]
pub(crate) struct Head {
    bytes: Vec<u8>,
}

impl Head {
    /// How many more bytes the head takes; never 0 while it needs more.
    pub fn room(&self) -> usize {
        MAX_HEAD + 1 - self.bytes.len()
    }

    /// Appends `chunk` (cut to [`room`](Head::room)) and says what the head
    /// now calls for.
    ///
    /// Only a newline can complete a head, and a parse costs time linear in
    /// the head: the head is parsed when a line ends or it is full, not for
    /// every byte a slow client sends. A head that is invalid before its
    /// first newline is therefore answered at that newline, or never (the
    /// server closes it when its time is up).
    pub fn push(&mut self, chunk: &[u8], path: &str, judge: &dyn Judge) -> Outcome {
        let chunk = &chunk[..chunk.len().min(self.room())];
        // Grow by doubling, but never past the bound.
        let needed = self.bytes.len() + chunk.len();
        if needed > self.bytes.capacity() {
            let capacity = needed.max(self.bytes.capacity() * 2).min(MAX_HEAD + 1);
            self.bytes.reserve_exact(capacity - self.bytes.len());
        }
        self.bytes.extend_from_slice(chunk);
        if chunk.contains(&b'\n') || self.bytes.len() > MAX_HEAD {
            respond(&self.bytes, path, judge)
        } else {
            Outcome::NeedMore
        }
    }
}

/// The response to the request head at the start of `bytes`, or
/// [`Outcome::NeedMore`] while it is incomplete and at most [`MAX_HEAD`]
/// bytes long.
///
/// `GET` and `HEAD` on `path` (query ignored) ask `judge`: 200 when alive,
/// 503 when dead. Any other path is 404, any other method 405, a head that
/// does not parse 400, and one over [`MAX_HEAD`] bytes or [`MAX_HEADERS`]
/// fields 431. Bytes after the head (a body, a pipelined request) are
/// ignored: the connection closes after one response.
pub(crate) fn respond(bytes: &[u8], path: &str, judge: &dyn Judge) -> Outcome {
    let within = &bytes[..bytes.len().min(MAX_HEAD)];
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(within) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if bytes.len() > MAX_HEAD => {
            return Outcome::error(Code::TooLarge);
        }
        Ok(httparse::Status::Partial) => return Outcome::NeedMore,
        Err(httparse::Error::TooManyHeaders) => return Outcome::error(Code::TooLarge),
        Err(_) => return Outcome::error(Code::BadRequest),
    };
    Outcome::Respond {
        response: answer(&request, path, judge),
        linger: bytes.len() > head_len || announces_body(request.headers),
    }
}

/// The response to a complete request head.
fn answer(request: &httparse::Request<'_, '_>, path: &str, judge: &dyn Judge) -> Vec<u8> {
    // A complete parse sets the method and the target.
    let method = request.method.unwrap_or_default();
    let head_only = method == "HEAD";
    let check = match route(request.path.unwrap_or_default()).strip_prefix(path) {
        Some("") => Check::Liveness,
        Some("/startup") => Check::Startup,
        _ => return Response::text(Code::NotFound, NOT_FOUND).build(head_only),
    };
    if method != "GET" && !head_only {
        let mut response = Response::text(Code::MethodNotAllowed, METHOD_NOT_ALLOWED);
        response.allow = true;
        return response.build(false);
    }
    let json = accepts_json(request.headers);
    let (alive, body) = judge.report(check, json);
    Response {
        code: if alive { Code::Ok } else { Code::Unavailable },
        content_type: if json { JSON } else { TEXT },
        allow: false,
        body: body.as_bytes(),
    }
    .build(head_only)
}

/// Whether the headers announce a body: `Transfer-Encoding`, or a
/// `Content-Length` other than 0.
fn announces_body(headers: &[httparse::Header<'_>]) -> bool {
    headers.iter().any(|header| {
        header.name.eq_ignore_ascii_case("transfer-encoding")
            || (header.name.eq_ignore_ascii_case("content-length")
                && header.value.trim_ascii() != b"0")
    })
}

/// The path of a request target, without its query: `/livez` for
/// `/livez?verbose` and for the absolute form `http://host:8080/livez`.
fn route(target: &str) -> &str {
    let path = if target.starts_with('/') {
        target
    } else {
        // The absolute form, which servers must accept (RFC 9112, 3.2.2).
        let Some((scheme, rest)) = target.split_once("://") else {
            return target; // `*` or the authority form: never the path
        };
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return target;
        }
        match rest.find(['/', '?']) {
            Some(at) if rest[at..].starts_with('/') => &rest[at..],
            _ => "/",
        }
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

/// Whether an `Accept` header lists `application/json` (and not with `q=0`).
/// Wildcards (`*/*`, the kubelet's) get the plain lines.
fn accepts_json(headers: &[httparse::Header<'_>]) -> bool {
    headers
        .iter()
        .filter(|header| header.name.eq_ignore_ascii_case("accept"))
        .flat_map(|header| header.value.split(|b| *b == b','))
        .any(|range| {
            let mut parts = range.split(|b| *b == b';');
            let media = parts.next().unwrap_or_default().trim_ascii();
            media.eq_ignore_ascii_case(b"application/json")
                && !parts.any(|param| refuses(param.trim_ascii()))
        })
}

/// Whether a media-range parameter is a zero weight: `q=0`, `q=0.000`.
fn refuses(param: &[u8]) -> bool {
    match param {
        [b'q' | b'Q', b'=', b'0', rest @ ..] => rest.iter().all(|b| *b == b'.' || *b == b'0'),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
