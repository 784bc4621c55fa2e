//! `--k8s`: the Kubernetes probes that run this binary, timed from the
//! components' declarations.
//!
//! `periodSeconds` is a third of the smallest `max_age` (at least 1 s), so a
//! hung loop is caught about `2 × max_age` after its last beat;
//! `timeoutSeconds` is 1 (the probe takes milliseconds). When a component's
//! startup grace is longer than its `max_age`, a `startupProbe` running `--startup`
//! covers the start instead, with as many periods as the grace needs; the
//! kubelet runs no liveness probe until it passes.
//!
//! The output stays valid YAML whatever the binary is called: names in
//! comments are escaped onto one line, and the command is a JSON array
//! (YAML is a superset of JSON), which quotes any path.

use std::{ffi::OsString, path::PathBuf, time::Duration};

use super::Probe;
use crate::escape;

/// `failureThreshold` of the `livenessProbe`.
const FAILURE_THRESHOLD: u64 = 3;

/// What `--k8s` was asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Options {
    /// `--command PATH`: the probe's path in the image.
    pub command: Option<OsString>,
    /// `--http PORT`: `httpGet` probes instead of `exec`.
    pub http: Option<u16>,
}

/// The path of this executable, as the kubelet should run it.
pub(super) fn executable() -> PathBuf {
    std::env::current_exe()
        .ok()
        .or_else(|| std::env::args_os().next().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("liveness-probe"))
}

/// The probe timings, in whole seconds.
struct Timing {
    max_age: Duration,
    grace: Duration,
    period: u64,
    /// `failureThreshold` of the `startupProbe`, when one is needed.
    startup_threshold: Option<u64>,
}

impl Timing {
    fn of(probe: &Probe) -> Timing {
        let components = probe.components();
        let max_age = components
            .iter()
            .map(|c| c.max_age)
            .min()
            .unwrap_or(Duration::from_secs(90));
        let grace = components
            .iter()
            .map(|c| c.startup_grace)
            .max()
            .unwrap_or(max_age);
        let period = max_age.as_secs().div_ceil(3).max(1);
        // Only a grace longer than its own component's max_age needs more
        // than the livenessProbe's own tolerance of a start.
        let long_grace = components.iter().any(|c| c.startup_grace > c.max_age);
        let startup_threshold = long_grace.then(|| grace.as_secs().div_ceil(period).max(1));
        Timing {
            max_age,
            grace,
            period,
            startup_threshold,
        }
    }
}

/// The YAML snippet.
pub(super) fn snippet(probe: &Probe, options: &Options) -> String {
    let timing = Timing::of(probe);
    let human = humantime::format_duration;
    let detection = timing.period * FAILURE_THRESHOLD;
    let kill = timing.max_age + Duration::from_secs(detection);
    let mut yaml = format!(
        "# Probes for {name}: max_age {max_age}, startup_grace {grace}.\n\
         # A hung loop is restarted at the latest\n\
         #   max_age + periodSeconds x failureThreshold\n\
         #   = {max_age} + {period}s x {FAILURE_THRESHOLD} = {kill}\n\
         # after its last heartbeat.\n",
        name = escape::text(&probe.program_name()),
        max_age = human(timing.max_age),
        grace = human(timing.grace),
        period = timing.period,
        kill = human(kill),
    );
    match timing.startup_threshold {
        Some(threshold) => {
            yaml += &format!(
                "# A container that has not beaten within periodSeconds x failureThreshold\n\
             #   = {period}s x {threshold} = {startup} of its start is restarted; until\n\
             # then the kubelet runs no livenessProbe.\n",
                period = timing.period,
                startup = human(Duration::from_secs(timing.period * threshold)),
            )
        }
        None => {
            yaml += &format!(
                "# A container that never beats, within startup_grace + {detection}s = {start_kill}\n\
             # of its start.\n",
                start_kill = human(timing.grace + Duration::from_secs(detection)),
            )
        }
    }
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
    yaml
}

fn probe_block(kind: &str, action: &str, period: u64, threshold: u64) -> String {
    format!(
        "{kind}:\n{action}  \
           periodSeconds: {period}\n  \
           timeoutSeconds: 1\n  \
           failureThreshold: {threshold}\n"
    )
}

/// The `exec` or `httpGet` part of a probe.
fn action(probe: &Probe, options: &Options, startup: bool) -> String {
    if let Some(port) = options.http {
        let path = if startup { "/livez/startup" } else { "/livez" };
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
