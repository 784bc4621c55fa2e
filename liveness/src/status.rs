//! Verdicts: from a heartbeat and a snapshot of the host to one line.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use crate::{
    host::Host,
    record::{Parsed, Record},
    store::Read,
};

/// A record whose wall time is further ahead than this is invalid.
const FUTURE_TOLERANCE: Duration = Duration::from_secs(1);

/// The verdict on one component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The last heartbeat is younger than the maximum age.
    Alive,
    /// No heartbeat from this container yet, and it is younger than its
    /// startup grace: counted as alive.
    Starting,
    /// Stale, missing past the grace, unreadable or invalid.
    Dead,
}

impl Verdict {
    /// `alive`, `starting` or `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Alive => "alive",
            Verdict::Starting => "starting",
            Verdict::Dead => "dead",
        }
    }
}

/// Why a component got its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A heartbeat `age` old; alive or dead depending on the maximum age.
    Beat { age: Duration },
    /// No heartbeat from this container: no file, or one a previous
    /// container (or boot) wrote.
    NoBeat {
        previous: bool,
        container_age: Option<Duration>,
    },
    /// The record's time is ahead of the clock it is measured on.
    Future { ahead: Duration },
    /// The file is not a heartbeat.
    Invalid(String),
    /// The file cannot be read.
    Unreadable(String),
}

/// The limits a component declares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_age: Duration,
    pub startup_grace: Duration,
}

/// The status of one component: its verdict and the facts behind it.
///
/// [`Display`](fmt::Display) gives the one line the probe prints, e.g.
/// `worker: dead: last heartbeat 2m 5s ago, max 1m 30s (/tmp/liveness/worker)`.
#[derive(Clone, Debug)]
pub struct Status {
    name: String,
    path: PathBuf,
    limits: Limits,
    reason: Reason,
    record: Option<Record>,
    last_beat: Option<SystemTime>,
}

impl Status {
    pub(crate) fn new(name: &str, path: &Path, limits: Limits, read: &Read, host: &Host) -> Status {
        let (record, last_beat) = match read {
            Read::Parsed(Parsed::Record(record)) => (Some(record.clone()), Some(record.wall)),
            Read::Parsed(Parsed::PriorArt(wall)) => (None, Some(*wall)),
            _ => (None, None),
        };
        Status {
            name: name.to_owned(),
            path: path.to_owned(),
            limits,
            reason: evaluate(read, host),
            record,
            last_beat,
        }
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        match &self.reason {
            Reason::Beat { age } if *age <= self.limits.max_age => Verdict::Alive,
            Reason::NoBeat {
                container_age: Some(up),
                ..
            } if *up < self.limits.startup_grace => Verdict::Starting,
            _ => Verdict::Dead,
        }
    }

    /// True unless the verdict is [`Verdict::Dead`]; a starting container is alive.
    pub fn is_alive(&self) -> bool {
        self.verdict() != Verdict::Dead
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The heartbeat file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The maximum age the component declares.
    pub fn max_age(&self) -> Duration {
        self.limits.max_age
    }

    /// The age of the last heartbeat from this container, if there is one.
    pub fn age(&self) -> Option<Duration> {
        match self.reason {
            Reason::Beat { age } => Some(age),
            _ => None,
        }
    }

    /// The wall-clock time of the heartbeat in the file, if it holds one
    /// (even one from a previous container).
    pub fn last_beat(&self) -> Option<SystemTime> {
        self.last_beat
    }

    /// The process id that wrote the heartbeat, if the file says.
    pub fn writer_pid(&self) -> Option<u32> {
        self.record.as_ref().map(|r| r.pid)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict() {
            Verdict::Starting => Verdict::Alive,
            other => other,
        };
        write!(f, "{}: {}: ", self.name, verdict.as_str())?;
        let max = human(self.limits.max_age);
        let grace = human(self.limits.startup_grace);
        match &self.reason {
            Reason::Beat { age } => write!(f, "last heartbeat {} ago, max {max}", human(*age))?,
            Reason::NoBeat {
                previous,
                container_age,
            } => {
                let what = if *previous {
                    "no heartbeat from this container (the file is from a previous one)"
                } else {
                    "no heartbeat"
                };
                match container_age {
                    Some(up) if self.verdict() == Verdict::Starting => write!(
                        f,
                        "starting: {what} yet, container up {}, grace {grace}",
                        human(*up)
                    )?,
                    Some(up) => write!(
                        f,
                        "{what} since the container started {} ago, grace {grace}",
                        human(*up)
                    )?,
                    None => f.write_str(what)?,
                }
            }
            Reason::Future { ahead } => write!(
                f,
                "invalid heartbeat: last heartbeat is {} in the future",
                human(*ahead)
            )?,
            Reason::Invalid(why) => write!(f, "invalid heartbeat: {why}")?,
            Reason::Unreadable(why) => write!(f, "cannot read heartbeat: {why}")?,
        }
        write!(f, " ({})", self.path.display())
    }
}

/// Milliseconds under a minute, whole seconds above: `2s 900ms`, `2m 5s`.
fn human(duration: Duration) -> humantime::FormattedDuration {
    let shown = if duration >= Duration::from_secs(60) {
        Duration::from_secs(duration.as_secs())
    } else {
        Duration::from_millis(duration.as_millis() as u64)
    };
    humantime::format_duration(shown)
}

/// Measures a heartbeat against the host.
///
/// - A record from another container incarnation (or boot) is no heartbeat.
/// - A record from this boot is measured on the boot clock, which NTP and
///   manual clock steps do not move.
/// - Anything else is measured on the wall clock; more than 1 s ahead of it
///   is invalid.
pub(crate) fn evaluate(read: &Read, host: &Host) -> Reason {
    let no_beat = |previous| Reason::NoBeat {
        previous,
        container_age: host.container_age,
    };
    let (wall, record) = match read {
        Read::Missing => return no_beat(false),
        Read::Invalid(why) => return Reason::Invalid(why.clone()),
        Read::Unreadable(why) => return Reason::Unreadable(why.clone()),
        Read::Parsed(Parsed::PriorArt(wall)) => (*wall, None),
        Read::Parsed(Parsed::Record(record)) => (record.wall, Some(record)),
    };
    let same_boot = record
        .and_then(|r| r.boot)
        .zip(host.boot)
        .map(|((id, up), boot)| (id == boot.id, up, boot.now));
    let other_incarnation = match (record.and_then(|r| r.incarnation), host.incarnation) {
        (Some(theirs), Some(ours)) => theirs != ours || same_boot.is_some_and(|(same, ..)| !same),
        _ => false,
    };
    if other_incarnation {
        return no_beat(true);
    }
    match same_boot {
        Some((true, then, now)) => match now.checked_sub(then) {
            Some(age) => Reason::Beat { age },
            None => Reason::Future { ahead: then - now },
        },
        _ => match host.wall.duration_since(wall) {
            Ok(age) => Reason::Beat { age },
            Err(ahead) if ahead.duration() <= FUTURE_TOLERANCE => Reason::Beat {
                age: Duration::ZERO,
            },
            Err(ahead) => Reason::Future {
                ahead: ahead.duration(),
            },
        },
    }
}
