//! What a writer knows of its own container: which records in a file are
//! its container's, and which failures no write of it may cover.

use crate::{
    host::{Host, Identity, ticks_to_duration},
    record::{Event, Record},
    status::{self, Origin},
};

/// Whether `record` declares a failure of this container: one no write of
/// this container may cover (see [`of_this_container`]).
pub(crate) fn failure_here(record: &Record) -> bool {
    matches!(record.event, Event::Fail { .. }) && of_this_container(record)
}

/// Whether this process counts `record` as written in its own container:
/// when the probe would ([`status::origin`]: the same incarnation, or a
/// writer that still runs), or when it was written in this boot after this
/// container started (by a process of a nested mount or PID namespace of
/// this container that has exited). Without procfs on either side nothing
/// tells containers apart, and it counts.
pub(crate) fn of_this_container(record: &Record) -> bool {
    let me = Identity::get();
    let (Some(theirs), Some(ours)) = (record.incarnation, me.incarnation) else {
        return true;
    };
    if record.boot.map(|(id, _)| id) != me.boot_id {
        return false; // containers do not outlive a reboot
    }
    if theirs.same(&ours) {
        return true;
    }
    if let Some((_, up)) = record.boot {
        if up >= ticks_to_duration(ours.init_start) {
            return true;
        }
    }
    status::origin(record, &Host::of_process()) == Origin::ThisContainer
}
