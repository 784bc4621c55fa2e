//! The `--json` document: every component's status, on one line.
//!
//! ```json
//! {"alive":true,"started":true,"ready":false,"components":[{"name":"consumer","instance":2,
//!  "path":"/tmp/liveness/consumer.2","verdict":"alive","alive":true,
//!  "started":true,"ready":false,"unready_reason":"cache warming",
//!  "draining":false,"location":"src/consumer.rs:42","state":"extended","why":"extended","reason":"reindexing",
//!  "deadline":"2026-11-25T05:31:02.123Z","message":"consumer[2]: alive: ...",
//!  "age_ms":4,"max_age_ms":30000,"startup_grace_ms":30000,
//!  "last_beat":"2026-11-25T05:21:02.123456789Z","writer_pid":4242,
//!  "this_container":true}]}
//! ```
//!
//! Names, paths and reasons are escaped as in the lines (a path that is not
//! UTF-8 is shown with `\xNN` escapes, not lossy), so no control character
//! reaches a terminal or a Kubernetes event through this document either.

use std::time::Duration;

use crate::{Status, escape};

#[derive(serde::Serialize)]
struct Report {
    alive: bool,
    started: bool,
    /// Every component ready (`--ready`'s exit code).
    ready: bool,
    components: Vec<ComponentReport>,
}

#[derive(serde::Serialize)]
struct ComponentReport {
    name: String,
    instance: Option<u32>,
    path: String,
    verdict: &'static str,
    alive: bool,
    /// Whether it has recorded anything in this container (`--startup`).
    started: bool,
    /// Whether it should get traffic (`--ready`).
    ready: bool,
    /// The reason given to `unready` or `drain`, when that is why it is
    /// not ready.
    unready_reason: Option<String>,
    /// Whether its process drains.
    draining: bool,
    /// `file:line` of the call that wrote its record.
    location: Option<String>,
    /// `beating`, `extended`, `failed`, `starting`, or `null` when the file
    /// cannot tell.
    state: Option<&'static str>,
    /// One word for why the verdict is what it is (see `cli.md`).
    why: &'static str,
    /// The reason given to `extend` or `fail`.
    reason: Option<String>,
    /// When it turns dead if nothing more is recorded (RFC 3339, UTC).
    deadline: Option<String>,
    /// The line the plain probe prints.
    message: String,
    age_ms: Option<u64>,
    max_age_ms: u64,
    startup_grace_ms: u64,
    /// RFC 3339, UTC.
    last_beat: Option<String>,
    writer_pid: Option<u32>,
    /// `true`: written in this container; `false`: by a previous one (or
    /// another live one); `null`: unknown.
    this_container: Option<bool>,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn component(s: &Status) -> ComponentReport {
    ComponentReport {
        name: escape::text(s.name()).to_string(),
        instance: s.instance(),
        path: escape::path(s.path()).to_string(),
        verdict: s.verdict().as_str(),
        alive: s.is_alive(),
        started: s.has_started(),
        ready: s.is_ready(),
        unready_reason: s.unready_reason().map(|r| escape::text(r).to_string()),
        draining: s.is_draining(),
        location: s
            .location()
            .map(|(file, line)| format!("{}:{line}", escape::text(file))),
        state: s.state().map(|state| state.as_str()),
        why: s.why_word(),
        reason: s.reason().map(|r| escape::text(r).to_string()),
        deadline: s
            .deadline()
            .map(|t| humantime::format_rfc3339_millis(t).to_string()),
        message: s.to_string(),
        age_ms: s.age().map(millis),
        max_age_ms: millis(s.max_age()),
        startup_grace_ms: millis(s.startup_grace()),
        last_beat: s
            .last_beat()
            .map(|t| humantime::format_rfc3339_nanos(t).to_string()),
        writer_pid: s.writer_pid(),
        this_container: s.from_this_container(),
    }
}

/// The document for `statuses`.
pub(crate) fn json(statuses: &[Status]) -> String {
    let report = Report {
        alive: statuses.iter().all(Status::is_alive),
        started: statuses.iter().all(Status::has_started),
        ready: statuses.iter().all(Status::is_ready),
        components: statuses.iter().map(component).collect(),
    };
    serde_json::to_string(&report).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn cli_md_documents_every_field() {
        let status =
            crate::Timestamp::byref("/nonexistent/liveness-doc", Duration::from_secs(9)).check();
        let report: serde_json::Value = serde_json::from_str(&super::json(&[status])).unwrap();
        let doc = include_str!("cli.md");
        let component = report["components"][0].as_object().unwrap();
        let keys = report.as_object().unwrap().keys().chain(component.keys());
        for key in keys {
            assert!(
                doc.contains(&format!("`{key}`")),
                "cli.md does not document `{key}`"
            );
        }
    }
}
