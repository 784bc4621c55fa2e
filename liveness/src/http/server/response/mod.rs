//! The server's answers: what a parsed request gets, as bytes, and the
//! check that a response is well formed.

use std::io::Write;

pub(crate) use crate::http::respond::TEXT;
#[cfg(any(test, fuzzing))]
pub(crate) use crate::http::respond::{JSON, METRICS};
use crate::http::{
    Judge,
    request::{MAX_HEAD, MAX_HEADERS, Method, Parsed, Request},
    respond::{self, Response},
};

pub(crate) const BAD_REQUEST: &str = "bad request: not an HTTP/1.x request head\n";
pub(crate) const METHOD_NOT_ALLOWED: &str = "method not allowed: use GET or HEAD\n";

/// The body of a 431, with the bounds the parser applies.
pub(crate) fn too_large() -> String {
    format!("request head too large: at most {MAX_HEAD} bytes and {MAX_HEADERS} header fields\n")
}

/// The response to `parsed`, for a server on `path`.
///
/// `GET` and `HEAD` get what [`Probe::respond`](crate::Probe::respond)
/// answers (the same function decides): on `path` (query ignored), or on
/// `path` followed by `/startup`, or on the readiness path (`/readyz`),
/// `judge`'s verdict, 200 when alive (started, ready), 503 when not; on `/metrics`, 200 and the Prometheus text. Any other path is
/// 404, any other method 405, a head that does not parse 400, and one too
/// large 431.
pub(crate) fn answer(parsed: &Parsed<'_>, path: &str, judge: &dyn Judge) -> Vec<u8> {
    match parsed {
        Parsed::Request(request) => answer_request(request, path, judge),
        Parsed::Malformed => build(400, TEXT, false, BAD_REQUEST.as_bytes(), false),
        Parsed::TooLarge => build(431, TEXT, false, too_large().as_bytes(), false),
    }
}

/// The response to a valid request head.
fn answer_request(request: &Request<'_>, path: &str, judge: &dyn Judge) -> Vec<u8> {
    let head_only = request.method == Method::Head;
    let Some(check) = respond::route(path, request.path) else {
        let response = Response::not_found();
        return send(&response, head_only);
    };
    if request.method == Method::Other {
        return build(405, TEXT, true, METHOD_NOT_ALLOWED.as_bytes(), false);
    }
    send(&respond::answer(judge, check, request.json), head_only)
}

/// The bytes of `response`.
fn send(response: &Response, head_only: bool) -> Vec<u8> {
    let body = response.body().as_bytes();
    build(
        response.status(),
        response.content_type(),
        false,
        body,
        head_only,
    )
}

/// The status line's code and reason phrase.
fn status_line(code: u16) -> &'static str {
    match code {
        200 => "200 OK",
        400 => "400 Bad Request",
        404 => "404 Not Found",
        405 => "405 Method Not Allowed",
        431 => "431 Request Header Fields Too Large",
        _ => "503 Service Unavailable",
    }
}

/// A response's bytes, with `Allow: GET, HEAD` when `allow` (a 405); the
/// headers only for a `HEAD` request, with the `Content-Length` a `GET`
/// would get.
fn build(code: u16, content_type: &str, allow: bool, body: &[u8], head_only: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(192 + body.len());
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {}\r\n\
         Content-Type: {}\r\n\
         Content-Length: {}\r\n\
         {}\
         Cache-Control: no-store\r\n\
         Connection: close\r\n\r\n",
        status_line(code),
        content_type,
        body.len(),
        if allow { "Allow: GET, HEAD\r\n" } else { "" },
    );
    if !head_only {
        out.extend_from_slice(body);
    }
    out
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
    assert!(
        [TEXT, JSON, METRICS]
            .iter()
            .any(|t| content_type == t.as_bytes()),
        "unexpected Content-Type"
    );
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
