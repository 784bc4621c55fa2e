//! Arbitrary bytes as a heartbeat file, judged against arbitrary clocks: never
//! a panic, always one bounded line, alive only on a heartbeat.
//! The input layout is in `src/lib.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| liveness_fuzz::check(data));
