//! Which container wrote a record, as this host sees it: this one, a
//! previous one (or boot), or another live one writing the same file.

use std::time::Duration;

use crate::{
    host::{Host, ticks_to_duration},
    record::Record,
};

/// A record written this long after this container started, by a writer of
/// another container that the probe cannot see, is a live container's: a
/// previous container stopped before this one started.
const AFTER_START: Duration = Duration::from_secs(1);

/// Where a record comes from, as this host sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    ThisContainer,
    /// No procfs on one side: the guard is off.
    Unknown,
    Previous,
    OtherLive {
        pid: u32,
    },
}

/// Whether `record` was written in this container, as far as `host` can tell.
pub(crate) fn origin(record: &Record, host: &Host) -> Origin {
    let (Some(theirs), Some(ours)) = (record.incarnation, host.incarnation) else {
        return Origin::Unknown;
    };
    if let (Some((id, _)), Some(boot)) = (record.boot, host.boot) {
        if id != boot.id {
            return Origin::Previous; // containers do not outlive a reboot
        }
    }
    if theirs.same(&ours) || host.runs(&record.writer) {
        return Origin::ThisContainer;
    }
    if host
        .incarnation_with_pid_ns()
        .is_some_and(|ours| theirs.same_pid_ns(&ours))
    {
        // A process of a nested mount namespace that has exited, or a
        // restart where containers share a PID namespace: no heartbeat.
        return Origin::Previous;
    }
    let started = ticks_to_duration(ours.init_start);
    match record.boot {
        Some((_, up)) if up > started + AFTER_START => Origin::OtherLive {
            pid: record.writer.pid,
        },
        _ => Origin::Previous,
    }
}
