//! Responses: status codes, headers, bodies, and the check that a response
//! is well formed.

use std::io::Write;

pub(super) const TEXT: &str = "text/plain; charset=utf-8";
pub(super) const JSON: &str = "application/json";

pub(super) const BAD_REQUEST: &str = "bad request: not an HTTP/1.x request head\n";
pub(super) const NOT_FOUND: &str = "not found\n";
pub(super) const METHOD_NOT_ALLOWED: &str = "method not allowed: use GET or HEAD\n";
pub(super) const TOO_LARGE: &str =
    "request head too large: at most 8192 bytes and 64 header fields\n";

/// The statuses the server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Code {
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

pub(super) struct Response<'a> {
    pub code: Code,
    pub content_type: &'static str,
    /// Send `Allow: GET, HEAD` (with a 405).
    pub allow: bool,
    pub body: &'a [u8],
}

impl Response<'_> {
    pub fn text(code: Code, body: &'static str) -> Response<'static> {
        Response {
            code,
            content_type: TEXT,
            allow: false,
            body: body.as_bytes(),
        }
    }

    /// The response's bytes; the headers only for a `HEAD` request, with the
    /// `Content-Length` a `GET` would get.
    pub fn build(&self, head_only: bool) -> Vec<u8> {
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
