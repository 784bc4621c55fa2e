//! The answers to request heads: parsed, then answered as a server on
//! `/livez` with a judge whose verdict is fixed.

use super::*;
use crate::http::{
    Check,
    request::{MAX_HEADERS, parse},
};

/// A judge with a fixed verdict.
pub(crate) struct Fixed(pub bool);

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

/// The server's response to the head at the start of `bytes`, from a judge
/// that says `alive`; `None` while the head needs more bytes.
pub(crate) fn respond(bytes: &[u8], alive: bool) -> Option<Vec<u8>> {
    parse(bytes).map(|parsed| answer(&parsed, "/livez", &Fixed(alive)))
}

/// The response to `bytes` from a judge that says `alive`.
pub(crate) fn response(bytes: &[u8], alive: bool) -> Vec<u8> {
    respond(bytes, alive)
        .unwrap_or_else(|| panic!("needs more: {:?}", String::from_utf8_lossy(bytes)))
}

/// The status and body of the response to `request`, from a judge that
/// says alive.
pub(crate) fn ask(request: &str) -> (u16, String) {
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
fn the_431_names_the_bounds_the_parser_applies() {
    let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
    let (code, body) = ask(&format!("GET /livez HTTP/1.1\r\n{many}\r\n"));
    assert_eq!((code, body.as_str()), (431, too_large().as_str()));
    let bounds = format!("at most {MAX_HEAD} bytes and {MAX_HEADERS} header fields\n");
    assert!(body.ends_with(&bounds), "{body:?}");
}
