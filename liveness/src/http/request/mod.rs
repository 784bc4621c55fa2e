//! From the bytes of a request head to what it asks: the part of the
//! server that touches no socket, so that it can be fuzzed and tested on
//! its own. What to answer is the server's to decide (`server/response/`).
//!
//! The head is parsed by `httparse` (hyper's parser). Only the request line
//! and the `Accept` header matter, and whether the client may still be
//! sending: the connection is closed after one response.

/// The longest request head served, from the request line to the empty line
/// that ends the headers; a longer one is answered 431. The kubelet sends
/// about 150 bytes (more with `httpHeaders`).
pub(crate) const MAX_HEAD: usize = 8 * 1024;

/// The most header fields parsed; more is answered 431. The kubelet sends
/// four, plus the `httpHeaders` of the probe.
pub(crate) const MAX_HEADERS: usize = 64;

/// A complete request head, or why there is none.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    /// A valid head.
    Request(Request<'a>),
    /// Not an HTTP/1.x request head.
    Malformed,
    /// Over [`MAX_HEAD`] bytes or [`MAX_HEADERS`] fields.
    TooLarge,
}

impl Parsed<'_> {
    /// Whether the client may still be sending (a body, the rest of a head
    /// that is too large or invalid): then the server reads until it closes
    /// before closing, as closing with unread bytes resets the connection,
    /// which can destroy the response in flight.
    pub fn linger(&self) -> bool {
        match self {
            Parsed::Request(request) => request.linger,
            Parsed::Malformed | Parsed::TooLarge => true,
        }
    }
}

/// What a valid request head asks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request<'a> {
    pub method: Method,
    /// The path of the target, without its query: `/livez` for
    /// `/livez?verbose` and for `http://host:8080/livez`.
    pub path: &'a str,
    /// The `Accept` header lists `application/json`.
    pub json: bool,
    /// Bytes follow the head, or the headers announce a body.
    pub linger: bool,
}

/// The request's method, as far as the server tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Other,
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

    /// Appends `chunk` (cut to [`room`](Head::room)) and parses the head
    /// if it may now be complete; `None` while it needs more bytes.
    ///
    /// Only a newline can complete a head, and a parse costs time linear in
    /// the head: the head is parsed when a line ends or it is full, not for
    /// every byte a slow client sends. A head that is invalid before its
    /// first newline is therefore parsed at that newline, or never (the
    /// server closes it when its time is up).
    pub fn push(&mut self, chunk: &[u8]) -> Option<Parsed<'_>> {
        let chunk = &chunk[..chunk.len().min(self.room())];
        // Grow by doubling, but never past the bound.
        let needed = self.bytes.len() + chunk.len();
        if needed > self.bytes.capacity() {
            let capacity = needed.max(self.bytes.capacity() * 2).min(MAX_HEAD + 1);
            self.bytes.reserve_exact(capacity - self.bytes.len());
        }
        self.bytes.extend_from_slice(chunk);
        if chunk.contains(&b'\n') || self.bytes.len() > MAX_HEAD {
            parse(&self.bytes)
        } else {
            None
        }
    }
}

/// The request head at the start of `bytes`, or `None` while it is
/// incomplete and at most [`MAX_HEAD`] bytes long.
///
/// A head that does not parse is [`Parsed::Malformed`]; one over
/// [`MAX_HEAD`] bytes or [`MAX_HEADERS`] fields [`Parsed::TooLarge`].
/// Bytes after the head (a body, a pipelined request) are not parsed: the
/// connection closes after one response.
pub(crate) fn parse(bytes: &[u8]) -> Option<Parsed<'_>> {
    let within = &bytes[..bytes.len().min(MAX_HEAD)];
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(within) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if bytes.len() > MAX_HEAD => {
            return Some(Parsed::TooLarge);
        }
        Ok(httparse::Status::Partial) => return None,
        Err(httparse::Error::TooManyHeaders) => return Some(Parsed::TooLarge),
        Err(_) => return Some(Parsed::Malformed),
    };
    // A complete parse sets the method and the target.
    let method = match request.method.unwrap_or_default() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        _ => Method::Other,
    };
    Some(Parsed::Request(Request {
        method,
        path: route(request.path.unwrap_or_default()),
        json: accepts_json(request.headers),
        linger: bytes.len() > head_len || announces_body(request.headers),
    }))
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

/// Whether an `Accept` header lists `application/json` (and not with `q=0`);
/// wildcards (`*/*`, the kubelet's) get the plain lines.
fn accepts_json(headers: &[httparse::Header<'_>]) -> bool {
    headers
        .iter()
        .filter(|header| header.name.eq_ignore_ascii_case("accept"))
        .any(|header| super::respond::accepts_json(header.value))
}

#[cfg(test)]
mod tests;
