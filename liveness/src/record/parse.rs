//! Reading a heartbeat file's bytes back into a [`Record`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{
    fields::{
        CRC32, Event, MAGIC, MAGIC_V2, MAX_UP, Owner, RECORD_LEN, Record, Writer, YEAR_10000,
    },
    ids::{BootId, Incarnation},
    invalid::{Invalid, Parsed, garbage},
    ready::{Location, Readiness},
    text, v1,
};

/// Parses the contents of a heartbeat file.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, Invalid> {
    if bytes.is_empty() {
        return Err(garbage("empty file"));
    }
    if bytes.starts_with(b"liveness/1 ") {
        return v1::parse(bytes).map(Parsed::Record);
    }
    if bytes.starts_with(b"liveness/") {
        return parse_record(bytes).map(Parsed::Record);
    }
    parse_epoch_float(bytes).map(Parsed::EpochFloat)
}

fn parse_record(bytes: &[u8]) -> Result<Record, Invalid> {
    let magic = [MAGIC, MAGIC_V2]
        .into_iter()
        .find(|magic| bytes.starts_with(magic.as_bytes()) && bytes.get(magic.len()) == Some(&b' '));
    let Some(magic) = magic else {
        let version = bytes
            .split(u8::is_ascii_whitespace)
            .next()
            .unwrap_or_default();
        let version = String::from_utf8_lossy(&version[..version.len().min(32)]);
        return Err(garbage(format!(
            "unsupported record format \"{}\"",
            crate::escape::text(&version)
        )));
    };
    let body = checked_body(bytes)?;
    // The check passed: the fields were written by a writer of this format,
    // and a mismatch below means a hand-made file.
    let mut fields = Fields(&body[magic.len()..]);
    let wall = humantime::parse_rfc3339(fields.plain("at")?)
        .map_err(|e| garbage(format!("bad `at` time: {e}")))?;
    let boot_id = BootId::parse(fields.plain("boot")?).ok_or_else(|| bad("boot"))?;
    let up = seconds(fields.plain("up")?).ok_or_else(|| bad("up"))?;
    let writer = Writer {
        pid: number(fields.plain("pid")?).ok_or_else(|| bad("pid"))?,
        start: optional(fields.plain("start")?).ok_or_else(|| bad("start"))?,
    };
    let incarnation = incarnation(&mut fields)?;
    let owner = owner(&mut fields)?;
    let event = event(&mut fields)?;
    let (ready, location) = if magic == MAGIC {
        (readiness(&mut fields)?, location(&mut fields)?)
    } else {
        (Readiness::Ready, None)
    };
    if !fields.0.is_empty() {
        return Err(garbage("record has extra fields"));
    }
    Ok(Record {
        wall,
        boot: boot_id.map(|id| (id, up)),
        writer,
        incarnation,
        owner,
        event,
        ready,
        location,
    })
}

/// The record's body, once its size, padding and check are right.
fn checked_body(bytes: &[u8]) -> Result<&str, Invalid> {
    // A short or long record is what a torn read looks like, too.
    if bytes.len() != RECORD_LEN || bytes[RECORD_LEN - 1] != b'\n' {
        return Err(Invalid::Checksum);
    }
    // The padding is spaces after the check: skip it from the end (a
    // search for " crc=" would walk all of it).
    let end = bytes[..RECORD_LEN - 1]
        .iter()
        .rposition(|b| *b != b' ')
        .map_or(0, |last| last + 1);
    let sealed = end
        .checked_sub(CRC_FIELD.len() + 8)
        .ok_or(Invalid::Checksum)?;
    let (body, tail) = bytes[..end].split_at(sealed);
    let crc = tail
        .strip_prefix(CRC_FIELD.as_bytes())
        .ok_or(Invalid::Checksum)?;
    let crc = std::str::from_utf8(crc).map_err(|_| Invalid::Checksum)?;
    let body = std::str::from_utf8(body).map_err(|_| Invalid::Checksum)?;
    let matches = crc.bytes().all(|b| b.is_ascii_hexdigit())
        && u32::from_str_radix(crc, 16).ok() == Some(CRC32.checksum(body.as_bytes()));
    if matches {
        Ok(body)
    } else {
        Err(Invalid::Checksum)
    }
}

/// What comes between a record's body and its check.
const CRC_FIELD: &str = " crc=";

fn incarnation(fields: &mut Fields<'_>) -> Result<Option<Incarnation>, Invalid> {
    let mnt = optional(fields.plain("mnt")?).ok_or_else(|| bad("mnt"))?;
    let pid_ns = optional(fields.plain("pidns")?).ok_or_else(|| bad("pidns"))?;
    let init = optional(fields.plain("init")?).ok_or_else(|| bad("init"))?;
    match (mnt, pid_ns, init) {
        (Some(mnt_ns), Some(pid_ns), Some(init_start)) => Ok(Some(Incarnation {
            mnt_ns,
            pid_ns,
            init_start,
        })),
        (None, None, None) => Ok(None),
        _ => Err(bad("mnt")),
    }
}

fn owner(fields: &mut Fields<'_>) -> Result<Option<Owner>, Invalid> {
    let name = fields.text("name")?;
    let instance = optional(fields.plain("inst")?).ok_or_else(|| bad("inst"))?;
    match name {
        Some(name) => Ok(Some(Owner { name, instance })),
        None if instance.is_none() => Ok(None),
        None => Err(bad("inst")),
    }
}

fn event(fields: &mut Fields<'_>) -> Result<Event, Invalid> {
    let reason = |fields: &mut Fields<'_>| fields.text("why")?.ok_or_else(|| bad("why"));
    Ok(match fields.plain("state")? {
        "beating" => Event::Beat,
        "extended" => Event::Extend {
            by: seconds(fields.plain("for")?).ok_or_else(|| bad("for"))?,
            reason: reason(fields)?,
        },
        "failed" => Event::Fail {
            reason: reason(fields)?,
        },
        "pool" => Event::Pool {
            size: number(fields.plain("size")?).ok_or_else(|| bad("size"))?,
        },
        _ => return Err(bad("state")),
    })
}

fn readiness(fields: &mut Fields<'_>) -> Result<Readiness, Invalid> {
    let reason = |fields: &mut Fields<'_>| fields.text("because")?.ok_or_else(|| bad("because"));
    Ok(match fields.plain("ready")? {
        "yes" => Readiness::Ready,
        "no" => Readiness::Unready(reason(fields)?),
        "draining" => Readiness::Draining(reason(fields)?),
        _ => return Err(bad("ready")),
    })
}

fn location(fields: &mut Fields<'_>) -> Result<Option<Location>, Invalid> {
    let Some(file) = fields.text("loc")? else {
        return Ok(None);
    };
    let line = number(fields.plain("line")?).ok_or_else(|| bad("line"))?;
    Ok(Some(Location {
        file: file.into(),
        line,
    }))
}

fn bad(key: &str) -> Invalid {
    garbage(format!("bad `{key}` field"))
}

/// The fields of a record body, in order: ` key=value` or ` key="text"`.
struct Fields<'a>(&'a str);

impl<'a> Fields<'a> {
    /// The next field, which must be `key`; its value up to the next space.
    fn plain(&mut self, key: &str) -> Result<&'a str, Invalid> {
        let rest = self.key(key)?;
        let end = rest.find(' ').unwrap_or(rest.len());
        self.0 = &rest[end..];
        Ok(&rest[..end])
    }

    /// The next field, which must be `key`: quoted text, or `-` for none.
    fn text(&mut self, key: &str) -> Result<Option<String>, Invalid> {
        let rest = self.key(key)?;
        if let Some(rest) = rest.strip_prefix('-') {
            self.0 = rest;
            return Ok(None);
        }
        let (text, rest) = text::unquote(rest).ok_or_else(|| bad(key))?;
        self.0 = rest;
        Ok(Some(text))
    }

    fn key(&self, key: &str) -> Result<&'a str, Invalid> {
        self.0
            .strip_prefix(' ')
            .and_then(|f| f.strip_prefix(key))
            .and_then(|f| f.strip_prefix('='))
            .ok_or_else(|| garbage(format!("record has no `{key}` field")))
    }
}

/// A decimal number without sign or padding tricks.
fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// A number, or `-` for none; `None` when neither.
fn optional<T: std::str::FromStr>(text: &str) -> Option<Option<T>> {
    if text == "-" {
        Some(None)
    } else {
        number(text).map(Some)
    }
}

/// `secs.nanos` with nine digits of nanoseconds.
fn seconds(text: &str) -> Option<Duration> {
    let (secs, nanos) = text.split_once('.')?;
    let secs: u64 = number(secs)?;
    let nanos: u32 = number(nanos).filter(|_| nanos.len() == 9)?;
    (secs < MAX_UP).then(|| Duration::new(secs, nanos))
}

/// The prior art wrote `str(time.time())`: seconds since the epoch as a float.
fn parse_epoch_float(bytes: &[u8]) -> Result<SystemTime, Invalid> {
    let not_a_heartbeat = || garbage("not a heartbeat record");
    let text = std::str::from_utf8(bytes)
        .map_err(|_| not_a_heartbeat())?
        .trim();
    if text.is_empty() || text.len() > 64 {
        return Err(not_a_heartbeat());
    }
    let secs: f64 = text.parse().map_err(|_| not_a_heartbeat())?;
    let bad_time = || garbage(format!("bad epoch time \"{}\"", crate::escape::text(text)));
    if !secs.is_finite() || secs < 0.0 || secs >= YEAR_10000 as f64 {
        return Err(bad_time());
    }
    Duration::try_from_secs_f64(secs)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(bad_time)
}
