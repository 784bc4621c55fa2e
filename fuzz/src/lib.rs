//! How a fuzz input maps to a heartbeat file, the host that judges it and
//! the component it should belong to; and the checks on the verdict.
//! Shared by the fuzz target and the seed generator.
//!
//! ```text
//! [0]       flags
//!             bit 0     seal the file (below)
//!             bit 1     no file at the path (the bytes after the header
//!                       are ignored)
//!             bits 2-3  the host's boot id: 0 the record's, 1 another,
//!                       2 the nil id, 3 unknown
//!             bits 4-5  this container: 0 the record's, 1 another (other
//!                       namespaces, PID 1 started container-age ago),
//!                       2 the record's PID namespace and PID 1 with another
//!                       mount namespace, 3 unknown
//!             bit 6     the record's writer runs (else its pid runs, started
//!                       at another time)
//!             bit 7     the container age is unknown
//! [1]       the component expected
//!             bits 0-1  name: 0 `worker`, 1 the record's, 2 any (none
//!                       expected), 3 `worker` and 50 `x`, cut to 48 bytes
//!                       when compared
//!             bits 2-3  instance: 0 the record's, 1 none, 2 the record's + 1
//!                       (0 when none), 3 u32::MAX
//!             bit 4     no max_extend
//!             bits 5-7  unused
//! [2..4)    max_age, u16 LE, tenths of a second
//! [4..6)    startup_grace, u16 LE, tenths of a second
//! [6..8)    max_extend, u16 LE, tenths of a second
//! [8..16)   i64 LE, nanoseconds: the host's wall clock reads the record's
//!           `at` + limit + this
//! [16..24)  i64 LE, nanoseconds: the host's boot clock reads the record's
//!           `up` + limit + this
//! [24..28)  i32 LE, milliseconds: the container age is startup_grace + this
//!           (at least 0)
//! [28..)    the file
//! ```
//!
//! The record's values are what [`oracle::read`] makes of the file; a file
//! that is no record has `at` [`BASE_AT`] (a prior-art float: its value) and
//! `up` [`BASE_UP`], and no boot id, incarnation, writer, name or instance.
//! The limit is the age up to which the record keeps its component alive:
//! `max_age`, or for an extension `max(min(for, max_extend), max_age)`. So
//! most inputs land near the boundary between alive and dead on both clocks,
//! whatever times the file holds, and the two clocks disagree unless the
//! input says otherwise.
//!
//! A sealed input carries a record's body only. For a file that starts with
//! `liveness/1 `, the body is cut to 164 bytes and ` crc=<8 hex digits of
//! its CRC-32>` and a newline are appended (178 bytes); for any other, the
//! body is cut to 1010 bytes, ` crc=<8 hex>` appended and the whole padded
//! with spaces to 1024 bytes, newline last. The fuzzer so gets past the
//! integrity check and reaches the field parsers and the verdict rules with
//! hand-made field values.
//!
//! The checks need the library's `fuzzing` module, which exists only under
//! `--cfg fuzzing`: `cargo fuzz` sets it, and so does `.cargo/config.toml`
//! for cargo run in this directory (from the root:
//! `cargo test --manifest-path fuzz/Cargo.toml --config fuzz/.cargo/config.toml`).

pub mod oracle;

use std::time::Duration;

use oracle::{Component, File, Host, Record, State};

/// Header bytes before the file.
pub const HEADER_LEN: usize = 28;
/// The longest version-2 body a sealed record holds: 1024 - ` crc=` - 8 - 1.
pub const BODY_LIMIT: usize = oracle::RECORD_LEN - 14;
/// The body of a first-version record: 178 - ` crc=` - 8 - 1.
pub const V1_BODY_LEN: usize = oracle::V1_LEN - 14;
/// `at` of a file that is no record: 2025-11-25T05:21:02.123456789Z.
pub const BASE_AT: Duration = Duration::new(1_764_048_062, 123_456_789);
/// `up` of a file that is no record.
pub const BASE_UP: Duration = Duration::new(12_345, 678_901_234);
/// The host's boot id when "the record's" has none.
pub const HOST_BOOT: [u8; 36] = *b"11111111-2222-3333-4444-555555555555";
/// Another boot id.
pub const OTHER_BOOT: [u8; 36] = *b"6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2";
/// The nil boot id: what a record writes for none.
pub const NIL_BOOT: [u8; 36] = *b"00000000-0000-0000-0000-000000000000";
/// This container when "the record's" has no incarnation.
pub const HOST_INCARNATION: (u64, u64, u64) = (4_026_532_650, 4_026_531_836, 442_800);
/// The name expected by default.
pub const WORKER: &str = "worker";
/// The longest a verdict line may be.
pub const LINE_LIMIT: usize = 4096;
/// The latest wall clock of a host: 2^40 s after the epoch, past year 10000.
const WALL_LIMIT: Duration = Duration::from_secs(1 << 40);

/// The host's boot id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootChoice {
    /// The record's ([`HOST_BOOT`] when it has none).
    Record,
    /// Another than the record's.
    Another,
    /// The nil id.
    Nil,
    /// Unknown.
    Unknown,
}

/// This container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerChoice {
    /// The record's incarnation ([`HOST_INCARNATION`] when it has none).
    Record,
    /// Another container: other namespaces, its PID 1 started when the
    /// container age says.
    Another,
    /// The record's PID namespace and PID 1, another mount namespace.
    NestedMount,
    /// Unknown.
    Unknown,
}

/// The component name expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameChoice {
    /// [`WORKER`].
    Worker,
    /// The record's ([`WORKER`] when it names none).
    Record,
    /// None: any component.
    Any,
    /// `worker` and 50 `x`, longer than a record holds.
    Long,
}

/// The pool instance expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceChoice {
    /// The record's.
    Record,
    /// None.
    None,
    /// The record's + 1, or 0 when it has none.
    Next,
    /// `u32::MAX`.
    Max,
}

/// The header of an input, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Make the file a record with a valid check.
    pub seal: bool,
    /// No file at the path.
    pub missing: bool,
    /// The host's boot id.
    pub boot: BootChoice,
    /// This container.
    pub container: ContainerChoice,
    /// The record's writer runs.
    pub writer_runs: bool,
    /// The container age is known.
    pub container_age_known: bool,
    /// The name expected.
    pub name: NameChoice,
    /// The instance expected.
    pub instance: InstanceChoice,
    /// In tenths of a second.
    pub max_age: u16,
    /// In tenths of a second.
    pub startup_grace: u16,
    /// In tenths of a second; `None`: no limit.
    pub max_extend: Option<u16>,
    /// Nanoseconds past the record's `at` + limit on the wall clock.
    pub wall: i64,
    /// Nanoseconds past the record's `up` + limit on the boot clock.
    pub boot_clock: i64,
    /// Milliseconds past the startup grace the container has run.
    pub container_age: i32,
}

impl Default for Header {
    /// A sealed record judged in its own boot and container, 90 s max age,
    /// 60 s grace, 1 h max extension, on the limit on both clocks.
    fn default() -> Header {
        Header {
            seal: true,
            missing: false,
            boot: BootChoice::Record,
            container: ContainerChoice::Record,
            writer_runs: false,
            container_age_known: true,
            name: NameChoice::Worker,
            instance: InstanceChoice::Record,
            max_age: 900,
            startup_grace: 600,
            max_extend: Some(36_000),
            wall: 0,
            boot_clock: 0,
            container_age: 0,
        }
    }
}

impl Header {
    /// Reads the first [`HEADER_LEN`] bytes of an input.
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Header {
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let i64_at = |i: usize| i64::from_le_bytes(bytes[i..i + 8].try_into().unwrap());
        let (flags, expect) = (bytes[0], bytes[1]);
        let two = |byte: u8, shift: u8| (byte >> shift) & 3;
        Header {
            seal: flags & 1 != 0,
            missing: flags & 2 != 0,
            boot: [
                BootChoice::Record,
                BootChoice::Another,
                BootChoice::Nil,
                BootChoice::Unknown,
            ][usize::from(two(flags, 2))],
            container: [
                ContainerChoice::Record,
                ContainerChoice::Another,
                ContainerChoice::NestedMount,
                ContainerChoice::Unknown,
            ][usize::from(two(flags, 4))],
            writer_runs: flags & 0x40 != 0,
            container_age_known: flags & 0x80 == 0,
            name: [
                NameChoice::Worker,
                NameChoice::Record,
                NameChoice::Any,
                NameChoice::Long,
            ][usize::from(two(expect, 0))],
            instance: [
                InstanceChoice::Record,
                InstanceChoice::None,
                InstanceChoice::Next,
                InstanceChoice::Max,
            ][usize::from(two(expect, 2))],
            max_age: u16_at(2),
            startup_grace: u16_at(4),
            max_extend: (expect & 0x10 == 0).then(|| u16_at(6)),
            wall: i64_at(8),
            boot_clock: i64_at(16),
            container_age: i32::from_le_bytes(bytes[24..28].try_into().unwrap()),
        }
    }

    /// The inverse of [`Header::decode`].
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let flags = u8::from(self.seal)
            | u8::from(self.missing) << 1
            | (self.boot as u8) << 2
            | (self.container as u8) << 4
            | u8::from(self.writer_runs) << 6
            | u8::from(!self.container_age_known) << 7;
        let expect =
            self.name as u8 | (self.instance as u8) << 2 | u8::from(self.max_extend.is_none()) << 4;
        let mut out = [0; HEADER_LEN];
        out[0] = flags;
        out[1] = expect;
        out[2..4].copy_from_slice(&self.max_age.to_le_bytes());
        out[4..6].copy_from_slice(&self.startup_grace.to_le_bytes());
        out[6..8].copy_from_slice(&self.max_extend.unwrap_or(0).to_le_bytes());
        out[8..16].copy_from_slice(&self.wall.to_le_bytes());
        out[16..24].copy_from_slice(&self.boot_clock.to_le_bytes());
        out[24..28].copy_from_slice(&self.container_age.to_le_bytes());
        out
    }

    /// An input: this header, then `file` (for a sealed header, a record's
    /// body: see [`body`]).
    pub fn input(&self, file: &[u8]) -> Vec<u8> {
        let mut out = self.encode().to_vec();
        out.extend_from_slice(file);
        out
    }
}

/// The file a sealed input's bytes stand for (see the top of this file).
pub fn seal(body: &[u8]) -> Vec<u8> {
    if body.starts_with(b"liveness/1 ") {
        let mut file = body[..body.len().min(V1_BODY_LEN)].to_vec();
        let crc = crc32fast::hash(&file);
        file.extend_from_slice(format!(" crc={crc:08x}\n").as_bytes());
        return file;
    }
    let mut file = body[..body.len().min(BODY_LIMIT)].to_vec();
    let crc = crc32fast::hash(&file);
    file.extend_from_slice(format!(" crc={crc:08x}").as_bytes());
    file.resize(oracle::RECORD_LEN - 1, b' ');
    file.push(b'\n');
    file
}

/// The body of a sealed record: what [`seal`] seals back into `file`.
pub fn body(file: &[u8]) -> &[u8] {
    let end = file
        .windows(5)
        .rposition(|w| w == b" crc=")
        .unwrap_or(file.len());
    &file[..end]
}

/// One input, decoded: the file, the host and the component, and what the
/// oracle reads in the file.
#[derive(Clone, Debug)]
pub struct Input {
    /// The header.
    pub header: Header,
    /// The file; `None`: no file at the path.
    pub file: Option<Vec<u8>>,
    /// What the file holds, by the oracle.
    pub read: File,
    /// The host.
    pub host: Host,
    /// The component.
    pub component: Component,
}

fn tenths(tenths: u16) -> Duration {
    Duration::from_millis(u64::from(tenths) * 100)
}

/// `base` moved by `nanos`, within 0..=Duration::MAX.
fn shift(base: Duration, nanos: i64) -> Duration {
    let by = Duration::from_nanos(nanos.unsigned_abs());
    if nanos < 0 {
        base.saturating_sub(by)
    } else {
        base.saturating_add(by)
    }
}

/// Decodes an input; `None` when it is shorter than the header.
pub fn decode(data: &[u8]) -> Option<Input> {
    let header = Header::decode(data.get(..HEADER_LEN)?.try_into().ok()?);
    let bytes = &data[HEADER_LEN..];
    let file = match (header.missing, header.seal) {
        (true, _) => None,
        (false, true) => Some(seal(bytes)),
        (false, false) => Some(bytes.to_vec()),
    };
    let read = oracle::read(file.as_deref());
    let record = match &read {
        File::Record(record) => Some(record),
        _ => None,
    };
    let component = component(&header, record);
    let limit = match record.map(|r| &r.state) {
        Some(State::Extended(by)) => oracle::extended_limit(*by, &component),
        _ => component.max_age,
    };
    let at = match &read {
        File::Record(record) => record.at,
        File::Float(at) => *at,
        _ => BASE_AT,
    };
    let up = record.map_or(BASE_UP, |r| r.up);
    let wall = shift(at.saturating_add(limit), header.wall).min(WALL_LIMIT);
    let boot_now = shift(up.saturating_add(limit), header.boot_clock);
    let container_age = shift(
        component.startup_grace,
        i64::from(header.container_age) * 1_000_000,
    );
    let host = Host {
        wall,
        boot_id: boot_id(header.boot, record),
        boot_now,
        incarnation: incarnation(header.container, record, boot_now, container_age),
        container_age: header.container_age_known.then_some(container_age),
        running: match record {
            Some(Record {
                pid,
                start: Some(start),
                ..
            }) if header.writer_runs => vec![(*pid, *start)],
            Some(Record {
                pid,
                start: Some(start),
                ..
            }) => vec![(*pid, start.wrapping_add(1))],
            _ => vec![],
        },
    };
    Some(Input {
        header,
        file,
        read,
        host,
        component,
    })
}

fn component(header: &Header, record: Option<&Record>) -> Component {
    let theirs = record.and_then(|r| r.instance);
    Component {
        name: match header.name {
            NameChoice::Worker => Some(WORKER.to_owned()),
            NameChoice::Record => Some(
                record
                    .and_then(|r| r.name.clone())
                    .unwrap_or_else(|| WORKER.to_owned()),
            ),
            NameChoice::Any => None,
            NameChoice::Long => Some(format!("{WORKER}{}", "x".repeat(50))),
        },
        instance: match header.instance {
            InstanceChoice::Record => theirs,
            InstanceChoice::None => None,
            InstanceChoice::Next => Some(theirs.map_or(0, |i| i.wrapping_add(1))),
            InstanceChoice::Max => Some(u32::MAX),
        },
        max_age: tenths(header.max_age),
        startup_grace: tenths(header.startup_grace),
        max_extend: header.max_extend.map(tenths),
    }
}

fn boot_id(choice: BootChoice, record: Option<&Record>) -> Option<[u8; 36]> {
    let theirs = record.and_then(|r| r.boot);
    match choice {
        BootChoice::Record => Some(theirs.unwrap_or(HOST_BOOT)),
        BootChoice::Another if theirs == Some(OTHER_BOOT) => Some(HOST_BOOT),
        BootChoice::Another => Some(OTHER_BOOT),
        BootChoice::Nil => Some(NIL_BOOT),
        BootChoice::Unknown => None,
    }
}

fn incarnation(
    choice: ContainerChoice,
    record: Option<&Record>,
    boot_now: Duration,
    container_age: Duration,
) -> Option<(u64, u64, u64)> {
    let (mnt, pid_ns, init) = record
        .and_then(|r| r.incarnation)
        .unwrap_or(HOST_INCARNATION);
    // A host always knows its PID namespace; a first-version record does not.
    let pid_ns = if pid_ns == 0 {
        HOST_INCARNATION.1
    } else {
        pid_ns
    };
    let started = boot_now.saturating_sub(container_age);
    let started = u64::try_from(started.as_nanos() / oracle::TICK.as_nanos()).unwrap_or(u64::MAX);
    match choice {
        ContainerChoice::Record => Some((mnt, pid_ns, init)),
        ContainerChoice::Another => {
            Some((mnt.wrapping_add(1), pid_ns.wrapping_add(1).max(1), started))
        }
        ContainerChoice::NestedMount => Some((mnt.wrapping_add(1), pid_ns, init)),
        ContainerChoice::Unknown => None,
    }
}

/// Whether `file` is, by its first bytes, a record of ours or the prior
/// art's finite float: the only files that may be judged alive.
pub fn may_be_alive(file: &[u8]) -> bool {
    file.starts_with(b"liveness/")
        || std::str::from_utf8(file)
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .is_some_and(f64::is_finite)
}

/// A name as a line shows it: a backslash and what `char::escape_debug`
/// escapes, quotes aside, written as a Rust escape.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\\' => "\\\\".to_owned(),
            '"' | '\'' => c.to_string(),
            c => c.escape_debug().to_string(),
        })
        .collect()
}

/// Whether `why`, the line after `<name>: <alive|dead>: `, says what the
/// oracle expects.
pub fn says(why: &str, kind: oracle::Kind, verdict: &str) -> bool {
    use oracle::Kind;
    let starting = verdict == "starting";
    let no_beat = |what: &str| {
        let rest = match why.strip_prefix("starting: ") {
            Some(rest) if starting => rest,
            _ if starting => return false,
            _ => why,
        };
        rest.strip_prefix(what).is_some_and(|rest| {
            what != "no heartbeat" || !rest.starts_with(" (the") && !rest.starts_with(" from")
        })
    };
    match kind {
        Kind::Beat => why.starts_with("last heartbeat "),
        Kind::Extended if verdict == "alive" => why.starts_with("extended: "),
        Kind::Extended => why.starts_with("extension ran out "),
        Kind::Failed => why.starts_with("failed: "),
        Kind::Missing => no_beat("no heartbeat"),
        Kind::Empty => no_beat("no heartbeat (the file is empty)"),
        Kind::Previous => {
            no_beat("no heartbeat from this container (the file is from a previous one)")
        }
        Kind::Conflict => why.starts_with("written by another live container, pid "),
        Kind::OtherComponent => why.starts_with("the file holds the heartbeat of "),
        Kind::Future => why.starts_with("invalid heartbeat: last heartbeat is "),
        Kind::Invalid => {
            why.starts_with("invalid heartbeat: ")
                && !why.starts_with("invalid heartbeat: last heartbeat is ")
        }
    }
}

#[cfg(fuzzing)]
impl Input {
    /// The library's verdict.
    pub fn judge(&self) -> liveness::fuzzing::Judged {
        use std::time::UNIX_EPOCH;
        liveness::fuzzing::judge(&liveness::fuzzing::Case {
            file: self.file.as_deref(),
            wall: UNIX_EPOCH + self.host.wall,
            boot_id: self.host.boot_id,
            boot_now: self.host.boot_now,
            incarnation: self.host.incarnation,
            container_age: self.host.container_age,
            running: &self.host.running,
            max_age: self.component.max_age,
            startup_grace: self.component.startup_grace,
            max_extend: self.component.max_extend,
            name: self.component.name.as_deref(),
            instance: self.component.instance,
        })
    }
}

/// Judges one input with the library and checks it against the oracle and
/// the shape of a line; panics when they disagree.
#[cfg(fuzzing)]
pub fn check(data: &[u8]) {
    let Some(input) = decode(data) else { return };
    let got = input.judge();
    let want = oracle::expect(&input.read, &input.host, &input.component);
    let line = &got.line;
    let context = || {
        format!(
            "{:?}\nfile: {:?}\n{:?}\n{:?}\nexpected {want:?}\nline: {line}",
            input.header,
            input.file.as_deref().map(String::from_utf8_lossy),
            input.host,
            input.component,
        )
    };

    // The line's shape.
    assert!(
        !line.chars().any(char::is_control),
        "not one clean line\n{}",
        context()
    );
    assert!(
        line.len() <= LINE_LIMIT,
        "{} bytes\n{}",
        line.len(),
        context()
    );
    assert_eq!(got.alive, got.verdict != "dead", "{}", context());
    let name = input
        .component
        .name
        .as_deref()
        .unwrap_or(liveness::fuzzing::ANY_NAME);
    let instance = input
        .component
        .instance
        .map(|i| format!("[{i}]"))
        .unwrap_or_default();
    let shown_verdict = if got.alive { "alive" } else { "dead" };
    let prefix = format!("{}{instance}: {shown_verdict}: ", shown(name));
    assert!(line.starts_with(&prefix), "not {prefix:?}\n{}", context());
    let suffix = format!(" ({})", liveness::fuzzing::PATH);
    assert!(line.ends_with(&suffix), "{}", context());

    // The verdict.
    assert_eq!(
        (got.verdict, got.state, got.age),
        (want.verdict, want.state, want.age),
        "the library and the oracle disagree\n{}",
        context()
    );
    assert!(
        says(&line[prefix.len()..], want.kind, want.verdict),
        "the line does not say {:?}\n{}",
        want.kind,
        context()
    );
    if got.verdict == "alive" {
        assert!(
            may_be_alive(input.file.as_deref().unwrap_or_default()),
            "alive on a file that is no heartbeat\n{}",
            context()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let header = Header {
            seal: false,
            missing: true,
            boot: BootChoice::Nil,
            container: ContainerChoice::NestedMount,
            writer_runs: true,
            container_age_known: false,
            name: NameChoice::Long,
            instance: InstanceChoice::Next,
            max_age: 1,
            startup_grace: 2,
            max_extend: Some(3),
            wall: -4,
            boot_clock: i64::MIN,
            container_age: -6,
        };
        assert_eq!(Header::decode(&header.encode()), header);
        assert_eq!(
            Header::decode(&Header::default().encode()),
            Header::default()
        );
    }

    #[test]
    fn sealing_a_sealed_body_gives_the_file_back() {
        let file = seal(b"liveness/2 at=x");
        assert_eq!(file.len(), oracle::RECORD_LEN);
        assert_eq!(seal(body(&file)), file);
        let v1 = seal(&[b"liveness/1 ".as_slice(), &[b'a'; 200]].concat());
        assert_eq!(v1.len(), oracle::V1_LEN);
        assert_eq!(seal(body(&v1)), v1);
    }

    /// A record the library writes reads as one: the oracle's format is the
    /// writer's.
    #[test]
    fn the_oracle_reads_what_the_library_writes() {
        let dir = std::env::temp_dir().join(format!("liveness-fuzz-{}", std::process::id()));
        let path = dir.join("worker");
        liveness::Timestamp::create(&path, Duration::from_secs(90)).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let File::Record(record) = oracle::read(Some(&bytes)) else {
            panic!("{}", String::from_utf8_lossy(&bytes));
        };
        assert_eq!((record.version, record.state), (3, State::Beating));
        assert_eq!(record.pid, std::process::id());
        assert_eq!(seal(body(&bytes)), bytes);
    }

    /// Every seed passes the checks and gets the verdict its name ends with:
    /// the layout reaches the verdicts, fresh and stale.
    #[cfg(fuzzing)]
    #[test]
    fn seeds_pass_and_get_the_verdict_they_are_named_for() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue; // another target's seeds
            }
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let data = std::fs::read(&path).unwrap();
            check(&data);
            let verdict = decode(&data).unwrap().judge().verdict;
            let named = ["alive", "starting", "dead"]
                .into_iter()
                .find(|v| name.ends_with(&format!("-{v}")))
                .unwrap_or_else(|| panic!("{name}: name it -alive, -starting or -dead"));
            assert_eq!(verdict, named, "{name}");
            seen += 1;
        }
        assert!(seen >= 30, "{seen} seeds");
    }

    #[cfg(not(fuzzing))]
    #[test]
    fn the_checks_are_built() {
        // Cargo reads `.cargo/config.toml` from the directory it runs in,
        // not from the manifest's.
        panic!(
            "the checks need --cfg fuzzing: run cargo in fuzz/, whose .cargo/config.toml \
             sets it, or add --config fuzz/.cargo/config.toml"
        );
    }
}
