//! `Timestamp`: one heartbeat file, written or read, with the prior art's surface.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use crate::{
    Error, Status,
    declaration::Declaration,
    heartbeat,
    host::{Host, Identity},
    record::{Event, Parsed, Record},
    store::{self, Contents},
};

/// A heartbeat file and what it held when it was written or read.
///
/// The runtime type the [`Liveness`](crate::Liveness) trait is built on, with
/// the surface of the prior art's `Timestamp` class: [`create`](Self::create)
/// writes, [`byref`](Self::byref) reads, and [`value`](Self::value),
/// [`age`](Self::age), [`alive`](Self::alive) and [`check`](Self::check)
/// judge the heartbeat against the clocks at the time of the call.
///
/// ```
/// use std::time::Duration;
/// use liveness::Timestamp;
///
/// # let dir = std::path::Path::new("/tmp/liveness-doc-timestamp");
/// let path = dir.join("worker");
/// Timestamp::create(&path, Duration::from_secs(90))?;
///
/// let read = Timestamp::byref(&path, Duration::from_secs(90));
/// assert!(read.alive());
/// assert!(read.age().unwrap() < Duration::from_secs(90));
/// println!("{}", read.check()); // worker: alive: last heartbeat 0s ago, max 1m 30s (...)
/// # std::fs::remove_dir_all(dir).unwrap();
/// # Ok::<(), liveness::Error>(())
/// ```
///
/// A `Timestamp` is a heartbeat of no particular component: what it writes
/// names none, and what it reads is not checked against a name unless
/// [`with_name`](Self::with_name) gives one. Unlike the prior art, a missing file is not "epoch 0": [`value`](Self::value)
/// is `None`, and a container younger than its startup grace counts as
/// starting (alive); see [`with_startup_grace`](Self::with_startup_grace).
#[derive(Clone, Debug)]
pub struct Timestamp {
    /// Whose heartbeat the file must hold (any, unless named), and the
    /// limits it is judged by.
    declaration: Declaration,
    /// The file, resolved once.
    path: PathBuf,
    contents: Contents,
}

impl Timestamp {
    /// Writes a heartbeat at `path` now and returns it.
    ///
    /// # Errors
    ///
    /// When the file cannot be written (see [`Error`]).
    pub fn create(path: impl AsRef<Path>, max_age: Duration) -> Result<Timestamp, Error> {
        Self::write(
            path.as_ref(),
            max_age,
            Identity::get().record(None, Event::Beat),
        )
    }

    /// Writes a heartbeat at `path` as if it had been recorded at `when`.
    ///
    /// The boot-clock reading is shifted by the same amount as the wall time,
    /// so the heartbeat's age is `now - when` on both clocks.
    ///
    /// # Errors
    ///
    /// When the file cannot be written, or `when` is before 1970 or after 9999.
    pub fn create_at(
        path: impl AsRef<Path>,
        max_age: Duration,
        when: SystemTime,
    ) -> Result<Timestamp, Error> {
        let mut record = Identity::get().record(None, Event::Beat);
        if let Some((_, up)) = &mut record.boot {
            let shifted = match record.wall.duration_since(when) {
                Ok(behind) => up.checked_sub(behind),
                Err(ahead) => up.checked_add(ahead.duration()),
            };
            match shifted {
                Some(shifted) => *up = shifted,
                // Before this boot: only the wall clock can say.
                None => record.boot = None,
            }
        }
        record.wall = when;
        Self::write(path.as_ref(), max_age, record)
    }

    fn write(path: &Path, max_age: Duration, record: Record) -> Result<Timestamp, Error> {
        let bytes = record.encode().ok_or_else(|| Error::InvalidTime {
            path: path.to_owned(),
        })?;
        store::write_once(path, &bytes, heartbeat::failure_here)?;
        Ok(Self::new(
            path,
            max_age,
            Contents::Parsed(Parsed::Record(record)),
        ))
    }

    /// Reads the heartbeat at `path` without writing.
    ///
    /// Never fails: a missing, unreadable or invalid file is judged by
    /// [`check`](Self::check), which says why.
    pub fn byref(path: impl AsRef<Path>, max_age: Duration) -> Timestamp {
        let path = path.as_ref();
        Self::new(path, max_age, store::read(path).0)
    }

    /// Reads the heartbeat of `declaration`'s type now.
    pub(crate) fn of(declaration: Declaration) -> Timestamp {
        let path = declaration.path();
        let contents = store::read(&path).0;
        Timestamp {
            declaration,
            path,
            contents,
        }
    }

    fn new(path: &Path, max_age: Duration, contents: Contents) -> Timestamp {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        Timestamp {
            declaration: Declaration::anonymous(name, path.to_owned(), max_age),
            path: path.to_owned(),
            contents,
        }
    }

    /// Names the component whose heartbeat the file must hold, as in
    /// messages (default: any component, shown as the file name): a record
    /// of another component is then dead.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Timestamp {
        self.declaration = self.declaration.owned_by(name.into());
        self
    }

    /// Honours extensions up to `max` only (default: as recorded).
    #[must_use]
    pub fn with_max_extend(mut self, max: Duration) -> Timestamp {
        self.declaration = self.declaration.with_max_extend(max);
        self
    }

    /// Sets how long after the container starts a missing heartbeat counts as
    /// starting (default: `max_age`; zero disables it).
    #[must_use]
    pub fn with_startup_grace(mut self, grace: Duration) -> Timestamp {
        self.declaration = self.declaration.with_startup_grace(grace);
        self
    }

    /// The heartbeat file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The maximum age.
    pub fn max_age(&self) -> Duration {
        self.declaration.max_age()
    }

    /// The wall-clock time of the heartbeat, if the file held one.
    pub fn value(&self) -> Option<SystemTime> {
        match &self.contents {
            Contents::Parsed(Parsed::Record(record)) => Some(record.wall),
            Contents::Parsed(Parsed::EpochFloat(wall)) => Some(*wall),
            _ => None,
        }
    }

    /// How old the heartbeat is now: on the boot clock when it comes from this
    /// boot, else on the wall clock. `None` without a valid heartbeat from this
    /// container.
    pub fn age(&self) -> Option<Duration> {
        self.check().age()
    }

    /// Whether the probe would count the component as alive now.
    pub fn alive(&self) -> bool {
        self.check().is_alive()
    }

    /// The verdict now, with the reason.
    pub fn check(&self) -> Status {
        self.declaration
            .judge(None, &self.path, self.contents.clone(), &Host::current())
    }
}

impl fmt::Display for Timestamp {
    /// The heartbeat's wall-clock time, e.g. `2026-11-25T05:21:02Z`, or
    /// `no heartbeat`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value() {
            Some(when) => write!(f, "{}", humantime::format_rfc3339_seconds(when)),
            None => f.write_str("no heartbeat"),
        }
    }
}
