//! `Probe::serve_http` as a service calls it: its errors, a failure
//! answered at once, and the startup grace of a component not beaten yet.

#![cfg(unix)]

mod common;

use std::{net::TcpListener, time::Duration};

use liveness::{Component, Liveness, Probe};

#[derive(Liveness)]
#[liveness(max_age = "60s", env = "FAILING_PATH")]
struct Failing;

/// Never beats: its startup grace (5 s) is all that keeps it alive.
#[derive(Liveness)]
#[liveness(max_age = "2s", startup_grace = "5s", env = "UNBEATEN_PATH")]
struct Unbeaten;

#[test]
fn livez_is_dead_the_moment_fail_returns_however_often_it_was_asked() {
    common::in_own_dir!(
        livez_is_dead_the_moment_fail_returns_however_often_it_was_asked,
        Failing
    );
    Failing::beat_now().unwrap();
    let server = Probe::new([Component::of::<Failing>()])
        .serve_http("127.0.0.1:0")
        .unwrap();
    // Asked again and again, as a flood would: the answers may be reused.
    for _ in 0..5 {
        assert_eq!(common::http::livez(server.local_addr()).0, 200);
    }
    Failing::fail("lost the schema").unwrap();
    assert_eq!(common::http::livez(server.local_addr()).0, 503);
}

#[test]
fn a_component_not_beaten_yet_is_starting_for_its_grace_after_this_process_started() {
    // This test's own process started a moment ago; the machine (the
    // container, outside one) long before the grace.
    common::in_own_dir!(
        a_component_not_beaten_yet_is_starting_for_its_grace_after_this_process_started,
        Unbeaten
    );
    assert!(
        common::uptime() > Duration::from_secs(60),
        "the machine booted under a minute ago: its start and this process's cannot be told apart"
    );
    let server = Probe::new([Component::of::<Unbeaten>()])
        .serve_http("127.0.0.1:0")
        .unwrap();
    let (code, body) = common::http::livez(server.local_addr());
    assert_eq!(code, 200, "{body}");
    assert!(
        body.starts_with("unbeaten: alive: starting: no heartbeat yet"),
        "{body}"
    );
    // Once the process is older than the grace, it is over.
    std::thread::sleep(Unbeaten::STARTUP_GRACE + Duration::from_millis(100));
    let (code, body) = common::http::livez(server.local_addr());
    assert_eq!(code, 503, "{body}");
    assert!(
        body.starts_with("unbeaten: dead: no heartbeat since "),
        "{body}"
    );
}

#[test]
fn a_port_in_use_is_an_error_naming_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = common::scratch();
    let probe = Probe::new([Component::new(
        "worker",
        dir.path().join("worker"),
        Duration::from_secs(60),
    )]);
    let error = probe.serve_http(addr).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    assert_eq!(
        error.to_string(),
        format!("cannot listen on {addr}: address in use")
    );
}
