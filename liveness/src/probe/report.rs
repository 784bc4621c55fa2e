//! The `--json` document: every component's status, on one line; its
//! fields and their types are stated once, in `cli.md` (a test holds every
//! document to that table).
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

use serde::{Serialize, Serializer};

use crate::{State, Status, Verdict, escape};

/// The probe's `--json` document, for a service that puts it in a document
/// of its own: `alive`, `started` and `ready` for every component, and `components`,
/// each a [`Status`] as its [`Serialize`] implementation writes it. Its
/// fields and their types are the table "JSON" of [`Probe`](crate::Probe)'s
/// documentation.
///
/// ```
/// use std::time::Duration;
/// use liveness::{Report, Timestamp};
///
/// let status = Timestamp::byref("/nonexistent/worker", Duration::from_secs(90)).check();
/// let report = Report::new(vec![status]);
/// assert!(!report.alive());
/// let json = serde_json::to_value(&report)?;
/// assert_eq!(json["components"][0]["why"], "missing");
/// assert_eq!(json["components"][0]["max_age_ms"], 90_000);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    alive: bool,
    started: bool,
    /// Every component ready (`--ready`'s exit code).
    ready: bool,
    components: Vec<Status>,
}

impl Report {
    /// The document for `statuses` (from [`Probe::statuses`](crate::Probe::statuses),
    /// say).
    pub fn new(statuses: Vec<Status>) -> Report {
        Report {
            alive: statuses.iter().all(Status::is_alive),
            started: statuses.iter().all(Status::has_started),
            ready: statuses.iter().all(Status::is_ready),
            components: statuses,
        }
    }

    /// Whether every component is alive (the probe's exit code).
    pub fn alive(&self) -> bool {
        self.alive
    }

    /// Whether every component has started (`--startup`'s exit code).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Whether every component is ready (`--ready`'s exit code).
    pub fn ready(&self) -> bool {
        self.ready
    }

    /// The statuses, one per component and pool instance.
    pub fn components(&self) -> &[Status] {
        &self.components
    }
}

/// One object of the `--json` document's `components`: the fields of the
/// table "JSON" of [`Probe`](crate::Probe)'s documentation, every name,
/// path and reason escaped as in the line.
#[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        component(self).serialize(serializer)
    }
}

#[derive(Serialize)]
struct ComponentReport {
    name: String,
    instance: Option<u32>,
    path: String,
    verdict: Verdict,
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
    state: Option<State>,
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
        verdict: s.verdict(),
        alive: s.is_alive(),
        started: s.has_started(),
        ready: s.is_ready(),
        unready_reason: s.unready_reason().map(|r| escape::text(r).to_string()),
        draining: s.is_draining(),
        location: s
            .location()
            .map(|(file, line)| format!("{}:{line}", escape::text(file))),
        state: s.state(),
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
    serde_json::to_string(&Report::new(statuses.to_vec())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeMap, time::Duration};

    use serde_json::Value;

    use crate::probe::report::{Report, json};

    /// The table "JSON" of `cli.md`: each field and its type
    /// (`bool`, `string or null`, ...).
    fn schema() -> BTreeMap<String, String> {
        let doc = include_str!("cli.md");
        let table = doc
            .split("**JSON.**")
            .nth(1)
            .expect("cli.md has its JSON table");
        let mut fields = BTreeMap::new();
        for row in table.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row.split(" | ").collect();
            for key in cells[0].trim_start_matches("| ").split(", ") {
                fields.insert(key.trim_matches('`').to_owned(), cells[1].to_owned());
            }
        }
        fields
    }

    /// Whether `value` is of the documented `kind`.
    fn is(kind: &str, value: &Value) -> bool {
        kind.split(" or ").any(|kind| match kind {
            "bool" => value.is_boolean(),
            "string" => value.is_string(),
            "number" => value.is_u64(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => panic!("cli.md names an unknown type {kind:?}"),
        })
    }

    /// Checks that `doc` has every documented field, no other, each of
    /// its type; returns the types seen, per field.
    fn conforms(doc: &Value, seen: &mut BTreeMap<String, Vec<String>>) {
        let schema = schema();
        let top = doc.as_object().unwrap();
        let components = doc["components"].as_array().unwrap();
        let objects = std::iter::once(top).chain(components.iter().map(|c| c.as_object().unwrap()));
        for object in objects {
            for (key, value) in object {
                let kind = schema
                    .get(key)
                    .unwrap_or_else(|| panic!("`{key}` undocumented"));
                assert!(is(kind, value), "`{key}` is {value}, documented {kind}");
                let name = if value.is_null() { "null" } else { "value" };
                seen.entry(key.clone()).or_default().push(name.to_owned());
            }
        }
        for key in schema.keys() {
            let holds = top.contains_key(key) || components.iter().all(|c| c.get(key).is_some());
            assert!(holds, "`{key}` documented, not in {doc}");
        }
    }

    #[test]
    fn every_document_holds_to_the_table_of_cli_md() {
        let dir = std::path::absolute(std::env::temp_dir())
            .unwrap()
            .join(format!("liveness-report-{}", std::process::id()));
        let path = dir.join("worker");
        let max_age = Duration::from_secs(90);
        let missing = crate::Timestamp::byref(&path, max_age).check();
        crate::Timestamp::create(&path, max_age).unwrap();
        let alive = crate::Timestamp::byref(&path, max_age).check();
        let mut seen = BTreeMap::new();
        for statuses in [vec![missing.clone()], vec![alive.clone(), missing], vec![]] {
            let doc: Value = serde_json::from_str(&json(&statuses)).unwrap();
            conforms(&doc, &mut seen);
            // A Report serialized by a user is the same document.
            let report = serde_json::to_value(Report::new(statuses)).unwrap();
            assert_eq!(report, doc);
        }
        // Both sides of an `or null` were seen, where the two statuses differ.
        for key in ["age_ms", "last_beat", "writer_pid", "state"] {
            assert!(seen[key].contains(&"null".to_owned()), "{key}: {seen:?}");
            assert!(seen[key].contains(&"value".to_owned()), "{key}: {seen:?}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_status_serializes_as_its_object_of_the_document() {
        let status = crate::Timestamp::byref("/nonexistent/x", Duration::from_secs(9)).check();
        let doc: Value = serde_json::from_str(&json(std::slice::from_ref(&status))).unwrap();
        assert_eq!(serde_json::to_value(&status).unwrap(), doc["components"][0]);
        assert_eq!(serde_json::to_value(status.verdict()).unwrap(), "dead");
        assert_eq!(
            serde_json::to_value(crate::State::Extended).unwrap(),
            "extended"
        );
    }
}
