//! `Probe::serve_http` as a service calls it: its errors.

#![cfg(unix)]

use std::{net::TcpListener, time::Duration};

use liveness::{Component, Probe};

#[test]
fn a_port_in_use_is_an_error_naming_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let probe = Probe::new([Component::new(
        "worker",
        "/tmp/liveness-serve-test/worker",
        Duration::from_secs(60),
    )]);
    let error = probe.serve_http(addr).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    assert_eq!(
        error.to_string(),
        format!("cannot listen on {addr}: address in use")
    );
}
