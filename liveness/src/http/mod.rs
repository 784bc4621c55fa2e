//! The `httpGet` endpoint: the kubelet asks the service itself over HTTP,
//! so no process is started per check.
//!
//! What a path gets is decided once, in `respond.rs` (feature `probe`): its
//! table of routes maps a path to a [`Check`], a [`Judge`] (`judge.rs`)
//! answers it (this file: the probe's survey, from memory; `summary.rs`, a
//! large pool summarised; `metrics.rs`, the Prometheus text), and
//! [`Probe::respond`] hands the answer to a service's own router. The
//! built-in server (feature `http`) goes through the same function:
//! [`Probe::serve_http`] (`serve.rs`) binds a listener (`listen.rs`) and
//! answers from one background thread running a `poll` loop over the
//! listener and its connections (`server/`). A request head is parsed in
//! `request/`, which touches no socket and judges nothing; the server turns
//! the answer into bytes (`server/response/`), asking its judge through a
//! cache (`cache.rs`), so the source of verdicts can change without the
//! server noticing.
//!
//! # Bounds, and why
//!
//! The endpoint shares a process with the service it vouches for, and a
//! liveness endpoint that a stray scanner can wedge restarts healthy pods.
//! Every resource a client can make it spend has a bound:
//!
//! | what | bound | why |
//! |---|---|---|
//! | request head | 8 KiB, 64 header fields; 431 above | the kubelet sends ~150 bytes; 8 KiB is the common default of HTTP servers |
//! | time to send the head | 1 s, then closed | the kubelet sends its head at once; a slow sender frees its slot quickly |
//! | time to take the response and close | 1 s, then closed | the response fits a socket buffer; a client that never reads frees its slot |
//! | connections at once | 512 | the memory bound: 512 × (8 KiB head + response) |
//! | requests per connection | 1 (`Connection: close`) | the kubelet opens a connection per check; no keep-alive state to bound |
//! | surveys | one per 20 ms per question, answers reused in between (`cache.rs`) | a flood of connections queued ahead of the kubelet's costs microseconds each |
//! | response | a pool of more than 32 instances summarised: its dead or unstarted instances named (32 at most), the others counted (`summary.rs`) | a full pool's check stays a few KiB, fits the socket buffer, costs little |
//!
//! A connection over the cap takes the slot of the oldest one still
//! sending its head (or of one already answered), not of the newcomer: a
//! kubelet's connection sends its head as soon as it is accepted and is
//! answered before 512 newer ones arrive, however many hostile ones are
//! open. Reads and writes never block the loop (unsent bytes wait for
//! `POLLOUT`), and a head is parsed when a line ends rather than per byte.
//!
//! A connection is closed as soon as its response is sent, unless the
//! client may still be sending (a body, a second request, the rest of an
//! oversized or invalid head): then the server shuts its side and reads
//! until the client closes (1 s and 64 KiB at most), because closing a
//! socket with unread bytes resets the connection, and the reset can
//! destroy the response before the client reads it.

#[cfg(all(feature = "http", unix))]
mod cache;
#[cfg(all(fuzzing, feature = "http", unix))]
pub mod fuzz;
mod judge;
#[cfg(all(feature = "http", unix))]
mod listen;
mod metrics;
#[cfg(all(test, unix))]
mod properties;
#[cfg(all(feature = "http", unix))]
mod request;
mod respond;
#[cfg(all(feature = "http", unix))]
mod serve;
#[cfg(all(feature = "http", unix))]
mod server;
mod summary;

pub(crate) use judge::{Check, Judge};
pub use respond::Response;
#[cfg(all(feature = "http", unix))]
pub use serve::HttpServer;

use crate::{
    Probe, Status,
    probe::{Source, survey},
};

/// Verdicts from memory for the components this process writes (the last
/// record each writer wrote, while the file holds it; the same clocks and
/// rules as the probe binary), from the files for the others; the startup
/// grace counts from the process start.
impl Judge for Probe {
    fn report(&self, check: Check, json: bool) -> (bool, String) {
        let statuses = survey(self.components(), Source::Memory);
        let alive = statuses.iter().all(Status::is_alive);
        let started = statuses.iter().all(Status::has_started);
        let ready = statuses.iter().all(Status::is_ready);
        let ok = match check {
            Check::Liveness => alive,
            Check::Startup => started,
            Check::Readiness => ready,
            // A scrape succeeds whatever the verdicts: they are its samples.
            Check::Metrics => return (true, metrics::render(&statuses)),
        };
        let summary = summary::summarise(&statuses);
        let mut body = String::new();
        if json {
            body = json_body(&summary, [alive, started, ready]);
            body.push('\n');
        } else {
            for status in &summary.listed {
                match check {
                    Check::Liveness | Check::Metrics => body += &status.to_string(),
                    Check::Startup => body += &status.startup_line().to_string(),
                    Check::Readiness => body += &status.ready_line().to_string(),
                }
                body.push('\n');
            }
            for pool in &summary.pools {
                body += &pool.line();
                body.push('\n');
            }
        }
        (ok, body)
    }
}

/// The probe's `--json` document for the listed statuses, with `alive`,
/// `started` and `ready` for all of them and, when pools are summarised,
/// `pools`.
fn json_body(summary: &summary::Summary<'_>, [alive, started, ready]: [bool; 3]) -> String {
    let listed: Vec<Status> = summary.listed.iter().map(|s| (*s).clone()).collect();
    let body = crate::probe::report::json(&listed);
    if summary.pools.is_empty() {
        return body;
    }
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(&body) else {
        return body;
    };
    doc.insert("alive".into(), alive.into());
    doc.insert("started".into(), started.into());
    doc.insert("ready".into(), ready.into());
    let pools = serde_json::to_value(&summary.pools).unwrap_or_default();
    doc.insert("pools".into(), pools);
    serde_json::Value::Object(doc).to_string()
}

impl Probe {
    /// The path [`serve_http`](Probe::serve_http) and
    /// [`respond`](Probe::respond) answer on (default `/livez`; its startup
    /// check is that path followed by `/startup`); it must start with `/` and
    /// hold no space or control character.
    #[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
    #[must_use]
    pub fn http_path(mut self, path: &'static str) -> Probe {
        self.http_path = path;
        self
    }
}
