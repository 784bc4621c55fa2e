//! Pins every compile error of `#[derive(Liveness)]`, one mistake per file in
//! `tests/ui/`, and compiles and runs the declarations that must work in
//! `tests/ui/pass/`.
//!
//! The `.stderr` files are pinned to the workspace's toolchain (rustc 1.95).
//! After changing a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff.

use std::time::Duration;

/// The heartbeat `tests/ui/pass/liveness-main.rs` declares; its probe must
/// find it fresh to exit 0.
const PROBE_MAIN_PATH: &str = "/tmp/liveness/trybuild-liveness-main";

#[test]
fn ui() {
    liveness::Timestamp::create(PROBE_MAIN_PATH, Duration::from_secs(24 * 60 * 60))
        .expect("write the heartbeat of tests/ui/pass/liveness-main.rs");
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
