//! `--k8s`: the Kubernetes probes that run this binary, timed from the
//! components' declarations.
//!
//! `periodSeconds` is a third of the smallest `max_age` (at least 1 s): one
//! probe judges every component each period, so each component's hung loop
//! is caught within its own `max_age + periodSeconds × failureThreshold`
//! (and an extended one within its `max_extend + ...`), which the output
//! works out per component in comments. `timeoutSeconds` is 1 (the probe
//! takes milliseconds). When a component's startup grace is longer than its
//! `max_age`, a `startupProbe` running `--startup` covers the start instead,
//! with as many periods as the grace needs; the kubelet runs no liveness
//! probe until it passes.
//!
//! Beside the probes, a `volumeMounts` entry per distinct heartbeat
//! directory and the in-memory `emptyDir` volumes they mount (for the pod's
//! spec): the files must outlive a container restart. A command inside a
//! `target/` directory (a build path) is warned of, in a comment and on
//! stderr, unless `--command` names the path in the image.
//!
//! The output stays valid YAML whatever the binary is called: names and
//! paths in comments are escaped onto one line, and the command and the
//! mount paths are JSON (YAML is a superset of JSON), which quotes any path.

use std::{ffi::OsString, path::PathBuf, time::Duration};

use super::Probe;
use crate::{Component, escape};

/// `failureThreshold` of the `livenessProbe`.
const FAILURE_THRESHOLD: u64 = 3;

/// What `--k8s` was asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Options {
    /// `--command PATH`: the probe's path in the image.
    pub command: Option<OsString>,
    /// `--http PORT`: `httpGet` probes instead of `exec`.
    pub http: Option<u16>,
    /// `--grpc PORT`: `grpc` probes (`grpc.health.v1`) instead of `exec`.
    pub grpc: Option<u16>,
    /// `--ready`: a `readinessProbe` too.
    pub ready: bool,
}

/// The path of this executable, as the kubelet should run it.
pub(super) fn executable() -> PathBuf {
    std::env::current_exe()
        .ok()
        .or_else(|| std::env::args_os().next().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("liveness-probe"))
}

/// What `--k8s` prints: the YAML on stdout, the warnings (each also a
/// comment in the YAML) on stderr.
pub(super) struct Snippet {
    pub yaml: String,
    pub warnings: Vec<String>,
}

/// The largest value of the API's 32-bit fields (`periodSeconds`,
/// `failureThreshold`).
const MAX_INT32: u64 = i32::MAX as u64;

/// The probe timings, in whole seconds.
struct Timing<'a> {
    /// The component with the smallest `max_age`, which sets the period.
    smallest: Option<&'a Component>,
    grace: Duration,
    period: u64,
    /// `failureThreshold` of the `startupProbe`, when one is needed.
    startup_threshold: Option<u64>,
}

impl Timing<'_> {
    fn of(probe: &Probe) -> Timing<'_> {
        let components = probe.components();
        let smallest = components.iter().min_by_key(|c| c.max_age());
        let max_age = smallest.map_or(Duration::from_secs(90), |c| c.max_age());
        let grace = components
            .iter()
            .map(|c| c.grace())
            .max()
            .unwrap_or(max_age);
        // The API's seconds and thresholds are 32-bit: a `max_age` of
        // centuries still prints a probe the API server accepts.
        let period = max_age.as_secs().div_ceil(3).clamp(1, MAX_INT32);
        // Only a grace longer than its own component's max_age needs more
        // than the livenessProbe's own tolerance of a start.
        let long_grace = components.iter().any(|c| c.grace() > c.max_age());
        let startup_threshold =
            long_grace.then(|| grace.as_secs().div_ceil(period).clamp(1, MAX_INT32));
        Timing {
            smallest,
            grace,
            period,
            startup_threshold,
        }
    }

    /// `periodSeconds x failureThreshold` of the livenessProbe.
    fn detection(&self) -> Duration {
        Duration::from_secs(self.period * FAILURE_THRESHOLD)
    }
}

/// The YAML snippet, and what to warn of.
pub(super) fn snippet(probe: &Probe, options: &Options) -> Snippet {
    let timing = Timing::of(probe);
    let mut warnings = Vec::new();
    if options.http.is_none() && options.grpc.is_none() && options.command.is_none() {
        let exe = executable();
        if exe.components().any(|c| c.as_os_str() == "target") {
            warnings.push(format!(
                "warning: the command {} is a build path (inside target/): \
                 give the probe's path in the image with --command PATH",
                escape::path(&exe)
            ));
        }
    }
    let (mounts, unmounted) = volumes::of(probe.components());
    warnings.extend(unmounted);
    let mut yaml = format!("# Probes for {}.\n", escape::text(&probe.program_name()));
    for warning in &warnings {
        yaml += &format!("# {warning}\n");
    }
    yaml += &bounds(probe.components(), &timing);
    yaml += &start(&timing);
    yaml += &probe_block(
        "livenessProbe",
        &action(probe, options, false),
        timing.period,
        FAILURE_THRESHOLD,
    );
    if let Some(threshold) = timing.startup_threshold {
        yaml += &probe_block(
            "startupProbe",
            &action(probe, options, true),
            timing.period,
            threshold,
        );
    }
    if options.ready {
        let ask = match (options.grpc, options.http) {
            (Some(port), _) => ready::Ask::Grpc { port },
            (None, Some(port)) => ready::Ask::Http {
                path: http_path(probe),
                port,
            },
            (None, None) => ready::Ask::Exec(action(probe, options, false)),
        };
        yaml += &ready::block(ask, timing.period);
    }
    yaml += &mounts;
    Snippet { yaml, warnings }
}

/// The comment that works out, per component, how late a hung loop is
/// restarted, and why one period serves them all.
fn bounds(components: &[Component], timing: &Timing<'_>) -> String {
    let human = humantime::format_duration;
    let period = timing.period;
    let each = |limit: Duration| {
        format!(
            "{} + {period}s x {FAILURE_THRESHOLD} = {}",
            human(limit),
            human(limit.saturating_add(timing.detection()))
        )
    };
    let mut text = "# A hung loop is restarted at the latest\n\
                    #   max_age + periodSeconds x failureThreshold\n\
                    # after its last heartbeat:\n"
        .to_owned();
    for c in components {
        text += &format!("#   {}: {}\n", escape::text(c.name()), each(c.max_age()));
    }
    let extended: Vec<&Component> = components
        .iter()
        .filter(|c| {
            c.declaration
                .limits()
                .max_extend
                .is_none_or(|max| max > c.max_age())
        })
        .collect();
    if !extended.is_empty() {
        text += "# A component extended for its longest, at the latest\n\
                 #   max_extend + periodSeconds x failureThreshold\n\
                 # after its last record:\n";
    }
    for c in extended {
        let bound = match c.declaration.limits().max_extend {
            Some(max) => each(max),
            None => format!(
                "no max_extend: as long as its writer asks, + {period}s x {FAILURE_THRESHOLD}"
            ),
        };
        text += &format!("#   {}: {bound}\n", escape::text(c.name()));
    }
    if let Some(smallest) = timing.smallest {
        text += &format!(
            "# periodSeconds {period} is a third of the smallest max_age ({}: {}), so every\n\
             # bound above holds: each run of the probe judges every component.\n",
            escape::text(smallest.name()),
            human(smallest.max_age()),
        );
    }
    text
}

/// The comment on how late a container that never beats is restarted.
fn start(timing: &Timing<'_>) -> String {
    let human = humantime::format_duration;
    let period = timing.period;
    match timing.startup_threshold {
        Some(threshold) => format!(
            "# A container that has not beaten within periodSeconds x failureThreshold\n\
             #   = {period}s x {threshold} = {startup} of its start is restarted; until\n\
             # then the kubelet runs no livenessProbe.\n",
            startup = human(Duration::from_secs(period * threshold)),
        ),
        None => format!(
            "# A container that never beats, within the longest startup_grace + {detection}s = {start_kill}\n\
             # of its start.\n",
            detection = timing.detection().as_secs(),
            start_kill = human(timing.grace.saturating_add(timing.detection())),
        ),
    }
}

fn probe_block(kind: &str, action: &str, period: u64, threshold: u64) -> String {
    format!(
        "{kind}:\n{action}  \
           periodSeconds: {period}\n  \
           timeoutSeconds: 1\n  \
           failureThreshold: {threshold}\n"
    )
}

/// The path the probe's HTTP server answers on.
fn http_path(probe: &Probe) -> &'static str {
    #[cfg(all(feature = "http", unix))]
    return probe.http_path;
    #[cfg(not(all(feature = "http", unix)))]
    {
        let _ = probe;
        "/livez"
    }
}

/// The `exec`, `httpGet` or `grpc` part of a probe.
fn action(probe: &Probe, options: &Options, startup: bool) -> String {
    if let Some(port) = options.grpc {
        let service = if startup { "startup" } else { "liveness" };
        return format!("  grpc:\n    port: {port}\n    service: \"{service}\"\n");
    }
    if let Some(port) = options.http {
        let path = http_path(probe);
        let path = if startup {
            format!("{path}/startup")
        } else {
            path.to_owned()
        };
        // A path `http_path` accepts needs no quoting, but quote it anyway.
        let path = serde_json::to_string(&path).unwrap_or_default();
        return format!("  httpGet:\n    path: {path}\n    port: {port}\n");
    }
    let exe = options
        .command
        .clone()
        .map_or_else(executable, PathBuf::from);
    // YAML cannot hold bytes that are not UTF-8: such a path is shown lossy.
    let mut command = vec![exe.to_string_lossy().into_owned()];
    command.extend(probe.subcommand_name().map(str::to_owned));
    if startup {
        command.push("--startup".to_owned());
    }
    let command = serde_json::to_string(&command).unwrap_or_default();
    format!("  exec:\n    command: {command}\n")
}

/// The heartbeat directories' mounts and volumes.
mod volumes;

/// `--k8s --ready`: the `readinessProbe`.
mod ready;
#[cfg(test)]
pub(crate) use ready::path as readiness_path;
