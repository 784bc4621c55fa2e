//! Arbitrary bytes as a request head to the `httpGet` endpoint, whole and
//! in chunks: never a panic, always one well-formed HTTP/1.1 response or a
//! wait for more (only while under 8 KiB), the same response however the
//! bytes arrive, 200 or 503 only as the judge says. The first byte chooses
//! the verdict and the chunk size; see `liveness::fuzzing::check_http`,
//! which exists only under `--cfg fuzzing` (set by `cargo fuzz`).
//!
//! `cd fuzz && cargo +nightly fuzz run http corpus/http corpora/http seeds/http -- -dict=http.dict`
//! (`corpora/http` is the corpus of the last long run, minimized).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    #[cfg(fuzzing)]
    liveness::fuzzing::check_http(data);
    #[cfg(not(fuzzing))]
    let _ = data;
});
