//! `--docker` and `--compose`: Docker's `HEALTHCHECK` line and Compose's
//! `healthcheck:` block that run this binary, timed from the components'
//! declarations, as `--k8s` times the Kubernetes probes.
//!
//! `--interval` is a third of the smallest `max_age` (at least 1 s) and
//! `--retries` 3: one run of the probe judges every component, so each
//! component's hung loop is marked unhealthy within its own
//! `max_age + interval × retries` (an extended one within its
//! `max_extend + ...`), which the output works out per component in
//! comments. `--timeout` is 1 s (the probe takes milliseconds).
//! `--start-period` is the longest startup grace: failures within it do not
//! count, and a container that never beats is unhealthy within
//! `start-period + interval × retries` of its start.
//!
//! The command is JSON (the exec form, no shell) in printable ASCII: any
//! other character of the path is a `\u` escape, which Docker and Compose
//! decode to the same path, so the output is one line a terminal shows as
//! it is; in Compose's, a `$` is `$$` (Compose would read `$NAME` as a
//! variable). Names and paths in comments go through [`escape`].

use std::{ffi::OsString, fmt::Write as _, path::PathBuf, time::Duration};

use super::{Probe, k8s};
use crate::{Component, escape};

/// `--retries`: consecutive failures before Docker says unhealthy.
const RETRIES: u64 = 3;
/// `--timeout`, in seconds.
const TIMEOUT: u64 = 1;

/// What is printed: a Dockerfile line or a Compose block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `--docker`: a `HEALTHCHECK` instruction for a Dockerfile.
    Dockerfile,
    /// `--compose`: a `healthcheck:` block for a Compose service.
    Compose,
}

/// What `--docker` or `--compose` was asked for.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Options {
    pub format: Format,
    /// `--command PATH`: the probe's path in the image.
    pub command: Option<OsString>,
}

impl Options {
    /// The options when `longs` (each given once) ask for `--docker` or
    /// `--compose`, with `--command` at most; `None` otherwise.
    pub(super) fn of(longs: &[&str], command: Option<&OsString>) -> Option<Options> {
        let rest: Vec<&str> = longs
            .iter()
            .copied()
            .filter(|l| *l != "--command")
            .collect();
        let format = match rest[..] {
            ["--docker"] => Format::Dockerfile,
            ["--compose"] => Format::Compose,
            _ => return None,
        };
        Some(Options {
            format,
            command: command.cloned(),
        })
    }
}

/// The text to print on stdout (in `yaml`, a Dockerfile line for
/// `--docker`), and the warnings (each also a comment in it) for stderr.
pub(super) fn snippet(probe: &Probe, options: &Options) -> k8s::Snippet {
    let components = probe.components();
    let interval = k8s_period(components);
    let start_period = components
        .iter()
        .map(Component::grace)
        .max()
        .unwrap_or_default()
        .min(GO_MAX);
    let command = options
        .command
        .clone()
        .map_or_else(k8s::executable, PathBuf::from);
    let warnings = warnings(&command, options.command.is_none());
    let kind = match options.format {
        Format::Dockerfile => "Docker HEALTHCHECK",
        Format::Compose => "Compose healthcheck",
    };
    let mut text = format!("# {kind} for {}.\n", escape::text(&probe.program_name()));
    for warning in &warnings {
        text += &format!("# {warning}\n");
    }
    text += &bounds(components, interval, start_period);
    let mut argv = vec![command.to_string_lossy().into_owned()];
    argv.extend(probe.subcommand_name().map(str::to_owned));
    let (interval, start) = (go_duration(interval), go_duration(start_period));
    text += &match options.format {
        Format::Dockerfile => format!(
            "HEALTHCHECK --interval={interval} --timeout={TIMEOUT}s --start-period={start} \
             --retries={RETRIES} CMD {}\n",
            json_array(argv.iter().map(String::as_str), false)
        ),
        Format::Compose => format!(
            "healthcheck:\n  test: {}\n  interval: {interval}\n  timeout: {TIMEOUT}s\n  \
             start_period: {start}\n  retries: {RETRIES}\n",
            json_array(
                ["CMD"].into_iter().chain(argv.iter().map(String::as_str)),
                true
            )
        ),
    };
    k8s::Snippet {
        yaml: text,
        warnings,
    }
}

/// `--interval`: a third of the smallest `max_age`, at least 1 s (as
/// `--k8s`'s `periodSeconds`), at most [`GO_MAX`].
fn k8s_period(components: &[Component]) -> Duration {
    let smallest = components.iter().map(Component::max_age).min();
    let secs = smallest.unwrap_or(Duration::from_secs(90)).as_secs();
    Duration::from_secs(secs.div_ceil(3).max(1)).min(GO_MAX)
}

/// A command inside `target/` (a build, not the image), and one a
/// Dockerfile cannot name (not UTF-8).
fn warnings(command: &std::path::Path, guessed: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    if guessed && command.components().any(|c| c.as_os_str() == "target") {
        warnings.push(format!(
            "warning: the command {} is a build path (inside target/): \
             give the probe's path in the image with --command PATH",
            escape::path(command)
        ));
    }
    if command.to_str().is_none() {
        warnings.push(format!(
            "warning: the command {} is not UTF-8, which JSON cannot hold: \
             rename it, or give another path with --command PATH",
            escape::path(command)
        ));
    }
    warnings
}

/// The comment that works out each component's bound, and the start's.
fn bounds(components: &[Component], interval: Duration, start_period: Duration) -> String {
    let human = humantime::format_duration;
    let detection = interval.saturating_mul(RETRIES as u32);
    let each = |limit: Duration| {
        let (i, sum) = (human(interval), human(limit.saturating_add(detection)));
        format!("{} + {i} x {RETRIES} = {sum}", human(limit))
    };
    let mut text = "# A hung loop is marked unhealthy at the latest\n\
                    #   max_age + interval x retries\n# after its last heartbeat:\n"
        .to_owned();
    for c in components {
        let _ = writeln!(
            text,
            "#   {}: {}",
            escape::text(c.name()),
            each(c.max_age())
        );
    }
    let extended = components.iter().filter(|c| {
        let max = c.declaration.limits().max_extend;
        max.is_none_or(|max| max > c.max_age())
    });
    for (n, c) in extended.enumerate() {
        if n == 0 {
            text += "# One extended for its longest, at the latest\n\
                     #   max_extend + interval x retries\n# after its last record:\n";
        }
        let bound = c.declaration.limits().max_extend.map_or_else(
            || {
                let i = human(interval);
                format!("no max_extend: as long as its writer asks, + {i} x {RETRIES}")
            },
            each,
        );
        let _ = writeln!(text, "#   {}: {bound}", escape::text(c.name()));
    }
    if let Some(smallest) = components.iter().min_by_key(|c| c.max_age()) {
        let _ = writeln!(
            text,
            "# The interval is a third of the smallest max_age ({}: {}): each run of\n\
             # the probe judges every component.",
            escape::text(smallest.name()),
            human(smallest.max_age())
        );
    }
    let _ = writeln!(
        text,
        "# The start period is the longest startup_grace: a container that never\n\
         # beats is unhealthy within {} + {} x {RETRIES} = {} of its start.\n\
         # Docker only marks the container unhealthy; Swarm, or a tool watching\n\
         # its health, restarts it (a restart policy acts on exits alone).",
        human(start_period),
        human(interval),
        human(start_period.saturating_add(detection))
    );
    text
}

/// The longest duration Go holds (`time.Duration` is `int64` nanoseconds),
/// in whole seconds.
const GO_MAX: Duration = Duration::from_secs(i64::MAX as u64 / 1_000_000_000);

/// A duration as Go's `time.ParseDuration`, which Docker and Compose read,
/// takes it: whole seconds, else milliseconds (rounded up); at most
/// [`GO_MAX`], about 292 years.
fn go_duration(d: Duration) -> String {
    let d = d.min(GO_MAX);
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_nanos().div_ceil(1_000_000))
    }
}

/// A JSON array of strings in printable ASCII: every other character as a
/// `\u` escape. JSON (the Dockerfile) spells a character beyond U+FFFF as
/// a surrogate pair; YAML (`yaml`, Compose) as `\U` and eight digits, and
/// `$` as `$$`, which Compose reads as `$` (`$NAME` it would replace with
/// the variable).
fn json_array<'a>(items: impl IntoIterator<Item = &'a str>, yaml: bool) -> String {
    let mut out = String::from("[");
    for (n, item) in items.into_iter().enumerate() {
        out += if n == 0 { "\"" } else { ", \"" };
        for c in item.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '$' if yaml => out += "$$",
                ' '..='~' => out.push(c),
                _ if yaml && u32::from(c) > 0xffff => {
                    let _ = write!(out, "\\U{:08x}", u32::from(c));
                }
                _ => {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
            }
        }
        out.push('"');
    }
    out + "]"
}

#[cfg(test)]
mod tests;
