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
///
/// ```
/// use liveness::Verdict;
///
/// assert_eq!(Verdict::Starting.as_str(), "starting");
/// ```
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
    /// No heartbeat from this container.
    NoBeat {
        absent: Absent,
        container_age: Option<Duration>,
    },
    /// The record's time is ahead of the clock it is measured on.
    Future { ahead: Duration },
    /// The file is not a heartbeat.
    Invalid(String),
    /// The file cannot be read.
    Unreadable(String),
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
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use liveness::{Timestamp, Verdict};
///
/// # let dir = std::env::temp_dir().join(format!("liveness-doc-status-{}", std::process::id()));
/// let path = dir.join("worker");
/// let max_age = Duration::from_secs(90);
/// Timestamp::create_at(&path, max_age, SystemTime::now() - Duration::from_secs(125))?;
///
/// let status = Timestamp::byref(&path, max_age).check();
/// assert_eq!(status.verdict(), Verdict::Dead);
/// assert!(!status.is_alive());
/// assert_eq!(status.age().unwrap().as_secs(), 125);
/// assert_eq!(status.writer_pid(), Some(std::process::id()));
/// assert_eq!(
///     status.to_string(),
///     format!("worker: dead: last heartbeat 2m 5s ago, max 1m 30s ({})", path.display()),
/// );
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), liveness::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Status {
    name: String,
    path: PathBuf,
    limits: Limits,
    reason: Reason,
    record: Option<Record>,
    last_beat: Option<SystemTime>,
    from_this_container: Option<bool>,
}

impl Status {
    pub(crate) fn new(name: &str, path: &Path, limits: Limits, read: &Read, host: &Host) -> Status {
        let (record, last_beat) = match read {
            Read::Parsed(Parsed::Record(record)) => (Some(record.clone()), Some(record.wall)),
            Read::Parsed(Parsed::PriorArt(wall)) => (None, Some(*wall)),
            _ => (None, None),
        };
        let this_container = record.as_ref().and_then(|r| same_container(r, host));
        Status {
            name: name.to_owned(),
            path: path.to_owned(),
            limits,
            reason: evaluate(read, host, this_container),
            from_this_container: this_container,
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

    /// Whether the heartbeat in the file was written in this container
    /// (`Some(false)`: by a previous one); `None` when unknown (no heartbeat,
    /// no procfs, or the prior art's file).
    pub fn from_this_container(&self) -> Option<bool> {
        self.from_this_container
    }

    /// How long after the container starts a missing heartbeat counts as starting.
    pub fn startup_grace(&self) -> Duration {
        self.limits.startup_grace
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
            Reason::Beat { age } => {
                // Dead but rounded to the maximum: show the milliseconds, so
                // the line never reads "1m 30s ago, max 1m 30s".
                let age = if verdict == Verdict::Dead && rounded(*age) <= self.limits.max_age {
                    humantime::format_duration(Duration::from_millis(age.as_millis() as u64))
                } else {
                    human(*age)
                };
                write!(f, "last heartbeat {age} ago, max {max}")?
            }
            Reason::NoBeat {
                absent,
                container_age,
            } => {
                let what = match absent {
                    Absent::Missing => "no heartbeat",
                    Absent::Empty => "no heartbeat (the file is empty)",
                    Absent::Previous => {
                        "no heartbeat from this container (the file is from a previous one)"
                    }
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

/// Milliseconds under a minute, whole seconds above (to the nearest):
/// `2s 900ms`, `2m 5s`.
fn human(duration: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(rounded(duration))
}

fn rounded(duration: Duration) -> Duration {
    // Saturating: a hand-made record can put its time ~2^64 s away.
    if duration >= Duration::from_secs(60) {
        Duration::from_secs(
            duration
                .saturating_add(Duration::from_millis(500))
                .as_secs(),
        )
    } else {
        Duration::from_millis((duration + Duration::from_micros(500)).as_millis() as u64)
    }
}

/// Whether `record` was written in this container incarnation; `None` when
/// the record or the host lacks the facts (no procfs on one side).
fn same_container(record: &Record, host: &Host) -> Option<bool> {
    let (theirs, ours) = (record.incarnation?, host.incarnation?);
    let same_boot = match (record.boot, host.boot) {
        (Some((id, _)), Some(boot)) => id == boot.id,
        _ => true, // incarnations are compared within a boot when known
    };
    Some(same_boot && theirs == ours)
}

/// Measures a heartbeat against the host.
///
/// - A record from another container incarnation (or boot) is no heartbeat.
/// - A record from this boot is measured on the boot clock, which NTP and
///   manual clock steps do not move.
/// - Anything else is measured on the wall clock; more than 1 s ahead of it
///   is invalid.
pub(crate) fn evaluate(read: &Read, host: &Host, this_container: Option<bool>) -> Reason {
    let no_beat = |absent| Reason::NoBeat {
        absent,
        container_age: host.container_age,
    };
    let (wall, record) = match read {
        Read::Missing => return no_beat(Absent::Missing),
        Read::Empty => return no_beat(Absent::Empty),
        Read::Invalid(why) => return Reason::Invalid(why.clone()),
        Read::Unreadable(why) => return Reason::Unreadable(why.clone()),
        Read::Parsed(Parsed::PriorArt(wall)) => (*wall, None),
        Read::Parsed(Parsed::Record(record)) => (record.wall, Some(record)),
    };
    if this_container == Some(false) {
        return no_beat(Absent::Previous);
    }
    let same_boot = record
        .and_then(|r| r.boot)
        .zip(host.boot)
        .map(|((id, up), boot)| (id == boot.id, up, boot.now));
    let (then, now) = match same_boot {
        Some((true, then, now)) => (then, now),
        _ => match wall.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(then) => (
                then,
                host.wall
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default(),
            ),
            Err(_) => return Reason::Invalid("time before 1970".into()),
        },
    };
    match now.checked_sub(then) {
        Some(age) => Reason::Beat { age },
        // Two clock reads a moment apart, or two processes' clocks.
        None if then - now <= FUTURE_TOLERANCE => Reason::Beat {
            age: Duration::ZERO,
        },
        None => Reason::Future { ahead: then - now },
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::host::{Boot, Incarnation};

    const BOOT: [u8; 36] = *b"11111111-2222-3333-4444-555555555555";
    const OTHER_BOOT: [u8; 36] = *b"99999999-2222-3333-4444-555555555555";
    const HERE: Incarnation = Incarnation {
        mnt_ns: 7,
        init_start: 100,
    };
    const MAX_AGE: Duration = Duration::from_secs(90);
    const HOUR: Duration = Duration::from_secs(3600);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// A host at wall time `wall` (seconds since the epoch), `up` seconds
    /// after boot, in the container `HERE`, which started at boot.
    fn host(wall: u64, up: u64) -> Host {
        Host {
            wall: UNIX_EPOCH + secs(wall),
            boot: Some(Boot {
                id: BOOT,
                now: secs(up),
            }),
            incarnation: Some(HERE),
            container_age: Some(secs(up)),
        }
    }

    /// A record of this boot and container, written at `wall`, `up`.
    fn beat(wall: u64, up: u64) -> Read {
        Read::Parsed(Parsed::Record(Record {
            wall: UNIX_EPOCH + secs(wall),
            boot: Some((BOOT, secs(up))),
            incarnation: Some(HERE),
            pid: 42,
        }))
    }

    fn status(read: &Read, host: &Host) -> Status {
        let limits = Limits {
            max_age: MAX_AGE,
            startup_grace: MAX_AGE,
        };
        Status::new(
            "worker",
            Path::new("/tmp/liveness/worker"),
            limits,
            read,
            host,
        )
    }

    #[test]
    fn wall_clock_steps_change_no_verdict_within_a_boot() {
        // Beat 10 s ago on the boot clock: fresh, whatever the wall clock did.
        let fresh = beat(1_000_000, 5_000);
        for wall in [1_000_010, 1_000_010 + 3600, 1_000_010 - 3600] {
            let s = status(&fresh, &host(wall, 5_010));
            assert_eq!(s.verdict(), Verdict::Alive, "wall {wall}: {s}");
            assert_eq!(s.age(), Some(secs(10)));
        }
        // Beat 200 s ago on the boot clock: stale, even if the wall clock was
        // stepped back to make it look recent.
        let stale = beat(1_000_000, 5_000);
        for wall in [1_000_200, 1_000_200 - 3600, 1_000_000] {
            let s = status(&stale, &host(wall, 5_200));
            assert_eq!(s.verdict(), Verdict::Dead, "wall {wall}: {s}");
            assert_eq!(s.age(), Some(secs(200)));
        }
    }

    #[test]
    fn another_boot_or_no_boot_data_is_aged_on_the_wall_clock() {
        let mut other_boot = beat(1_000_000, 999_999);
        if let Read::Parsed(Parsed::Record(r)) = &mut other_boot {
            r.boot = Some((OTHER_BOOT, secs(999_999)));
            r.incarnation = None; // the guard is off for this record
        }
        let s = status(&other_boot, &host(1_000_030, 20));
        assert_eq!(
            (s.verdict(), s.age()),
            (Verdict::Alive, Some(secs(30))),
            "{s}"
        );
        let prior_art = Read::Parsed(Parsed::PriorArt(UNIX_EPOCH + secs(1_000_000)));
        let s = status(&prior_art, &host(1_000_100, 20));
        assert_eq!(
            (s.verdict(), s.age()),
            (Verdict::Dead, Some(secs(100))),
            "{s}"
        );
    }

    #[test]
    fn a_wall_time_more_than_a_second_ahead_is_invalid() {
        let prior_art = Read::Parsed(Parsed::PriorArt(UNIX_EPOCH + secs(1_000_000) + HOUR));
        let s = status(&prior_art, &host(1_000_000, 20));
        assert_eq!(s.verdict(), Verdict::Dead);
        assert_eq!(
            s.to_string(),
            "worker: dead: invalid heartbeat: last heartbeat is 1h in the future (/tmp/liveness/worker)"
        );
        // Within a second: clocks of two processes may differ that much.
        let close = Read::Parsed(Parsed::PriorArt(
            UNIX_EPOCH + Duration::from_millis(1_000_000_900),
        ));
        assert_eq!(
            status(&close, &host(1_000_000, 20)).verdict(),
            Verdict::Alive
        );
    }

    #[test]
    fn a_boot_clock_reading_ahead_of_the_boot_clock_is_invalid() {
        let s = status(&beat(1_000_000, 5_000), &host(1_000_000, 4_000));
        assert_eq!(s.verdict(), Verdict::Dead);
        assert!(s.to_string().contains("is 16m 40s in the future"), "{s}");
        // A moment ahead is two clock reads racing: age zero, alive.
        let mut racing = host(1_000_000, 5_000);
        racing.boot.as_mut().unwrap().now -= Duration::from_millis(3);
        let s = status(&beat(1_000_000, 5_000), &racing);
        assert_eq!(
            (s.verdict(), s.age()),
            (Verdict::Alive, Some(Duration::ZERO)),
            "{s}"
        );
    }

    #[test]
    fn an_empty_file_is_no_heartbeat_and_gets_the_startup_grace() {
        let mut young = host(1_000_000, 5_000);
        young.container_age = Some(secs(10));
        let s = status(&Read::Empty, &young);
        assert_eq!(s.verdict(), Verdict::Starting, "{s}");
        young.container_age = Some(secs(100));
        let s = status(&Read::Empty, &young);
        assert_eq!(
            s.to_string(),
            "worker: dead: no heartbeat (the file is empty) since the container started 1m 40s ago, grace 1m 30s (/tmp/liveness/worker)"
        );
    }

    #[test]
    fn a_dead_age_never_reads_as_the_maximum() {
        let s = status(&beat(1_000_000, 5_000), &host(1_000_090, 5_090));
        assert_eq!(s.verdict(), Verdict::Alive, "exactly max_age is alive: {s}");
        let mut just_over = host(1_000_090, 5_090);
        just_over.boot.as_mut().unwrap().now += Duration::from_millis(400);
        let s = status(&beat(1_000_000, 5_000), &just_over);
        assert!(
            s.to_string()
                .starts_with("worker: dead: last heartbeat 1m 30s 400ms ago, max 1m 30s"),
            "{s}"
        );
    }

    #[test]
    fn a_record_from_a_previous_container_is_no_heartbeat() {
        let mut previous = beat(1_000_000, 5_000);
        if let Read::Parsed(Parsed::Record(r)) = &mut previous {
            r.incarnation = Some(Incarnation { mnt_ns: 8, ..HERE });
        }
        // The new container is 30 s old: starting, even though the old
        // heartbeat is fresh.
        let mut young = host(1_000_001, 5_001);
        young.container_age = Some(secs(30));
        let s = status(&previous, &young);
        assert_eq!(s.verdict(), Verdict::Starting);
        assert_eq!(s.age(), None);
        assert!(s.to_string().starts_with(
            "worker: alive: starting: no heartbeat from this container (the file is from a previous one) yet"
        ), "{s}");
        // Past its grace, it is dead, still whatever the old file says.
        young.container_age = Some(secs(91));
        assert_eq!(status(&previous, &young).verdict(), Verdict::Dead);
    }

    #[test]
    fn without_procfs_freshness_alone_decides() {
        let mut blind = host(1_000_010, 5_010);
        blind.incarnation = None;
        blind.container_age = None;
        let mut elsewhere = beat(1_000_000, 5_000);
        if let Read::Parsed(Parsed::Record(r)) = &mut elsewhere {
            r.incarnation = Some(Incarnation { mnt_ns: 8, ..HERE });
        }
        assert_eq!(status(&elsewhere, &blind).verdict(), Verdict::Alive);
        let s = status(&Read::Missing, &blind);
        assert_eq!(
            s.to_string(),
            "worker: dead: no heartbeat (/tmp/liveness/worker)"
        );
    }

    #[test]
    fn startup_grace_zero_means_dead_at_once() {
        let limits = Limits {
            max_age: MAX_AGE,
            startup_grace: Duration::ZERO,
        };
        let s = Status::new(
            "worker",
            Path::new("/w"),
            limits,
            &Read::Missing,
            &host(1, 0),
        );
        assert_eq!(s.verdict(), Verdict::Dead);
    }
}
