//! Arbitrary bytes as a heartbeat file, judged on a host and for a component
//! the input also chooses: never a panic, always one bounded line, and the
//! verdict, state and age an oracle of its own works out from the record
//! format and the verdict rules. The input layout is in `src/lib.rs`.
//!
//! `cd fuzz && cargo +nightly fuzz run record corpus/record corpora/record seeds -- -dict=record.dict`
//! (`corpora/record` is the corpus of the last long run, minimized).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    #[cfg(fuzzing)]
    liveness_fuzz::check(data);
    #[cfg(not(fuzzing))]
    let _ = data;
});
