//! Measures a heartbeat against the host.
//!
//! - A record of another component never vouches.
//! - A record from another container incarnation (or boot) is no heartbeat,
//!   unless its writer still runs where the probe can see it (a service in
//!   a nested mount or time namespace of this container); one written after
//!   this container started, by a writer the probe cannot see, is another
//!   live container's: a conflict, named as such.
//! - A record from this boot is measured on the boot clock, which NTP and
//!   manual clock steps do not move; anything else on the wall clock, where
//!   more than 1 s ahead is invalid.

use std::time::{Duration, SystemTime};

use super::origin::{Origin, origin};
use super::{State, Verdict};
use crate::{
    host::Host,
    record::{Event, NAME_LIMIT, Parsed, Record, bounded},
    store::Contents,
};

/// A record whose time is further ahead than this is invalid.
const FUTURE_TOLERANCE: Duration = Duration::from_secs(1);

/// The limits a component declares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_age: Duration,
    pub startup_grace: Duration,
    /// The longest extension honoured; `None`: what the record says.
    pub max_extend: Option<Duration>,
}

/// Whose heartbeat a file should hold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expect<'a> {
    /// The component; `None`: any (a bare [`Timestamp`](crate::Timestamp)).
    pub name: Option<&'a str>,
    pub instance: Option<u32>,
}

/// Why a component got its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A heartbeat `age` old; alive or dead depending on the maximum age.
    Beat { age: Duration },
    /// A heartbeat `age` old that declared a long operation of `by`.
    Extended {
        age: Duration,
        by: Duration,
        reason: String,
    },
    /// The component declared itself broken.
    Failed { reason: String },
    /// No heartbeat from this container.
    NoBeat {
        absent: Absent,
        container_age: Option<Duration>,
    },
    /// Another live container writes the file.
    Conflict { pid: u32 },
    /// The file holds another component's record.
    OtherComponent { name: String, instance: Option<u32> },
    /// Another component of the same probe resolves to the same file.
    SharedPath { with: String },
    /// The record's time is ahead of the clock it is measured on.
    Future { ahead: Duration },
    /// The file is not a heartbeat.
    Invalid(String),
    /// The file cannot be read.
    Unreadable(String),
    /// The probe lists no component.
    NoComponent,
    /// The pool record declares no instance (an older writer's), by `pid`.
    EmptyPool { pid: u32 },
    /// Instances `0..instances` beat, and no pool was declared.
    Undeclared { instances: u32 },
    /// An instance beyond the pool of `size` (recorded by `pid`) that failed.
    BeyondPool { reason: String, size: u32, pid: u32 },
}

/// Why there is no heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Absent {
    /// No file at the path.
    Missing,
    /// An empty file: created by hand (`touch`), or caught mid-write by a
    /// writer that truncates.
    Empty,
    /// A heartbeat from a previous container (or boot).
    Previous,
}

impl Reason {
    pub fn verdict(&self, limits: &Limits) -> Verdict {
        match self.time_left(limits) {
            Some(_) if matches!(self, Reason::NoBeat { .. }) => Verdict::Starting,
            Some(_) => Verdict::Alive,
            None => Verdict::Dead,
        }
    }

    /// How long until dead, if nothing more is recorded; `None`: dead.
    pub fn time_left(&self, limits: &Limits) -> Option<Duration> {
        match self {
            Reason::Beat { age } => limits.max_age.checked_sub(*age),
            Reason::Extended { age, by, .. } => extended_limit(*by, limits).checked_sub(*age),
            Reason::NoBeat {
                container_age: Some(up),
                ..
            } => limits
                .startup_grace
                .checked_sub(*up)
                .filter(|left| !left.is_zero()),
            _ => None,
        }
    }

    pub fn state(&self) -> Option<State> {
        match self {
            Reason::Beat { .. } => Some(State::Beating),
            Reason::Extended { .. } => Some(State::Extended),
            Reason::Failed { .. } | Reason::BeyondPool { .. } => Some(State::Failed),
            Reason::NoBeat { .. } => Some(State::Starting),
            _ => None,
        }
    }

    pub fn given(&self) -> Option<&str> {
        match self {
            Reason::Extended { reason, .. }
            | Reason::Failed { reason }
            | Reason::BeyondPool { reason, .. } => Some(reason),
            _ => None,
        }
    }

    pub fn age(&self) -> Option<Duration> {
        match self {
            Reason::Beat { age } | Reason::Extended { age, .. } => Some(*age),
            _ => None,
        }
    }

    pub fn has_started(&self) -> bool {
        matches!(
            self,
            Reason::Beat { .. }
                | Reason::Extended { .. }
                | Reason::Failed { .. }
                | Reason::BeyondPool { .. }
        )
    }
}

/// How long an extension keeps a component alive after its record: what it
/// asked, within the declared maximum, and never less than `max_age` (an
/// extension is a beat, too).
pub(crate) fn extended_limit(by: Duration, limits: &Limits) -> Duration {
    let by = limits.max_extend.map_or(by, |max| by.min(max));
    by.max(limits.max_age)
}

/// What judging a file gave.
pub(crate) struct Judged {
    pub reason: Reason,
    pub record: Option<Record>,
    pub last_beat: Option<SystemTime>,
    pub origin: Option<Origin>,
}

/// Judges `contents` as the heartbeat of `expect` on `host`; the record
/// is left to the caller to attach.
pub(crate) fn judge(contents: &Contents, expect: &Expect<'_>, host: &Host) -> Judged {
    let no_beat = |absent| Reason::NoBeat {
        absent,
        container_age: host.container_age,
    };
    let judged = |reason| Judged {
        reason,
        record: None,
        last_beat: None,
        origin: None,
    };
    let record = match contents {
        Contents::Missing => return judged(no_beat(Absent::Missing)),
        Contents::Empty => return judged(no_beat(Absent::Empty)),
        Contents::Invalid(why) => return judged(Reason::Invalid(why.clone())),
        Contents::Unreadable(why) => return judged(Reason::Unreadable(why.clone())),
        Contents::Parsed(Parsed::EpochFloat(wall)) => {
            return Judged {
                last_beat: Some(*wall),
                ..judged(age(*wall, None, host).map_or_else(|r| r, |age| Reason::Beat { age }))
            };
        }
        Contents::Parsed(Parsed::Record(record)) => record,
    };
    let origin = origin(record, host);
    let reason = match (owned_by(record, expect), origin) {
        (Err(other), _) => other,
        (Ok(()), Origin::Previous) => no_beat(Absent::Previous),
        (Ok(()), Origin::OtherLive { pid }) => Reason::Conflict { pid },
        (Ok(()), Origin::ThisContainer | Origin::Unknown) => {
            match age(record.wall, Some(record), host) {
                Err(future) => future,
                Ok(age) => match &record.event {
                    Event::Beat => Reason::Beat { age },
                    Event::Extend { by, reason } => Reason::Extended {
                        age,
                        by: *by,
                        reason: reason.clone(),
                    },
                    Event::Fail { reason } => Reason::Failed {
                        reason: reason.clone(),
                    },
                    Event::Pool { .. } => Reason::Invalid("a pool record, not a heartbeat".into()),
                },
            }
        }
    };
    Judged {
        reason,
        last_beat: Some(record.wall),
        record: None, // the caller's to attach, cloned or moved
        origin: Some(origin),
    }
}

/// `Err` with the reason when `record` belongs to another component.
fn owned_by(record: &Record, expect: &Expect<'_>) -> Result<(), Reason> {
    let (Some(owner), Some(name)) = (&record.owner, expect.name) else {
        return Ok(());
    };
    if owner.name == bounded(name, NAME_LIMIT) && owner.instance == expect.instance {
        Ok(())
    } else {
        Err(Reason::OtherComponent {
            name: owner.name.clone(),
            instance: owner.instance,
        })
    }
}

/// The age of a heartbeat written at `wall` (and, for a record, at its
/// boot-clock reading): on the boot clock within a boot, else on the wall
/// clock; `Err` when it lies more than 1 s ahead.
fn age(wall: SystemTime, record: Option<&Record>, host: &Host) -> Result<Duration, Reason> {
    let same_boot = record
        .and_then(|r| r.boot)
        .zip(host.boot)
        .filter(|((id, _), boot)| *id == boot.id);
    let (then, now) = match same_boot {
        Some(((_, then), boot)) => (then, boot.now),
        None => match wall.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(then) => (
                then,
                host.wall
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default(),
            ),
            Err(_) => return Err(Reason::Invalid("time before 1970".into())),
        },
    };
    match now.checked_sub(then) {
        Some(age) => Ok(age),
        // Two clock reads a moment apart, or two processes' clocks.
        None if then - now <= FUTURE_TOLERANCE => Ok(Duration::ZERO),
        None => Err(Reason::Future { ahead: then - now }),
    }
}
