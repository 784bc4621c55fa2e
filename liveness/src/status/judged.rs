//! [`Status`]: one heartbeat's verdict and the facts behind it.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use super::{
    judge::{Expect, Limits, Reason, judge},
    origin::Origin,
    verdict::{State, Verdict},
};
use crate::{
    host::Host,
    record::{Parsed, Record},
    store::Contents,
};

/// The status of one component (or pool instance): its verdict and the
/// facts behind it.
///
/// [`Display`](std::fmt::Display) gives the one line the probe prints, e.g.
/// `worker: dead: last heartbeat 2m 5s ago, max 1m 30s (/tmp/liveness/worker)`;
/// every name, path and reason in it is escaped.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use liveness::{Timestamp, Verdict};
///
/// # let dir = std::path::Path::new("/tmp/liveness-doc-status");
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
///     "worker: dead: last heartbeat 2m 5s ago, max 1m 30s (/tmp/liveness-doc-status/worker)",
/// );
/// # std::fs::remove_dir_all(dir).unwrap();
/// # Ok::<(), liveness::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Status {
    pub(super) name: String,
    pub(super) instance: Option<u32>,
    pub(super) path: PathBuf,
    pub(super) limits: Limits,
    pub(super) reason: Reason,
    pub(super) record: Option<Record>,
    pub(super) last_beat: Option<SystemTime>,
    pub(super) origin: Option<Origin>,
    /// The host's wall clock when judged.
    pub(super) judged_at: SystemTime,
    /// No container was detected: the grace counted from the system's start.
    pub(super) outside_container: bool,
}

impl Status {
    /// Judges `contents`, read from `path`, for the component (or
    /// instance) `expect`, keeping the record of `contents` rather than a
    /// copy: a thousand instances judged from memory copy their records
    /// once. Outside tests, every verdict comes through
    /// [`Declaration::judge`](crate::declaration::Declaration::judge).
    pub(crate) fn owning(
        expect: &Expect<'_>,
        path: &Path,
        limits: Limits,
        contents: Contents,
        host: &Host,
    ) -> Status {
        let mut status = Status::judged(expect, path, limits, &contents, host);
        if let Contents::Parsed(Parsed::Record(record)) = contents {
            status.record = Some(record);
        }
        status
    }

    fn judged(
        expect: &Expect<'_>,
        path: &Path,
        limits: Limits,
        contents: &Contents,
        host: &Host,
    ) -> Status {
        let judged = judge(contents, expect, host);
        let outside_container =
            matches!(judged.reason, Reason::NoBeat { .. }) && host.outside_container();
        Status {
            name: expect.name.unwrap_or_default().to_owned(),
            instance: expect.instance,
            path: path.to_owned(),
            limits,
            reason: judged.reason,
            record: judged.record,
            last_beat: judged.last_beat,
            origin: judged.origin,
            judged_at: host.wall,
            outside_container,
        }
    }

    /// The record the file held, if it held one of ours.
    pub(crate) fn record(&self) -> Option<&Record> {
        self.record.as_ref()
    }

    /// The same status, shown under `name`.
    pub(crate) fn named(mut self, name: &str) -> Status {
        name.clone_into(&mut self.name);
        self
    }

    /// The same status, judged dead for `reason`.
    pub(crate) fn with_reason(mut self, reason: Reason) -> Status {
        self.reason = reason;
        self
    }

    /// The same status, about the file at `path`.
    pub(crate) fn at(mut self, path: &Path) -> Status {
        path.clone_into(&mut self.path);
        self
    }

    /// Why it got its verdict.
    pub(crate) fn cause(&self) -> &Reason {
        &self.reason
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        self.reason.verdict(&self.limits)
    }

    /// True unless the verdict is [`Verdict::Dead`]; a starting container is alive.
    pub fn is_alive(&self) -> bool {
        self.verdict() != Verdict::Dead
    }

    /// What the component last said of itself in this container: beating,
    /// extended (with [`reason`](Self::reason) and [`deadline`](Self::deadline)),
    /// failed, or not yet anything within its startup grace (starting). `None` when the file cannot tell (invalid, unreadable,
    /// another component's) or the grace is over without a beat.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use liveness::{Liveness, State};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", max_extend = "1h", path = "/tmp/liveness-doc-state/indexer")]
    /// struct Indexer;
    ///
    /// Indexer::extend(Duration::from_secs(600), "compacting")?;
    /// let status = Indexer::check();
    /// assert_eq!(status.state(), Some(State::Extended));
    /// assert_eq!(status.reason(), Some("compacting"));
    /// let left = status.deadline().unwrap().duration_since(SystemTime::now()).unwrap();
    /// assert!(left > Duration::from_secs(590) && left <= Duration::from_secs(600));
    /// assert!(status.has_started());
    /// assert_eq!(status.instance(), None);
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-state").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    pub fn state(&self) -> Option<State> {
        match self.reason.state() {
            Some(State::Starting) if self.verdict() == Verdict::Dead => None,
            state => state,
        }
    }

    /// The reason given to [`extend`](crate::Liveness::extend) or
    /// [`fail`](crate::Liveness::fail), cut to 120 bytes, as given (not
    /// escaped: escape it before printing it anywhere).
    pub fn reason(&self) -> Option<&str> {
        self.reason.given()
    }

    /// When the component turns dead if nothing more is recorded (wall
    /// clock, from the time left measured on the boot clock); `None` when
    /// it is dead already.
    pub fn deadline(&self) -> Option<SystemTime> {
        let left = self.reason.time_left(&self.limits)?;
        self.judged_at.checked_add(left)
    }

    /// Whether the component has recorded anything in this container (a
    /// beat, an extension or a failure): what `--startup` asks.
    pub fn has_started(&self) -> bool {
        self.reason.has_started()
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pool instance, when this is an instance's status.
    pub fn instance(&self) -> Option<u32> {
        self.instance
    }

    /// The heartbeat file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The maximum age the component declares.
    pub fn max_age(&self) -> Duration {
        self.limits.max_age
    }

    /// How long after the container starts a missing heartbeat counts as starting.
    pub fn startup_grace(&self) -> Duration {
        self.limits.startup_grace
    }

    /// The age of the last heartbeat from this container, if there is one.
    pub fn age(&self) -> Option<Duration> {
        self.reason.age()
    }

    /// The wall-clock time of the heartbeat in the file, if it holds one
    /// (even one from a previous container).
    pub fn last_beat(&self) -> Option<SystemTime> {
        self.last_beat
    }

    /// The process id that wrote the heartbeat, if the file says.
    pub fn writer_pid(&self) -> Option<u32> {
        self.record
            .as_ref()
            .map(|r| r.writer.pid)
            .filter(|pid| *pid != 0)
    }

    /// Whether the heartbeat in the file was written in this container
    /// (`Some(false)`: by a previous one, or another live container);
    /// `None` when unknown (no heartbeat, no procfs, or the prior art's
    /// file).
    pub fn from_this_container(&self) -> Option<bool> {
        match self.origin? {
            Origin::ThisContainer => Some(true),
            Origin::Previous | Origin::OtherLive { .. } => Some(false),
            Origin::Unknown => None,
        }
    }
}
