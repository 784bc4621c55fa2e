//! From the bytes of a request head to the bytes of the response: the part
//! of the server that touches no socket, so that it can be fuzzed and tested
//! on its own.
//!
//! The head is parsed by `httparse` (hyper's parser). Only the request line
//! and the `Accept` header matter; every response carries `Content-Length`
//! and `Connection: close`, and the connection is closed after it.

use std::io::Write;

use super::{Check, Judge};

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

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

const BAD_REQUEST: &str = "bad request: not an HTTP/1.x request head\n";
const NOT_FOUND: &str = "not found\n";
const METHOD_NOT_ALLOWED: &str = "method not allowed: use GET or HEAD\n";
const TOO_LARGE: &str = "request head too large: at most 8192 bytes and 64 header fields\n";

/// The statuses the server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Code {
    Ok,
    BadRequest,
    NotFound,
    MethodNotAllowed,
    TooLarge,
    Unavailable,
}

impl Code {
    /// The status line's code and reason phrase.
    fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "200 OK",
            Code::BadRequest => "400 Bad Request",
            Code::NotFound => "404 Not Found",
            Code::MethodNotAllowed => "405 Method Not Allowed",
            Code::TooLarge => "431 Request Header Fields Too Large",
            Code::Unavailable => "503 Service Unavailable",
        }
    }
}

struct Response<'a> {
    code: Code,
    content_type: &'static str,
    /// Send `Allow: GET, HEAD` (with a 405).
    allow: bool,
    body: &'a [u8],
}

impl Response<'_> {
    fn text(code: Code, body: &'static str) -> Response<'static> {
        Response {
            code,
            content_type: TEXT,
            allow: false,
            body: body.as_bytes(),
        }
    }

    /// The response's bytes; the headers only for a `HEAD` request, with the
    /// `Content-Length` a `GET` would get.
    fn build(&self, head_only: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(192 + self.body.len());
        // Writing to a Vec cannot fail.
        let _ = write!(
            out,
            "HTTP/1.1 {}\r\n\
             Content-Type: {}\r\n\
             Content-Length: {}\r\n\
             {}\
             Cache-Control: no-store\r\n\
             Connection: close\r\n\r\n",
            self.code.as_str(),
            self.content_type,
            self.body.len(),
            if self.allow {
                "Allow: GET, HEAD\r\n"
            } else {
                ""
            },
        );
        if !head_only {
            out.extend_from_slice(self.body);
        }
        out
    }
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

/// Checks that `response` is one well-formed HTTP/1.1 response as
/// [`respond`] makes them, and returns its status code and body; panics
/// otherwise. For the property tests and the fuzz target.
#[cfg(any(test, fuzzing))]
pub(crate) fn check_response(response: &[u8]) -> (u16, &[u8]) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(response) {
        Ok(httparse::Status::Complete(len)) => len,
        other => panic!(
            "not a complete response head: {other:?}: {:?}",
            String::from_utf8_lossy(response)
        ),
    };
    assert_eq!(parsed.version, Some(1), "not HTTP/1.1");
    let code = parsed.code.unwrap_or_default();
    assert!(
        [200, 400, 404, 405, 431, 503].contains(&code),
        "unexpected status {code}"
    );
    let header = |name: &str| {
        let mut values = parsed
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value);
        let value = values.next();
        assert!(values.next().is_none(), "two {name} headers");
        value
    };
    assert_eq!(header("connection"), Some(&b"close"[..]));
    assert_eq!(header("allow").is_some(), code == 405);
    let content_type = header("content-type").expect("no Content-Type");
    assert!(content_type == TEXT.as_bytes() || content_type == JSON.as_bytes());
    let length: usize = std::str::from_utf8(header("content-length").expect("no Content-Length"))
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Content-Length is not a number");
    let body = &response[head_len..];
    // A response to HEAD has the headers of the GET and no body.
    assert!(
        body.len() == length || body.is_empty(),
        "Content-Length {length}, body of {}",
        body.len()
    );
    (code, body)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A judge with a fixed verdict.
    struct Fixed(bool);

    impl Judge for Fixed {
        fn report(&self, _: Check, json: bool) -> (bool, String) {
            let verdict = if self.0 { "alive" } else { "dead" };
            let body = if json {
                format!("{{\"alive\":{}}}\n", self.0)
            } else {
                format!("worker: {verdict}: fixed (/fixed)\n")
            };
            (self.0, body)
        }
    }

    /// The response to `bytes` from a judge that says `alive`.
    fn response(bytes: &[u8], alive: bool) -> Vec<u8> {
        match respond(bytes, "/livez", &Fixed(alive)) {
            Outcome::Respond { response, .. } => response,
            Outcome::NeedMore => panic!("needs more: {:?}", String::from_utf8_lossy(bytes)),
        }
    }

    fn ask(request: &str) -> (u16, String) {
        let response = response(request.as_bytes(), true);
        let (code, body) = check_response(&response);
        (code, String::from_utf8(body.to_vec()).unwrap())
    }

    #[test]
    fn get_on_the_path_gives_the_judges_lines() {
        let (code, body) = ask("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(
            (code, body.as_str()),
            (200, "worker: alive: fixed (/fixed)\n")
        );
        let dead = response(b"GET /livez HTTP/1.0\n\n", false);
        assert!(dead.starts_with(b"HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(dead.ends_with(b"\r\n\r\nworker: dead: fixed (/fixed)\n"));
    }

    #[test]
    fn query_and_absolute_form_reach_the_path() {
        assert_eq!(ask("GET /livez?verbose HTTP/1.1\r\n\r\n").0, 200);
        assert_eq!(ask("GET http://pod:8080/livez HTTP/1.1\r\n\r\n").0, 200);
        assert_eq!(ask("GET HTTP://pod/livez?x HTTP/1.1\r\n\r\n").0, 200);
        assert_eq!(ask("GET http://pod HTTP/1.1\r\n\r\n").0, 404);
        assert_eq!(ask("GET /livez/ HTTP/1.1\r\n\r\n").0, 404);
        assert_eq!(ask("GET /?/livez HTTP/1.1\r\n\r\n").0, 404);
        assert_eq!(ask("GET * HTTP/1.1\r\n\r\n").0, 404);
    }

    #[test]
    fn accept_chooses_json_only_when_listed() {
        let json = |accept: &str| {
            let request = format!("GET /livez HTTP/1.1\r\nAccept: {accept}\r\n\r\n");
            ask(&request).1.starts_with('{')
        };
        assert!(json("application/json"));
        assert!(json("text/html, Application/JSON;charset=utf-8"));
        assert!(json("text/plain;q=0.5, application/json;q=0.9"));
        assert!(!json("application/json;q=0"));
        assert!(!json("application/json; q=0.000"));
        assert!(!json("*/*"));
        assert!(!json("application/*"));
        assert!(!json("application/jsonx"));
        let two = "GET /livez HTTP/1.1\r\nAccept: text/plain\r\naccept: application/json\r\n\r\n";
        assert!(ask(two).1.starts_with('{'));
    }

    #[test]
    fn head_gets_the_headers_of_get_and_no_body() {
        let get = response(b"GET /livez HTTP/1.1\r\n\r\n", true);
        let head = response(b"HEAD /livez HTTP/1.1\r\n\r\n", true);
        assert!(get.starts_with(&head));
        assert!(head.ends_with(b"\r\n\r\n"));
        assert_eq!(ask("HEAD /nope HTTP/1.1\r\n\r\n"), (404, String::new()));
    }

    #[test]
    fn other_methods_paths_and_garbage() {
        assert_eq!(
            ask("POST /livez HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            (405, METHOD_NOT_ALLOWED.to_owned())
        );
        assert_eq!(ask("DELETE /nope HTTP/1.1\r\n\r\n").0, 404);
        assert_eq!(ask("GET /livez HTTP/2.0\r\n\r\n").0, 400);
        assert_eq!(ask("GET /livez\r\n\r\n").0, 400);
        assert_eq!(ask("GET /livez HTTP/1.1\r\nBad Header: x\r\n\r\n").0, 400);
        let tls = response(b"\x16\x03\x01\x02\x00\x01\xfc\x03\x03\n", true);
        assert_eq!(check_response(&tls).0, 400);
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(ask(&format!("GET /livez HTTP/1.1\r\n{many}\r\n")).0, 431);
    }

    #[test]
    fn lingers_only_when_the_client_may_still_be_sending() {
        let linger = |bytes: &[u8]| match respond(bytes, "/livez", &Fixed(true)) {
            Outcome::Respond { linger, .. } => linger,
            Outcome::NeedMore => panic!("needs more"),
        };
        assert!(!linger(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(!linger(
            b"POST /livez HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
        ));
        assert!(linger(b"POST /livez HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
        assert!(linger(
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        ));
        assert!(linger(
            b"GET /livez HTTP/1.1\r\n\r\nGET /livez HTTP/1.1\r\n"
        ));
        assert!(linger(b"GET /livez HTTP/9.9\r\n"));
        assert!(linger(&[b'a'; MAX_HEAD + 1]));
    }

    #[test]
    fn incomplete_heads_need_more() {
        for partial in [
            "",
            "GET",
            "GET /livez HTTP/1.1",
            "GET /livez HTTP/1.1\r\nHost: x\r\n",
        ] {
            let outcome = respond(partial.as_bytes(), "/livez", &Fixed(true));
            assert_eq!(outcome, Outcome::NeedMore, "{partial:?}");
        }
    }

    #[test]
    fn a_head_parses_once_a_line_ends() {
        let mut head = Head::default();
        for byte in b"GET /livez HTTP/1.1\r\nHost: x\r\n\r" {
            let outcome = head.push(&[*byte], "/livez", &Fixed(true));
            assert_eq!(outcome, Outcome::NeedMore);
        }
        let outcome = head.push(b"\n", "/livez", &Fixed(true));
        assert!(outcome.response().is_some());
    }

    /// A well-formed request head: method, target, version, then headers.
    fn request_head(
        method: &str,
        target: &str,
        minor: u8,
        headers: &[(String, String)],
        crlf: bool,
    ) -> Vec<u8> {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut head = format!("{method} {target} HTTP/1.{minor}{eol}");
        for (name, value) in headers {
            head += &format!("{name}: {value}{eol}");
        }
        head += eol;
        head.into_bytes()
    }

    fn header() -> impl Strategy<Value = (String, String)> {
        (
            "[A-Za-z][A-Za-z0-9-]{0,15}",
            "[ -~]{0,40}".prop_map(|v| v.trim().to_owned()),
        )
    }

    proptest! {
        /// Any bytes: a well-formed response or "need more", never a panic,
        /// and "need more" only while the bytes fit the bound.
        #[test]
        fn any_bytes_give_a_response_or_need_more(
            bytes in prop::collection::vec(any::<u8>(), 0..10_000),
            alive in any::<bool>(),
        ) {
            match respond(&bytes, "/livez", &Fixed(alive)).response() {
                None => prop_assert!(bytes.len() <= MAX_HEAD),
                Some(response) => { check_response(response); }
            }
        }

        /// Text that looks like a request, arriving in arbitrary chunks:
        /// well-formed answers, the same as for the whole at once (whether
        /// to linger depends on what arrived after the head).
        #[test]
        fn heads_in_chunks_answer_as_a_whole(
            text in "(GET|HEAD|POST|G) (/livez|/|/x)( HTTP/1\\.[01])?(\r?\n([A-Za-z-]{1,8}: [ -~]{0,12})?){0,6}",
            cuts in prop::collection::vec(1usize..16, 0..40),
        ) {
            let bytes = text.as_bytes();
            let mut head = Head::default();
            let (mut at, mut cuts) = (0, cuts.into_iter());
            let mut outcome = Outcome::NeedMore;
            while at < bytes.len() && outcome == Outcome::NeedMore {
                let end = at.saturating_add(cuts.next().unwrap_or(usize::MAX)).min(bytes.len());
                outcome = head.push(&bytes[at..end], "/livez", &Fixed(true));
                at = end;
            }
            let whole = respond(bytes, "/livez", &Fixed(true));
            if let Some(response) = outcome.response() {
                check_response(response);
                prop_assert_eq!(Some(response), whole.response());
            } else if let Some(response) = whole.response() {
                // Parsed only when a line ends: an error after the last
                // newline is answered at the next one, or never (closed).
                prop_assert_eq!(check_response(response).0, 400);
            }
        }

        /// A head over the bound is 431, however it is sent.
        #[test]
        fn a_head_over_8_kib_is_431(
            method in "GET|HEAD|POST",
            headers in prop::collection::vec(header(), 0..8),
            filler in MAX_HEAD..MAX_HEAD + 2_000,
            chunk in 1usize..5_000,
        ) {
            let mut headers = headers;
            headers.push(("X-Filler".into(), "f".repeat(filler)));
            let bytes = request_head(&method, "/livez", 1, &headers, true);
            let whole = response(&bytes, true);
            prop_assert_eq!(check_response(&whole).0, 431);
            let mut head = Head::default();
            let mut outcome = Outcome::NeedMore;
            for piece in bytes.chunks(chunk) {
                outcome = head.push(piece, "/livez", &Fixed(true));
                if outcome != Outcome::NeedMore {
                    break;
                }
            }
            prop_assert_eq!(outcome, Outcome::Respond { response: whole, linger: true });
            prop_assert!(head.bytes.capacity() <= MAX_HEAD + 1);
        }

        /// A well-formed GET or HEAD on the path: 200 or 503 as the judge
        /// says, its body (none for HEAD), JSON when asked for.
        #[test]
        fn get_and_head_on_the_path_follow_the_judge(
            head_only in any::<bool>(),
            minor in 0u8..=1,
            headers in prop::collection::vec(header(), 0..10),
            json in any::<bool>(),
            query in prop::option::of("[a-z=&]{0,10}"),
            crlf in any::<bool>(),
            alive in any::<bool>(),
        ) {
            let mut headers: Vec<_> = headers
                .into_iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("accept"))
                .collect();
            if json {
                headers.push(("Accept".into(), "text/html, application/json;q=0.8".into()));
            }
            let method = if head_only { "HEAD" } else { "GET" };
            let target = match &query {
                Some(query) => format!("/livez?{query}"),
                None => "/livez".into(),
            };
            let bytes = request_head(method, &target, minor, &headers, crlf);
            prop_assume!(bytes.len() <= MAX_HEAD);
            let judge = Fixed(alive);
            let response = response(&bytes, alive);
            let (code, body) = check_response(&response);
            prop_assert_eq!(code, if alive { 200 } else { 503 });
            let expected = judge.report(Check::Liveness, json).1;
            if head_only {
                prop_assert!(body.is_empty());
                let length = format!("Content-Length: {}\r\n", expected.len());
                prop_assert!(response.windows(length.len()).any(|w| w == length.as_bytes()));
            } else {
                prop_assert_eq!(body, expected.as_bytes());
            }
            let content_type = format!("Content-Type: {}\r\n", if json { JSON } else { TEXT });
            prop_assert!(response.windows(content_type.len()).any(|w| w == content_type.as_bytes()));
        }
    }
}
