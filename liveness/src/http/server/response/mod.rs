//! The server's answers: what a parsed request gets, as bytes, and the
//! check that a response is well formed.

use std::io::Write;

use crate::http::{
    Check, Judge,
    request::{MAX_HEAD, MAX_HEADERS, Method, Parsed, Request},
};

pub(crate) const TEXT: &str = "text/plain; charset=utf-8";
pub(crate) const JSON: &str = "application/json";

pub(crate) const BAD_REQUEST: &str = "bad request: not an HTTP/1.x request head\n";
pub(crate) const NOT_FOUND: &str = "not found\n";
pub(crate) const METHOD_NOT_ALLOWED: &str = "method not allowed: use GET or HEAD\n";

/// The body of a 431, with the bounds the parser applies.
pub(crate) fn too_large() -> String {
    format!("request head too large: at most {MAX_HEAD} bytes and {MAX_HEADERS} header fields\n")
}

/// The response to `parsed`, for a server on `path`.
///
/// `GET` and `HEAD` on `path` (query ignored), on `path` followed by
/// `/startup`, or on the readiness path (`/readyz`, see [`Check::of`]), ask
/// `judge`: 200 when alive (started, ready), 503 when not. Any other path
/// is 404, any other method 405, a head that does not parse 400, and one
/// too large 431.
pub(crate) fn answer(parsed: &Parsed<'_>, path: &str, judge: &dyn Judge) -> Vec<u8> {
    match parsed {
        Parsed::Request(request) => answer_request(request, path, judge),
        Parsed::Malformed => Response::text(Code::BadRequest, BAD_REQUEST).build(false),
        Parsed::TooLarge => {
            let body = too_large();
            Response {
                body: body.as_bytes(),
                ..Response::text(Code::TooLarge, "")
            }
            .build(false)
        }
    }
}

/// The response to a valid request head.
fn answer_request(request: &Request<'_>, path: &str, judge: &dyn Judge) -> Vec<u8> {
    let head_only = request.method == Method::Head;
    let Some(check) = Check::of(request.path, path) else {
        return Response::text(Code::NotFound, NOT_FOUND).build(head_only);
    };
    if request.method == Method::Other {
        let mut response = Response::text(Code::MethodNotAllowed, METHOD_NOT_ALLOWED);
        response.allow = true;
        return response.build(false);
    }
    let (alive, body) = judge.report(check, request.json);
    Response {
        code: if alive { Code::Ok } else { Code::Unavailable },
        content_type: if request.json { JSON } else { TEXT },
        allow: false,
        body: body.as_bytes(),
    }
    .build(head_only)
}

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
/// [`answer`] makes them, and returns its status code and body; panics
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
pub(crate) mod tests;
