//! A record's fields, their limits, and their encoding into one line.

use std::{
    fmt::Write,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use super::{
    ids::{BootId, Incarnation},
    ready::{Location, Readiness, bounded_reason},
    text,
};

/// The most instances a pool may have (and a pool record may declare):
/// each is a file the probe reads and a line it prints.
///
/// ```
/// use liveness::{Error, Liveness, MAX_POOL_SIZE};
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-max-pool/consumer")]
/// struct Consumer;
///
/// assert!(matches!(Consumer::pool_size(MAX_POOL_SIZE + 1), Err(Error::PoolTooLarge { .. })));
/// ```
pub const MAX_POOL_SIZE: u32 = 1024;

/// CRC-32 (ISO HDLC, as zlib's), bytewise: a 1 KiB table suits one record.
pub(super) const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The same check for the writer, where it was a large part of the cost
/// of `beat_now`: folded with carry-less multiplication where the
/// processor has it, else slice-by-16 (a 16 KiB table, about 7 times
/// faster on a record than [`CRC32`]'s). Readers keep the small table.
pub(super) fn write_check(line: &[u8]) -> u32 {
    crc32fast::hash(line)
}

/// Bytes in one record, padding and newline included.
pub(crate) const RECORD_LEN: usize = 1024;

/// Bytes of a component name a record holds; longer names are cut (and
/// compared cut).
pub(crate) const NAME_LIMIT: usize = 48;

pub(crate) use super::ready::REASON_LIMIT;

/// Seconds from the epoch to 10000-01-01, the end of RFC 3339 time.
pub(super) const YEAR_10000: u64 = 253_402_300_800;

/// The largest boot-clock reading a record holds, exclusive (3,000 years).
pub(super) const MAX_UP: u64 = 100_000_000_000;

/// The version this crate writes.
pub(super) const MAGIC: &str = "liveness/3";

/// The version before, without readiness and location, still read.
pub(super) const MAGIC_V2: &str = "liveness/2";

/// One record: who wrote what, when, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// Wall-clock time of the write.
    pub wall: SystemTime,
    /// Boot id and the host's boot clock at the write, when known.
    pub boot: Option<(BootId, Duration)>,
    /// The writing process.
    pub writer: Writer,
    /// The writer's container incarnation, when it had procfs.
    pub incarnation: Option<Incarnation>,
    /// The component, or `None` for a heartbeat of no particular component
    /// (written by `Timestamp::create`, the first format, the prior art).
    pub owner: Option<Owner>,
    /// What was recorded.
    pub event: Event,
    /// Whether the component takes traffic; `Ready` in older versions.
    pub ready: Readiness,
    /// The call that wrote it, when known (not in older versions).
    pub location: Option<Location>,
}

/// The process that wrote a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Writer {
    /// Its process id, in its own PID namespace; 0 when unknown.
    pub pid: u32,
    /// When it started, in clock ticks since boot on the host's boot clock.
    pub start: Option<u64>,
}

/// The component a record belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    /// The component's name, cut to [`NAME_LIMIT`] bytes.
    pub name: String,
    /// The pool instance, if the record is an instance's.
    pub instance: Option<u32>,
}

impl Owner {
    /// The owner `name` (cut to what a record holds) and `instance`.
    pub fn new(name: &str, instance: Option<u32>) -> Owner {
        Owner {
            name: bounded(name, NAME_LIMIT).to_owned(),
            instance,
        }
    }

    /// How lines and errors name it: `name`, or `name[i]` for an instance.
    pub fn label(&self) -> String {
        match self.instance {
            Some(index) => format!("{}[{index}]", self.name),
            None => self.name.clone(),
        }
    }
}

/// What a record says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A heartbeat.
    Beat,
    /// A heartbeat that keeps the component alive for `by` without beats.
    Extend { by: Duration, reason: String },
    /// The component declared itself broken.
    Fail { reason: String },
    /// The component runs a pool of `size` instances (`0..size`).
    Pool { size: u32 },
}

/// `text` cut to at most `limit` bytes, at a character boundary.
pub(crate) fn bounded(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Record {
    /// Encodes the record; `None` if the wall time is outside 1970..=9999 or
    /// the boot-clock reading does not fit its field.
    pub fn encode(&self) -> Option<[u8; RECORD_LEN]> {
        check_wall(self.wall)?;
        // One allocation for the whole line.
        let mut line = String::with_capacity(RECORD_LEN);
        let _ = write!(
            line,
            "{MAGIC} at={} boot={} up={}",
            humantime::format_rfc3339_nanos(self.wall),
            self.boot.map_or(BootId::NIL, |(id, _)| id),
            seconds(self.boot.map_or(Duration::ZERO, |(_, up)| up))?,
        );
        self.encode_rest(&mut line)?;
        let crc = write_check(line.as_bytes());
        let _ = write!(line, " crc={crc:08x}");
        let mut bytes = [b' '; RECORD_LEN];
        bytes
            .get_mut(..line.len())?
            .copy_from_slice(line.as_bytes());
        bytes[RECORD_LEN - 1] = b'\n';
        (line.len() < RECORD_LEN).then_some(bytes)
    }

    /// Appends the fields after the clocks, from ` pid=` to the location:
    /// what two records of one writer differ in least (see
    /// [`Encoder`](super::Encoder)). `None` when an extension does not fit
    /// its field.
    pub(super) fn encode_rest(&self, line: &mut String) -> Option<()> {
        let _ = write!(
            line,
            " pid={} start={} {} ",
            self.writer.pid,
            optional(self.writer.start),
            incarnation(self.incarnation.as_ref()),
        );
        match &self.owner {
            Some(owner) => {
                *line += "name=";
                text::quote(bounded(&owner.name, NAME_LIMIT), line);
                let _ = write!(line, " inst={}", optional(owner.instance));
            }
            None => *line += "name=- inst=-",
        }
        match &self.event {
            Event::Beat => *line += " state=beating",
            Event::Extend { by, reason } => {
                *line += &format!(" state=extended for={} why=", seconds(*by)?);
                text::quote(bounded_reason(reason), line);
            }
            Event::Fail { reason } => {
                *line += " state=failed why=";
                text::quote(bounded_reason(reason), line);
            }
            Event::Pool { size } => *line += &format!(" state=pool size={size}"),
        }
        self.encode_v3(line);
        Some(())
    }
}

/// `Some` when `wall` lies in what a record holds: 1970 to 9999.
pub(super) fn check_wall(wall: SystemTime) -> Option<Duration> {
    let since_epoch = wall.duration_since(UNIX_EPOCH).ok()?;
    (since_epoch.as_secs() < YEAR_10000).then_some(since_epoch)
}

impl Record {
    /// The fields of the third version: ` ready=yes`, ` ready=no
    /// because="..."` or ` ready=draining because="..."`; then ` loc=-` or
    /// ` loc="src/main.rs" line=42`.
    fn encode_v3(&self, line: &mut String) {
        match &self.ready {
            Readiness::Ready => *line += " ready=yes",
            Readiness::Unready(reason) => {
                *line += " ready=no because=";
                text::quote(bounded_reason(reason), line);
            }
            Readiness::Draining(reason) => {
                *line += " ready=draining because=";
                text::quote(bounded_reason(reason), line);
            }
        }
        match &self.location {
            None => *line += " loc=-",
            Some(location) => {
                *line += " loc=";
                text::quote(Location::bounded_file(&location.file), line);
                let _ = write!(line, " line={}", location.line);
            }
        }
    }
}

/// `secs.nanos`, or `None` past what a record holds.
fn seconds(d: Duration) -> Option<String> {
    (d.as_secs() < MAX_UP).then(|| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
}

fn optional(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn incarnation(inc: Option<&Incarnation>) -> String {
    match inc {
        Some(inc) => format!(
            "mnt={} pidns={} init={}",
            inc.mnt_ns, inc.pid_ns, inc.init_start
        ),
        None => "mnt=- pidns=- init=-".to_owned(),
    }
}
