//! The Prometheus text exposition format (version 0.0.4) of the verdicts:
//! a gauge family per figure, a sample per component and pool instance.
//!
//! Written by hand rather than with `prometheus-client`: the samples are
//! made afresh from one survey per scrape, where the crate keeps
//! long-lived metric objects in a registry (a family per figure, a map
//! from labels to gauges, each set and then encoded), and the few lines
//! here are all of the format that is used (`BENCHMARKS.md` has the
//! figures).

use std::{
    fmt::Write,
    time::{Duration, SystemTime},
};

use super::Check;
use crate::{Probe, State, Status, escape};

/// A gauge family: its name, its help text, and its value for a status
/// (`None`: no sample for that status).
struct Family {
    name: &'static str,
    help: &'static str,
    value: fn(&Status) -> Option<Value>,
}

/// A sample's value, written without floating point: the figures are
/// whole milliseconds at most.
enum Value {
    Flag(bool),
    /// A duration, to the millisecond.
    Seconds(Duration),
    /// A wall-clock time, Unix seconds to the millisecond.
    Time(SystemTime),
}

/// Every family, in the order of the output.
const FAMILIES: &[Family] = &[
    Family {
        name: "liveness_alive",
        help: "1 when the component (pool instance) is alive or starting within its grace, 0 when dead.",
        value: |s| Some(Value::Flag(s.is_alive())),
    },
    Family {
        name: "liveness_ready",
        help: "1 when the component (pool instance) is started, alive, not unready and its process not draining (/readyz), else 0.",
        value: |s| Some(Value::Flag(s.is_ready())),
    },
    Family {
        name: "liveness_started",
        help: "1 once the component (pool instance) has recorded a beat, an extension or a failure in this container.",
        value: |s| Some(Value::Flag(s.has_started())),
    },
    Family {
        name: "liveness_failed",
        help: "1 when the component (pool instance) declared itself failed in this container (the reason is in /livez).",
        value: |s| Some(Value::Flag(s.state() == Some(State::Failed))),
    },
    Family {
        name: "liveness_heartbeat_age_seconds",
        help: "Age of the last heartbeat recorded in this container.",
        value: |s| s.age().map(Value::Seconds),
    },
    Family {
        name: "liveness_max_age_seconds",
        help: "The declared maximum age of a heartbeat.",
        value: |s| Some(Value::Seconds(s.max_age())),
    },
    Family {
        name: "liveness_last_beat_timestamp_seconds",
        help: "Wall-clock time of the last heartbeat in the file, in seconds since the Unix epoch.",
        value: |s| s.last_beat().map(Value::Time),
    },
    Family {
        name: "liveness_extended_until_timestamp_seconds",
        help: "End of the running extension, in seconds since the Unix epoch.",
        value: |s| {
            let extended = s.state() == Some(State::Extended);
            s.deadline().filter(|_| extended).map(Value::Time)
        },
    },
    Family {
        name: "liveness_file_info",
        help: "The heartbeat file each component (pool instance) is judged from, in the label path.",
        value: |_| Some(Value::Flag(true)),
    },
];

impl Value {
    /// Appends the value: `1`, `0`, `90`, `0.004`, `-1.5`.
    fn write(&self, out: &mut String) {
        let (negative, duration) = match *self {
            Value::Flag(on) => return out.push(if on { '1' } else { '0' }),
            Value::Seconds(duration) => (false, duration),
            Value::Time(time) => match time.duration_since(SystemTime::UNIX_EPOCH) {
                Ok(after) => (false, after),
                Err(before) => (true, before.duration()),
            },
        };
        if negative {
            out.push('-');
        }
        push_digits(out, duration.as_secs(), 1);
        let millis = duration.subsec_millis();
        if millis > 0 {
            out.push('.');
            push_digits(out, u64::from(millis), 3);
            while out.ends_with('0') {
                out.pop();
            }
        }
    }
}

/// Appends `n` in decimal, with at least `width` digits (zeros in front):
/// what `write!` does, without its formatting machinery, 8,000 times per
/// scrape of a full pool. The digits are ASCII, so the UTF-8 check passes.
fn push_digits(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || digits.len() - start < width {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

/// The exposition of `statuses`.
pub(super) fn render(statuses: &[Status]) -> String {
    let labels: Vec<(String, String)> = statuses.iter().map(labels).collect();
    let mut out = String::with_capacity(2048 + statuses.len() * FAMILIES.len() * 128);
    for family in FAMILIES {
        for part in ["# HELP ", family.name, " ", family.help, "\n# TYPE "] {
            out += part;
        }
        out += family.name;
        out += " gauge\n";
        let info = family.name == "liveness_file_info";
        for (status, (labels, path)) in statuses.iter().zip(&labels) {
            let Some(value) = (family.value)(status) else {
                continue;
            };
            out += family.name;
            out += labels;
            if info {
                out.pop();
                out += path;
            }
            out.push(' ');
            value.write(&mut out);
            out.push('\n');
        }
    }
    out
}

/// A status's labels, `{component="..",instance=".."}` (no `instance` for
/// a component without a pool), and for the file's family the same with
/// `,path=".."}` in place of the closing brace. Values are escaped by the
/// project's escaper, then as the format requires.
fn labels(status: &Status) -> (String, String) {
    // Room for the escapes of most names and paths: no growing.
    let mut labels = String::with_capacity(48 + 2 * status.name().len());
    labels += "{component=\"";
    push_label(&mut labels, status.name().as_bytes(), |out| {
        // Writing to a String cannot fail.
        let _ = write!(Label(out), "{}", escape::text(status.name()));
    });
    labels.push('"');
    if let Some(instance) = status.instance() {
        labels += ",instance=\"";
        push_digits(&mut labels, u64::from(instance), 1);
        labels.push('"');
    }
    labels.push('}');
    let bytes = status.path().as_os_str().as_encoded_bytes();
    let mut path = String::with_capacity(16 + 2 * bytes.len());
    path += ",path=\"";
    push_label(&mut path, bytes, |out| {
        let _ = write!(Label(out), "{}", escape::path(status.path()));
    });
    path += "\"}";
    (labels, path)
}

/// Appends the label value `bytes`: as they are when both escapers leave
/// them so (printable ASCII, no backslash or double quote: every name and
/// path in practice), else as `escaped` writes them.
fn push_label(out: &mut String, bytes: &[u8], escaped: impl FnOnce(&mut String)) {
    let plain = bytes
        .iter()
        .all(|b| matches!(b, b' '..=b'~') && *b != b'\\' && *b != b'"');
    match std::str::from_utf8(bytes) {
        Ok(text) if plain => out.push_str(text),
        _ => escaped(out),
    }
}

/// Writes a label value: backslash, double quote and newline escaped as
/// the format requires (the escaper leaves no newline; the format's rule
/// is kept whole all the same).
struct Label<'a>(&'a mut String);

impl Write for Label<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(['\\', '"', '\n']) {
            self.0.push_str(&rest[..at]);
            self.0.push_str(match rest.as_bytes()[at] {
                b'\\' => "\\\\",
                b'"' => "\\\"",
                _ => "\\n",
            });
            rest = &rest[at + 1..];
        }
        self.0.push_str(rest);
        Ok(())
    }
}

impl Probe {
    /// The verdicts as Prometheus text (exposition format 0.0.4), for a
    /// service that serves its metrics itself; the built-in server and
    /// [`respond`](Probe::respond) answer `/metrics` with it. Judged at
    /// the call, as `/livez` is.
    ///
    /// A gauge family per figure, with `HELP` and `TYPE`, and a sample
    /// per component and pool instance, labelled `component` (the escaped
    /// name) and, for a pool instance, `instance`:
    ///
    /// | family | value |
    /// |---|---|
    /// | `liveness_alive` | 1 alive (or starting within its grace), 0 dead |
    /// | `liveness_started` | 1 once it recorded anything in this container |
    /// | `liveness_failed` | 1 when it declared itself failed (the reason is in `/livez`: free text makes a poor label) |
    /// | `liveness_heartbeat_age_seconds` | age of its last heartbeat in this container; no sample before one |
    /// | `liveness_max_age_seconds` | the declared maximum |
    /// | `liveness_last_beat_timestamp_seconds` | the last heartbeat's wall-clock time, Unix seconds; no sample without one |
    /// | `liveness_extended_until_timestamp_seconds` | the end of a running extension; no sample otherwise |
    /// | `liveness_file_info` | 1, with the heartbeat file in the label `path` |
    ///
    /// Samples are told apart by component name (and instance): give the
    /// components of one probe distinct names, or two of them give the
    /// same series twice.
    ///
    /// Label values go through the escaper of the lines (`\n`, `\u{1b}`,
    /// `\\`), then the format's own escapes, so a parser reads back what
    /// the line shows. Drift toward the limit, before the kill:
    /// `liveness_heartbeat_age_seconds / liveness_max_age_seconds > 0.8`.
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "90s", path = "/tmp/liveness-doc-metrics/worker")]
    /// struct Worker;
    ///
    /// Worker::beat_now()?;
    /// let text = Probe::new([Component::of::<Worker>()]).metrics();
    /// assert!(text.contains("# TYPE liveness_alive gauge\n"));
    /// assert!(text.contains("\nliveness_alive{component=\"worker\"} 1\n"));
    /// assert!(text.contains("\nliveness_max_age_seconds{component=\"worker\"} 90\n"));
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-metrics")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
    pub fn metrics(&self) -> String {
        super::Judge::report(self, Check::Metrics, false).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_to_the_millisecond_without_trailing_zeros() {
        let ms = Duration::from_millis;
        let cases = [
            (Value::Flag(true), "1"),
            (Value::Flag(false), "0"),
            (Value::Seconds(ms(90_000)), "90"),
            (Value::Seconds(ms(4)), "0.004"),
            (Value::Seconds(ms(1_500) + Duration::from_nanos(999)), "1.5"),
            (
                Value::Time(SystemTime::UNIX_EPOCH + ms(1_700_000_000_120)),
                "1700000000.12",
            ),
            (Value::Time(SystemTime::UNIX_EPOCH - ms(1_500)), "-1.5"),
        ];
        for (value, written) in cases {
            let mut out = String::new();
            value.write(&mut out);
            assert_eq!(out, written);
        }
    }
}
