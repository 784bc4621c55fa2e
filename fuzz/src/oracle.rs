//! What the verdict on a file must be, worked out from the record format
//! (`liveness/src/record/mod.rs`, `v1.rs`) and the verdict rules
//! (`liveness/src/status/judge.rs`) as documented, without the library's
//! code: a parser of its own by text splitting, and the rules restated.

use std::time::{Duration, UNIX_EPOCH};

/// Bytes in a version-2 record, padding and newline included.
pub const RECORD_LEN: usize = 1024;
/// Bytes in a first-version record, newline included.
pub const V1_LEN: usize = 178;
/// Files larger than this are not heartbeats.
pub const READ_LIMIT: usize = 4096;
/// Bytes of a component name a record holds; names are compared cut.
const NAME_LIMIT: usize = 48;
/// The largest `up` or `for` a version-2 record holds, exclusive.
const MAX_SECONDS: u64 = 100_000_000_000;
/// Seconds from the epoch to 10000-01-01.
const YEAR_10000: u64 = 253_402_300_800;
/// A heartbeat further ahead than this is invalid; closer, it is 0 old.
const FUTURE_TOLERANCE: Duration = Duration::from_secs(1);
/// A record of another container written this long after this container
/// started, by a writer the host cannot see, is a live container's.
const AFTER_START: Duration = Duration::from_secs(1);
/// One clock tick of procfs start times (Linux's `USER_HZ` is 100).
pub const TICK: Duration = Duration::from_millis(10);

/// What a heartbeat file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum File {
    /// No file at the path.
    Missing,
    /// An empty file.
    Empty,
    /// Not a heartbeat: torn, tampered, malformed, another format.
    Invalid,
    /// The prior art's float: the time since the epoch.
    Float(Duration),
    /// A record, either version.
    Record(Record),
}

/// The fields of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// 1 or 2.
    pub version: u8,
    /// `at`, since the epoch.
    pub at: Duration,
    /// `boot`; `None` for the nil id.
    pub boot: Option<[u8; 36]>,
    /// `up`.
    pub up: Duration,
    /// `pid`.
    pub pid: u32,
    /// `start`; `None` for `-` (and in the first version).
    pub start: Option<u64>,
    /// `mnt`, `pidns`, `init` (`inc` in the first version, PID namespace 0).
    pub incarnation: Option<(u64, u64, u64)>,
    /// `name`, unquoted.
    pub name: Option<String>,
    /// `inst`.
    pub instance: Option<u32>,
    /// `state`.
    pub state: State,
}

/// The `state` of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// `beating`.
    Beating,
    /// `extended`, `for` this long.
    Extended(Duration),
    /// `failed`.
    Failed,
    /// `pool`.
    Pool,
}

/// Reads a file's bytes; `None`: no file.
pub fn read(file: Option<&[u8]>) -> File {
    let Some(bytes) = file else {
        return File::Missing;
    };
    if bytes.is_empty() {
        return File::Empty;
    }
    if bytes.len() > READ_LIMIT {
        return File::Invalid;
    }
    let read = if bytes.starts_with(b"liveness/1 ") {
        first_version(bytes).map(File::Record)
    } else if bytes.starts_with(b"liveness/") {
        second_version(bytes).map(File::Record)
    } else {
        float(bytes).map(File::Float)
    };
    read.unwrap_or(File::Invalid)
}

/// `liveness/2 at=... crc=<8 hex>`, spaces to 1023 bytes, a newline; or
/// the third version: the same, with ` ready=yes` (or `no`/`draining` and
/// `because="..."`) and ` loc=-` (or `loc="..." line=N`) before the check.
/// Readiness and location never change a liveness verdict: read, not kept.
fn second_version(bytes: &[u8]) -> Option<Record> {
    let body = sealed_body(bytes)?;
    let (version, rest) = match body.strip_prefix("liveness/3") {
        Some(rest) => (3, rest),
        None => (2, body.strip_prefix("liveness/2")?),
    };
    let mut fields = Fields(rest);
    let at = rfc3339(fields.plain("at")?)?;
    let boot = boot_id(fields.plain("boot")?)?;
    let up = seconds(fields.plain("up")?)?;
    let pid = number(fields.plain("pid")?)?;
    let start = optional(fields.plain("start")?)?;
    let incarnation = match (
        optional(fields.plain("mnt")?)?,
        optional(fields.plain("pidns")?)?,
        optional(fields.plain("init")?)?,
    ) {
        (Some(mnt), Some(pid_ns), Some(init)) => Some((mnt, pid_ns, init)),
        (None, None, None) => None,
        _ => return None,
    };
    let name = fields.text("name")?;
    let instance = optional(fields.plain("inst")?)?;
    if name.is_none() && instance.is_some() {
        return None;
    }
    let state = state(&mut fields)?;
    if version == 3 {
        third_version_fields(&mut fields)?;
    }
    fields.0.is_empty().then_some(Record {
        version,
        at,
        boot,
        up,
        pid,
        start,
        incarnation,
        name,
        instance,
        state,
    })
}

/// The body of a record line of [`RECORD_LEN`] bytes whose CRC matches:
/// what precedes ` crc=<8 hex>`, the spaces and the newline after it.
fn sealed_body(bytes: &[u8]) -> Option<&str> {
    if bytes.len() != RECORD_LEN || bytes[RECORD_LEN - 1] != b'\n' {
        return None;
    }
    let line = std::str::from_utf8(&bytes[..RECORD_LEN - 1]).ok()?;
    let (body, tail) = line.rsplit_once(" crc=")?;
    let (crc, padding) = (tail.get(..8)?, tail.get(8..)?);
    let sealed = crc.bytes().all(|b| b.is_ascii_hexdigit())
        && padding.bytes().all(|b| b == b' ')
        && u32::from_str_radix(crc, 16).ok()? == crc32fast::hash(body.as_bytes());
    sealed.then_some(body)
}

/// The `state=` field and the fields that come with it.
/// `ready` (with `because` unless `yes`), then `loc` (with `line` unless `-`).
fn third_version_fields(fields: &mut Fields<'_>) -> Option<()> {
    match fields.plain("ready")? {
        "yes" => {}
        "no" | "draining" => {
            fields.text("because")??;
        }
        _ => return None,
    }
    if fields.text("loc")?.is_some() {
        number::<u32>(fields.plain("line")?)?;
    }
    Some(())
}

fn state(fields: &mut Fields<'_>) -> Option<State> {
    Some(match fields.plain("state")? {
        "beating" => State::Beating,
        "extended" => {
            let by = seconds(fields.plain("for")?)?;
            fields.text("why")??;
            State::Extended(by)
        }
        "failed" => {
            fields.text("why")??;
            State::Failed
        }
        "pool" => {
            number::<u32>(fields.plain("size")?)?;
            State::Pool
        }
        _ => return None,
    })
}

/// The rest of a body: ` key=value` fields in a fixed order.
struct Fields<'a>(&'a str);

impl<'a> Fields<'a> {
    /// What follows ` key=`.
    fn after(&self, key: &str) -> Option<&'a str> {
        self.0
            .strip_prefix(' ')?
            .strip_prefix(key)?
            .strip_prefix('=')
    }

    /// A plain value: up to the next space.
    fn plain(&mut self, key: &str) -> Option<&'a str> {
        let rest = self.after(key)?;
        let (value, rest) = rest.split_at(rest.find(' ').unwrap_or(rest.len()));
        self.0 = rest;
        Some(value)
    }

    /// `-`, or quoted text.
    fn text(&mut self, key: &str) -> Option<Option<String>> {
        let rest = self.after(key)?;
        if let Some(rest) = rest.strip_prefix('-') {
            self.0 = rest;
            return Some(None);
        }
        let (text, rest) = unquote(rest)?;
        self.0 = rest;
        Some(Some(text))
    }
}

/// `"..."` with `\\`, `\"`, `\xNN` (ASCII) and `\u{N..}` (1 to 6 hex
/// digits) escapes and no raw control character; the text and the rest.
fn unquote(input: &str) -> Option<(String, &str)> {
    let inside = input.strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = inside.char_indices();
    loop {
        let (at, c) = chars.next()?;
        match c {
            '"' => return Some((text, &inside[at + 1..])),
            '\\' => {
                let (_, escape) = chars.next()?;
                let rest = chars.as_str();
                let (c, len) = match escape {
                    '\\' | '"' => (escape, 0),
                    'x' => {
                        let hex = rest.get(..2).filter(|h| hex_number(h))?;
                        let byte = u8::from_str_radix(hex, 16).ok().filter(u8::is_ascii)?;
                        (char::from(byte), 2)
                    }
                    'u' => {
                        let (hex, _) = rest.strip_prefix('{')?.split_once('}')?;
                        if !(1..=6).contains(&hex.len()) || !hex_number(hex) {
                            return None;
                        }
                        (
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?,
                            hex.len() + 2,
                        )
                    }
                    _ => return None,
                };
                text.push(c);
                for _ in 0..len {
                    chars.next(); // ASCII: one char a byte
                }
            }
            c if c.is_control() => return None,
            c => text.push(c),
        }
    }
}

/// Hex digits only (no sign).
fn hex_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Decimal digits only (no sign).
fn decimal(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `liveness/1 at=... boot=... up=... inc=<hex>:<hex> pid=... crc=<8>`,
/// 178 bytes: numbers of digits only, fields after `pid` ignored.
fn first_version(bytes: &[u8]) -> Option<Record> {
    if bytes.len() != V1_LEN || bytes[V1_LEN - 1] != b'\n' {
        return None;
    }
    let line = std::str::from_utf8(&bytes[..V1_LEN - 1]).ok()?;
    let (body, crc) = line.rsplit_once(" crc=")?;
    if crc.len() != 8
        || !hex_number(crc)
        || u32::from_str_radix(crc, 16).ok()? != crc32fast::hash(body.as_bytes())
    {
        return None;
    }
    let mut fields = body.split(' ').skip(1);
    let mut field = |key: &str| fields.next()?.strip_prefix(key)?.strip_prefix('=');
    let at = rfc3339(field("at")?)?;
    let boot = boot_id(field("boot")?)?;
    let up = {
        let (secs, nanos) = field("up")?.split_once('.')?;
        if !decimal(secs) || !decimal(nanos) {
            return None;
        }
        let nanos: u32 = nanos.parse().ok().filter(|n| *n < 1_000_000_000)?;
        Duration::new(secs.parse().ok()?, nanos)
    };
    let inc = field("inc")?;
    let pid = field("pid")?;
    let pid = pid.parse().ok().filter(|_| decimal(pid))?;
    let (mnt, init) = inc.split_once(':')?;
    if !hex_number(mnt) || !hex_number(init) {
        return None;
    }
    let mnt = u64::from_str_radix(mnt, 16).ok()?;
    let init = u64::from_str_radix(init, 16).ok()?;
    Some(Record {
        version: 1,
        at,
        boot,
        up,
        pid,
        start: None,
        incarnation: (mnt != 0 || init != 0).then_some((mnt, 0, init)),
        name: None,
        instance: None,
        state: State::Beating,
    })
}

/// The prior art's `str(time.time())`.
fn float(bytes: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let secs: f64 = text.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 || secs >= YEAR_10000 as f64 {
        return None;
    }
    Duration::try_from_secs_f64(secs).ok()
}

fn rfc3339(text: &str) -> Option<Duration> {
    humantime::parse_rfc3339(text)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
}

/// 36 hex digits and dashes; `Some(None)` for the nil id.
fn boot_id(text: &str) -> Option<Option<[u8; 36]>> {
    let id: [u8; 36] = text.as_bytes().try_into().ok()?;
    if !id.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-') {
        return None;
    }
    Some((id != *b"00000000-0000-0000-0000-000000000000").then_some(id))
}

/// Decimal digits only.
fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A number, or `-`.
fn optional<T: std::str::FromStr>(text: &str) -> Option<Option<T>> {
    if text == "-" {
        Some(None)
    } else {
        number(text).map(Some)
    }
}

/// `<secs>.<9 digits>`, under 1e11 seconds.
fn seconds(text: &str) -> Option<Duration> {
    let (secs, nanos) = text.split_once('.')?;
    let secs: u64 = number(secs)?;
    if nanos.len() != 9 || secs >= MAX_SECONDS {
        return None;
    }
    Some(Duration::new(secs, number(nanos)?))
}

/// The host a file is judged on.
#[derive(Clone, Debug)]
pub struct Host {
    /// The wall clock, since the epoch.
    pub wall: Duration,
    /// The boot id; `None`: unknown.
    pub boot_id: Option<[u8; 36]>,
    /// The boot clock.
    pub boot_now: Duration,
    /// This container: mount and PID namespaces, PID 1's start in ticks.
    pub incarnation: Option<(u64, u64, u64)>,
    /// How long ago this container started.
    pub container_age: Option<Duration>,
    /// The (pid, start) of the processes that run.
    pub running: Vec<(u32, u64)>,
}

/// The component the file should belong to, and its limits.
#[derive(Clone, Debug)]
pub struct Component {
    /// Its name; `None`: any.
    pub name: Option<String>,
    /// Its pool instance.
    pub instance: Option<u32>,
    /// The oldest a heartbeat may be.
    pub max_age: Duration,
    /// How long a missing heartbeat counts as starting.
    pub startup_grace: Duration,
    /// The longest extension honoured.
    pub max_extend: Option<Duration>,
}

/// Why a verdict is what it is, as the line says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A heartbeat, fresh or stale.
    Beat,
    /// An extension, running or run out.
    Extended,
    /// A failure the component declared.
    Failed,
    /// No file.
    Missing,
    /// An empty file.
    Empty,
    /// A previous container's (or boot's) record.
    Previous,
    /// Another live container's record.
    Conflict,
    /// Another component's record.
    OtherComponent,
    /// A heartbeat more than 1 s ahead.
    Future,
    /// Not a heartbeat.
    Invalid,
}

/// The verdict facts a status must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// `alive`, `starting` or `dead`.
    pub verdict: &'static str,
    /// `beating`, `extended`, `failed`, `starting` or none.
    pub state: Option<&'static str>,
    /// The heartbeat's age, for a beat or an extension.
    pub age: Option<Duration>,
    /// Why.
    pub kind: Kind,
}

/// How long after its record an extension keeps a component alive.
pub fn extended_limit(by: Duration, component: &Component) -> Duration {
    by.min(component.max_extend.unwrap_or(by))
        .max(component.max_age)
}

/// `text` cut to `limit` bytes at a character boundary.
pub fn cut(text: &str, limit: usize) -> &str {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The verdict `file` must get for `component` on `host`.
pub fn expect(file: &File, host: &Host, component: &Component) -> Expected {
    let dead = |kind| Expected {
        verdict: "dead",
        state: None,
        age: None,
        kind,
    };
    let record = match file {
        File::Missing => return no_beat(Kind::Missing, host, component),
        File::Empty => return no_beat(Kind::Empty, host, component),
        File::Invalid => return dead(Kind::Invalid),
        File::Float(at) => {
            return match age(*at, host.wall) {
                Some(age) => aged(Kind::Beat, age, component.max_age),
                None => dead(Kind::Future),
            };
        }
        File::Record(record) => record,
    };
    // Another component's record never vouches, whoever wrote it.
    if let (Some(theirs), Some(ours)) = (&record.name, &component.name)
        && (theirs != cut(ours, NAME_LIMIT) || record.instance != component.instance)
    {
        return dead(Kind::OtherComponent);
    }
    match origin(record, host) {
        Origin::Here => {}
        Origin::Previous => return no_beat(Kind::Previous, host, component),
        Origin::OtherLive => return dead(Kind::Conflict),
    }
    // The boot clock within a boot, the wall clock across boots.
    let age = match (record.boot, host.boot_id) {
        (Some(theirs), Some(ours)) if theirs == ours => age(record.up, host.boot_now),
        _ => age(record.at, host.wall),
    };
    let Some(age) = age else {
        return dead(Kind::Future);
    };
    match record.state {
        State::Beating => aged(Kind::Beat, age, component.max_age),
        State::Extended(by) => aged(Kind::Extended, age, extended_limit(by, component)),
        State::Failed => Expected {
            verdict: "dead",
            state: Some("failed"),
            age: None,
            kind: Kind::Failed,
        },
        State::Pool => dead(Kind::Invalid),
    }
}

/// `now - then`; 0 up to 1 s ahead, `None` further.
fn age(then: Duration, now: Duration) -> Option<Duration> {
    match now.checked_sub(then) {
        Some(age) => Some(age),
        None if then - now <= FUTURE_TOLERANCE => Some(Duration::ZERO),
        None => None,
    }
}

/// A heartbeat `age` old that keeps the component alive up to `limit`.
fn aged(kind: Kind, age: Duration, limit: Duration) -> Expected {
    Expected {
        verdict: if age <= limit { "alive" } else { "dead" },
        state: Some(if kind == Kind::Extended {
            "extended"
        } else {
            "beating"
        }),
        age: Some(age),
        kind,
    }
}

/// No heartbeat from this container: starting while it is younger than its
/// grace, else dead.
fn no_beat(kind: Kind, host: &Host, component: &Component) -> Expected {
    let starting = host
        .container_age
        .is_some_and(|age| age < component.startup_grace);
    Expected {
        verdict: if starting { "starting" } else { "dead" },
        state: starting.then_some("starting"),
        age: None,
        kind,
    }
}

enum Origin {
    /// This container, or unknown (no incarnation on one side).
    Here,
    Previous,
    OtherLive,
}

/// Where a record comes from: this container (same incarnation, or a writer
/// that still runs), a previous one (another boot, the same PID namespace,
/// or written before this container started), or another live container.
fn origin(record: &Record, host: &Host) -> Origin {
    let (Some(theirs), Some(ours)) = (record.incarnation, host.incarnation) else {
        return Origin::Here;
    };
    if let (Some(id), Some(host_id)) = (record.boot, host.boot_id)
        && id != host_id
    {
        return Origin::Previous;
    }
    let (mnt, pid_ns, init) = theirs;
    // A PID namespace of 0 (the first version's) matches any.
    let same = mnt == ours.0 && init == ours.2 && (pid_ns == 0 || ours.1 == 0 || pid_ns == ours.1);
    let runs = record.pid != 0
        && record
            .start
            .is_some_and(|start| host.running.contains(&(record.pid, start)));
    if same || runs {
        return Origin::Here;
    }
    if pid_ns != 0 && pid_ns == ours.1 && init == ours.2 {
        // A nested mount namespace's writer that has exited.
        return Origin::Previous;
    }
    let started = Duration::from_secs(ours.2 / 100) + TICK * (ours.2 % 100) as u32;
    if record.boot.is_some() && record.up > started + AFTER_START {
        Origin::OtherLive
    } else {
        Origin::Previous
    }
}
