//! Pins every compile error of `#[derive(Liveness)]`, one mistake per file in
//! `tests/ui/`, and compiles and runs the declarations that must work in
//! `tests/ui/pass/`.
//!
//! The `.stderr` files are pinned to rustc 1.95, the workspace's toolchain:
//! on any other toolchain the test is ignored (and says so) rather than
//! failing on the compiler's wording. After changing a message, regenerate
//! them with `TRYBUILD=overwrite cargo test -p liveness-tests --test ui` and read the diff.

use std::time::Duration;

/// The heartbeat `tests/ui/pass/liveness-main.rs` declares; its probe must
/// find it fresh to exit 0.
const PROBE_MAIN_PATH: &str = "/tmp/liveness/trybuild-liveness-main";

// Before #[test], which only sees an #[ignore] already there when it expands.
#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files are pinned to rustc 1.95"
)]
#[test]
fn ui() {
    liveness::Timestamp::create(PROBE_MAIN_PATH, Duration::from_secs(24 * 60 * 60))
        .expect("write the heartbeat of tests/ui/pass/liveness-main.rs");
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
