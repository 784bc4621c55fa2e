//! The probe's debug log (`RUST_LOG=debug`, `LOG_LEVEL=DEBUG`): the
//! reasoning behind each verdict in words, one line each, every name, path
//! and reason from outside through the escaper, so that no file or path can
//! forge a line on stderr (which the kubelet puts in the pod's events).

use std::fmt::{self, Display};

use super::unit::Unit;
use crate::{
    Status,
    escape::{path, text},
    host::Host,
    record::{Event, Parsed, Record},
    status::human,
    store::Contents,
};

/// Logs what the probe knows of the host.
pub(super) fn host(host: &Host) {
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    match (host.container_age, host.incarnation.is_some()) {
        (Some(up), true) => log::debug!(
            "host: the container started {} ago; records of other containers do not count",
            human(up)
        ),
        (Some(up), false) => log::debug!("host: started {} ago", human(up)),
        (None, _) => {
            log::debug!("host: no procfs: the container guard is off, freshness alone decides");
        }
    }
}

/// Logs how `unit` got `status`.
pub(super) fn verdict(unit: &Unit<'_>, status: &Status) {
    if log::log_enabled!(log::Level::Debug) {
        log::debug!("{}", Reasoning(unit, status));
    }
}

struct Reasoning<'a, 'b>(&'a Unit<'b>, &'a Status);

impl Display for Reasoning<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Reasoning(unit, status) = self;
        write!(f, "{}: ", text(&unit.label()))?;
        if unit.remembered {
            f.write_str("from this process's memory: ")?;
        } else {
            write!(f, "{}: ", path(&unit.path))?;
        }
        match (&unit.contents, status.record()) {
            // The record moved into the status when judged.
            (_, Some(record)) => describe(f, record, status)?,
            (Contents::Missing, None) => f.write_str("no file")?,
            (Contents::Empty, None) => f.write_str("an empty file, still empty when read again")?,
            (Contents::Invalid(why), None) => write!(f, "not a heartbeat: {why}")?,
            (Contents::Unreadable(why), None) => write!(f, "cannot be read: {why}")?,
            (Contents::Parsed(Parsed::EpochFloat(_)), None) => {
                f.write_str("the prior art's epoch time, read on the wall clock")?;
            }
            (Contents::Parsed(Parsed::Record(record)), None) => describe(f, record, status)?,
        }
        // The verdict and the rule that gave it, as the probe prints it.
        write!(f, "; so: {status}")
    }
}

/// Whose record, what it says, which container wrote it, how old it is.
fn describe(f: &mut fmt::Formatter<'_>, record: &Record, status: &Status) -> fmt::Result {
    let what = match &record.event {
        Event::Beat => "a beat",
        Event::Extend { .. } => "an extension",
        Event::Fail { .. } => "a failure",
        Event::Pool { .. } => "a pool record",
    };
    write!(f, "{what} of ")?;
    match &record.owner {
        Some(owner) => {
            write!(f, "{}", text(&owner.name))?;
            if let Some(i) = owner.instance {
                write!(f, "[{i}]")?;
            }
        }
        None => f.write_str("no particular component")?,
    }
    write!(f, " by pid {}, ", record.writer.pid)?;
    f.write_str(match status.from_this_container() {
        Some(true) => "written in this container",
        Some(false) => "written by another container",
        None => "container unknown",
    })?;
    match status.age() {
        Some(age) => write!(f, ", {} old", human(age)),
        None => Ok(()),
    }
}
