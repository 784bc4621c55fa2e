//! `Probe::respond`, the answer a service's own router sends, is what the
//! built-in server sends: for every path it answers (and some it does not),
//! with and without `Accept: application/json`, in every state.

#![cfg(unix)]

mod common;

use std::{net::SocketAddr, time::Duration};

use liveness::{Component, Liveness, Probe, Response};

#[derive(Liveness)]
#[liveness(max_age = "60s", max_extend = "1h", env = "RESPOND_STEADY_PATH")]
struct Steady;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "RESPOND_BROKEN_PATH")]
struct Broken;

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "RESPOND_POOL_PATH")]
struct Pool;

/// The paths asked, with the query and the variants a router may pass.
const PATHS: &[&str] = &[
    "/livez",
    "/livez?verbose",
    "/livez/startup",
    "/readyz",
    "/metrics",
    "/livez/",
    "/nope",
    "/",
];

/// `text` with every run of digits as `N`: ages and times move between
/// two answers, the rest must not.
fn shape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// The built-in server's status, `Content-Type` and body for `GET path`.
fn served(addr: SocketAddr, path: &str, accept: Option<&str>) -> (u16, String, String) {
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    let request = format!("GET {path} HTTP/1.1\r\nHost: pod\r\n{accept}Connection: close\r\n\r\n");
    let raw = common::http::raw(addr, request.as_bytes());
    let content_type = raw
        .head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap()
        .to_owned();
    (raw.code, content_type, String::from_utf8(raw.body).unwrap())
}

fn parts(response: &Response) -> (u16, String, String) {
    let body = response.body().to_owned();
    (response.status(), response.content_type().to_owned(), body)
}

/// Asserts that `respond` and the server agree on every path and accept.
fn agree(probe: &Probe) {
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    for path in PATHS {
        for accept in [None, Some("application/json"), Some("*/*")] {
            std::thread::sleep(Duration::from_millis(25)); // past the reuse
            let (code, content_type, body) = served(server.local_addr(), path, accept);
            let (r_code, r_type, r_body) = parts(&probe.respond(path, accept));
            let asked = format!("{path} {accept:?}");
            assert_eq!((r_code, r_type), (code, content_type), "{asked}");
            assert_eq!(shape(&r_body), shape(&body), "{asked}");
        }
    }
}

#[test]
fn respond_answers_as_the_server_in_every_state() {
    common::in_own_dir!(respond_answers_as_the_server_in_every_state, Steady, Broken);
    let probe = Probe::new([Component::of::<Steady>(), Component::of::<Broken>()]);
    // Neither has beaten: starting (alive), not started.
    agree(&probe);
    assert_eq!(probe.respond("/livez", None).status(), 200);
    assert_eq!(probe.respond("/livez/startup", None).status(), 503);

    Steady::beat_now().unwrap();
    Broken::beat_now().unwrap();
    agree(&probe);
    assert_eq!(probe.respond("/livez/startup", None).status(), 200);
    assert_eq!(probe.respond("/readyz", None).status(), 200);

    Steady::unready("cache warming").unwrap();
    agree(&probe);
    let unready = probe.respond("/readyz", None);
    assert_eq!(unready.status(), 503);
    assert!(
        unready.body().contains("not ready: cache warming"),
        "{}",
        unready.body()
    );
    assert_eq!(probe.respond("/livez", None).status(), 200);

    Steady::extend(Duration::from_secs(600), "re\"index\\ing\n").unwrap();
    Broken::fail("lost \"the\" schema\nsecond line").unwrap();
    agree(&probe);
    let dead = probe.respond("/livez", None);
    assert_eq!(dead.status(), 503);
    assert_eq!(dead.body().lines().count(), 2, "{}", dead.body());
    assert!(
        dead.body()
            .contains(r#"failed: lost "the" schema\nsecond line"#)
    );
    let metrics = probe.respond("/metrics", Some("application/json"));
    assert_eq!(
        metrics.status(),
        200,
        "a scrape succeeds whatever the verdict"
    );
    assert!(
        metrics
            .body()
            .contains("liveness_failed{component=\"broken\"} 1\n")
    );
}

#[test]
fn respond_answers_a_summarised_pool_and_another_path_as_the_server() {
    common::in_own_dir!(
        respond_answers_a_summarised_pool_and_another_path_as_the_server,
        Pool
    );
    Pool::pool_size(40).unwrap();
    for i in 0..40 {
        Pool::instance(i).beat_now().unwrap();
    }
    Pool::instance(7).fail("wedged").unwrap();
    let probe = Probe::new([Component::of::<Pool>()]).http_path("/healthz");
    agree(&probe);
    let text = probe.respond("/healthz", None);
    assert_eq!(text.status(), 503);
    assert!(
        text.body().contains("pool: 39 of 40 instances alive"),
        "{}",
        text.body()
    );
    assert_eq!(probe.respond("/livez", None).status(), 404);
}
