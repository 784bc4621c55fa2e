//! `--systemd`: the settings of a systemd service unit whose service calls
//! `Probe::watchdog` (feature `systemd`), timed from the components'
//! declarations, with the arithmetic in comments.

use std::{path, time::Duration};

use super::Probe;
use crate::escape;

/// `TimeoutStartSec=` beyond the longest startup grace: time for the
/// watchdog's thread to see a component's first beat (it looks every 50 ms)
/// or to trigger on one still silent, before systemd gives up on the start.
const START_MARGIN: Duration = Duration::from_secs(1);

/// The `[Service]` settings, with comments.
pub(super) fn snippet(probe: &Probe) -> String {
    let components = probe.components();
    let watchdog = components
        .iter()
        .map(|c| c.max_age())
        .min()
        .unwrap_or(Duration::from_secs(90))
        .max(Duration::from_millis(2))
        .min(SYSTEMD_MAX);
    let grace = components
        .iter()
        .map(|c| c.grace())
        .max()
        .unwrap_or_default();
    let mut text = format!(
        "# systemd settings for the service that {} probes: its main process\n\
         # keeps the handle of Probe::watchdog() (feature `systemd`).\n",
        escape::text(&probe.program_name())
    );
    text += "[Service]\nType=notify\nNotifyAccess=main\n\
             # ExecStart=/path/to/the/service (the service itself, in the foreground)\n";
    text += &format!(
        "# WatchdogSec = the smallest max_age ({}). The service sends WATCHDOG=1\n\
         # every WatchdogSec / 2 = {} while every component is alive, and\n\
         # WATCHDOG=trigger as soon as one is dead:\n",
        human(watchdog),
        human(watchdog / 2)
    );
    for c in components {
        let extended = c.declaration.max_extend().map_or_else(String::new, |max| {
            format!("; extended, {} after its last record", human(max))
        });
        text += &format!(
            "# {}: a wedged loop is restarted {} after its last beat{extended}\n",
            escape::text(c.name()),
            human(c.max_age())
        );
    }
    text += &format!(
        "# A process frozen whole (its watchdog thread too): at the latest\n\
         # WatchdogSec after its last ping.\n\
         WatchdogSec={}\n",
        setting(watchdog)
    );
    text += &format!(
        "# TimeoutStartSec = the longest startup_grace ({}) + {}: READY=1 is sent\n\
         # once every component has beaten; one still silent after its grace is\n\
         # dead, and triggers the watchdog, before this runs out.\n\
         TimeoutStartSec={}\n",
        human(grace),
        human(START_MARGIN),
        start_setting(grace.saturating_add(START_MARGIN))
    );
    text += "# A watchdog restart is a failure.\nRestart=on-failure\n";
    text + &private_tmp(probe)
}

/// `PrivateTmp=yes`, and a warning for each heartbeat it does not cover.
fn private_tmp(probe: &Probe) -> String {
    let mut text = String::new();
    for c in probe.components() {
        let path = c.path();
        let in_tmp = ["/tmp", "/var/tmp"].iter().any(|tmp| path.starts_with(tmp))
            && !path
                .components()
                .any(|part| part == path::Component::ParentDir);
        if !in_tmp {
            text += &format!(
                "# warning: the heartbeat of {} ({}) is not in /tmp,\n\
                 #   so it outlives a restart: the restarted process is judged on the\n\
                 #   old one's record until it beats, and a failure recorded there\n\
                 #   stays; move it under /tmp (its `env` variable, or `path`).\n",
                escape::text(c.name()),
                escape::path(&path)
            );
        }
    }
    text + "# A /tmp of its own for each start: the heartbeats (and failures) of the\n\
            # process systemd restarts are not the new one's.\n\
            PrivateTmp=yes\n"
}

/// A duration as people read it.
fn human(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// The longest time systemd reads: microseconds in a `u64`, whose largest
/// value means "infinity", in whole seconds. A longer one is refused and
/// the setting dropped (for `WatchdogSec=`, the watchdog turned off).
const SYSTEMD_MAX: Duration = Duration::from_secs((u64::MAX - 1) / 1_000_000);

/// `TimeoutStartSec=`: `infinity` (no timeout) beyond what systemd reads.
fn start_setting(duration: Duration) -> String {
    if duration > SYSTEMD_MAX {
        "infinity".to_owned()
    } else {
        setting(duration)
    }
}

/// A duration as systemd reads it: whole seconds, else milliseconds
/// (rounded up: never shorter than asked).
fn setting(duration: Duration) -> String {
    let ms = duration.as_nanos().div_ceil(1_000_000);
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests;
