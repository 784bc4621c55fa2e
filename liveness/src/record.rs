//! The heartbeat record: one fixed-size, human-readable line.
//!
//! ```text
//! liveness/1 at=2026-11-25T05:21:02.123456789Z boot=6f1c...-...e2 up=00000012345.678901234 inc=00000000f0000b2a:000000000000114c pid=0000004242 crc=8c1d2e3f
//! ```
//!
//! - `liveness/1`: the format and its version;
//! - `at`: the wall-clock time of the beat, RFC 3339, UTC, nanoseconds;
//! - `boot`: the kernel's boot id (`/proc/sys/kernel/random/boot_id`), all
//!   zeros when unknown;
//! - `up`: `CLOCK_BOOTTIME` at the beat, seconds since boot;
//! - `inc`: the container incarnation (mount namespace inode and PID 1 start
//!   ticks, hexadecimal), all zeros when unknown;
//! - `pid`: the writer's process id;
//! - `crc`: CRC-32 of everything before ` crc=`, hexadecimal.
//!
//! Every field has a fixed width, so every record has the same length and a
//! rewrite in place covers the previous one exactly. The prior art's format, a
//! bare float of seconds since the Unix epoch, is read as a wall-clock record.

use std::{
    fmt::Write as _,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::host::{BOOT_ID_LEN, BootId, Incarnation};

/// CRC-32 (ISO HDLC, as zlib's), bytewise: a 1 KiB table suits 178 bytes.
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Bytes in one record, newline included.
pub(crate) const RECORD_LEN: usize = 178;

/// Seconds from the epoch to 10000-01-01, the end of RFC 3339 time.
const YEAR_10000: u64 = 253_402_300_800;

const MAGIC: &str = "liveness/1";
const _: () = assert!(NIL_BOOT.len() == BOOT_ID_LEN);
const NIL_BOOT: &str = "00000000-0000-0000-0000-000000000000";

/// The values one record carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// Wall-clock time of the beat.
    pub wall: SystemTime,
    /// Boot id and `CLOCK_BOOTTIME` reading, when the writer had both.
    pub boot: Option<(BootId, Duration)>,
    /// The writer's container incarnation, when it had procfs.
    pub incarnation: Option<Incarnation>,
    /// The writer's process id; 0 for the prior art's files.
    pub pid: u32,
}

/// What a heartbeat file held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A record of ours.
    Record(Record),
    /// The prior art's bare float of epoch seconds.
    PriorArt(SystemTime),
}

/// Why bytes are not a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// The integrity check does not match: torn or tampered.
    Checksum,
    /// Anything else, said in words.
    Garbage(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Checksum => f.write_str("integrity check failed"),
            Invalid::Garbage(why) => f.write_str(why),
        }
    }
}

impl Record {
    /// Encodes the record; `None` if the wall time is outside 1970..=9999 or
    /// the boot-clock reading does not fit its field.
    pub fn encode(&self) -> Option<[u8; RECORD_LEN]> {
        let since_epoch = self.wall.duration_since(UNIX_EPOCH).ok()?;
        if since_epoch.as_secs() >= YEAR_10000 {
            return None;
        }
        let mut line = String::with_capacity(RECORD_LEN);
        let (boot_id, up) = match &self.boot {
            Some((id, up)) => (std::str::from_utf8(id).unwrap_or(NIL_BOOT), *up),
            None => (NIL_BOOT, Duration::ZERO),
        };
        if up.as_secs() >= 100_000_000_000 {
            return None; // 3,000 years of uptime: not a real reading
        }
        let inc = self.incarnation.unwrap_or(Incarnation {
            mnt_ns: 0,
            init_start: 0,
        });
        // Writing to a String cannot fail.
        let _ = write!(
            line,
            "{MAGIC} at={} boot={boot_id} up={:011}.{:09} inc={:016x}:{:016x} pid={:010}",
            humantime::format_rfc3339_nanos(self.wall),
            up.as_secs(),
            up.subsec_nanos(),
            inc.mnt_ns,
            inc.init_start,
            self.pid,
        );
        let crc = CRC32.checksum(line.as_bytes());
        let _ = writeln!(line, " crc={crc:08x}");
        line.as_bytes().try_into().ok()
    }
}

/// Parses the contents of a heartbeat file.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::Garbage("empty file".into()));
    }
    if bytes.starts_with(b"liveness/") {
        return parse_record(bytes).map(Parsed::Record);
    }
    parse_prior_art(bytes).map(Parsed::PriorArt)
}

fn garbage(why: impl Into<String>) -> Invalid {
    Invalid::Garbage(why.into())
}

fn parse_record(bytes: &[u8]) -> Result<Record, Invalid> {
    if !bytes.starts_with(MAGIC.as_bytes()) || bytes.get(MAGIC.len()) != Some(&b' ') {
        let version = bytes
            .split(|b| b.is_ascii_whitespace())
            .next()
            .unwrap_or_default();
        return Err(garbage(format!(
            "unsupported record format {:?}",
            String::from_utf8_lossy(&version[..version.len().min(32)])
        )));
    }
    if bytes.len() != RECORD_LEN || bytes[RECORD_LEN - 1] != b'\n' {
        // A short or long record is what a torn read looks like, too.
        return Err(Invalid::Checksum);
    }
    let line = std::str::from_utf8(&bytes[..RECORD_LEN - 1]).map_err(|_| Invalid::Checksum)?;
    let (body, crc) = line.rsplit_once(" crc=").ok_or(Invalid::Checksum)?;
    if u32::from_str_radix(crc, 16).ok() != Some(CRC32.checksum(body.as_bytes())) || crc.len() != 8
    {
        return Err(Invalid::Checksum);
    }
    // The check passed: the fields below were written by a writer of this
    // format, and a mismatch means a hand-made file.
    let mut fields = body.split(' ').skip(1);
    let mut field = |key: &str| {
        fields
            .next()
            .and_then(|f| f.strip_prefix(key))
            .and_then(|f| f.strip_prefix('='))
            .ok_or_else(|| garbage(format!("record has no `{key}` field")))
    };
    let wall = humantime::parse_rfc3339(field("at")?)
        .map_err(|e| garbage(format!("bad `at` time: {e}")))?;
    let boot_id = field("boot")?;
    let up = field("up")?;
    let inc = field("inc")?;
    let pid = field("pid")?;
    let bad = |key: &str| garbage(format!("bad `{key}` field"));

    let up = {
        let (secs, nanos) = up.split_once('.').ok_or_else(|| bad("up"))?;
        let secs: u64 = secs.parse().map_err(|_| bad("up"))?;
        let nanos: u32 = nanos.parse().map_err(|_| bad("up"))?;
        if nanos >= 1_000_000_000 {
            return Err(bad("up"));
        }
        Duration::new(secs, nanos)
    };
    let boot = if boot_id == NIL_BOOT {
        None
    } else {
        let id: BootId = boot_id.as_bytes().try_into().map_err(|_| bad("boot"))?;
        Some((id, up))
    };
    let incarnation = {
        let (mnt_ns, init_start) = inc.split_once(':').ok_or_else(|| bad("inc"))?;
        let mnt_ns = u64::from_str_radix(mnt_ns, 16).map_err(|_| bad("inc"))?;
        let init_start = u64::from_str_radix(init_start, 16).map_err(|_| bad("inc"))?;
        (mnt_ns != 0 || init_start != 0).then_some(Incarnation { mnt_ns, init_start })
    };
    let pid = pid.parse().map_err(|_| bad("pid"))?;
    Ok(Record {
        wall,
        boot,
        incarnation,
        pid,
    })
}

/// The prior art wrote `str(time.time())`: seconds since the epoch as a float.
fn parse_prior_art(bytes: &[u8]) -> Result<SystemTime, Invalid> {
    let not_a_heartbeat = || garbage("not a heartbeat record");
    let text = std::str::from_utf8(bytes)
        .map_err(|_| not_a_heartbeat())?
        .trim();
    if text.is_empty() || text.len() > 64 {
        return Err(not_a_heartbeat());
    }
    let secs: f64 = text.parse().map_err(|_| not_a_heartbeat())?;
    if !secs.is_finite() || secs < 0.0 || secs >= YEAR_10000 as f64 {
        return Err(garbage(format!("bad epoch time {text:?}")));
    }
    Duration::try_from_secs_f64(secs)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| garbage(format!("bad epoch time {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            wall: UNIX_EPOCH + Duration::new(1_764_048_062, 123_456_789),
            boot: Some((
                *b"6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2",
                Duration::new(12_345, 678_901_234),
            )),
            incarnation: Some(Incarnation {
                mnt_ns: 4_026_532_650,
                init_start: 4_428,
            }),
            pid: 4242,
        }
    }

    #[test]
    fn a_record_is_one_readable_line_of_fixed_length() {
        let bytes = sample().encode().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(text.starts_with("liveness/1 at=2025-11-25T05:21:02.123456789Z boot=6f1c0a62"));
        assert!(text.contains(" pid=0000004242 "));
        let empty = Record {
            boot: None,
            incarnation: None,
            pid: 0,
            wall: UNIX_EPOCH,
        };
        assert_eq!(empty.encode().unwrap().len(), bytes.len());
    }

    #[test]
    fn records_parse_back() {
        for record in [
            sample(),
            Record {
                boot: None,
                incarnation: None,
                ..sample()
            },
        ] {
            let bytes = record.encode().unwrap();
            assert_eq!(parse(&bytes), Ok(Parsed::Record(record)));
        }
    }

    #[test]
    fn a_flipped_byte_fails_the_integrity_check() {
        let bytes = sample().encode().unwrap();
        for i in 0..RECORD_LEN - 1 {
            let mut torn = bytes;
            torn[i] ^= 0x01;
            assert!(parse(&torn).is_err(), "byte {i} flipped still parsed");
        }
        assert_eq!(parse(&bytes[..100]), Err(Invalid::Checksum));
    }

    #[test]
    fn prior_art_files_are_wall_clock_records() {
        let parsed = parse(b"1764048062.5\n").unwrap();
        assert_eq!(
            parsed,
            Parsed::PriorArt(UNIX_EPOCH + Duration::from_millis(1_764_048_062_500))
        );
        assert_eq!(parse(b"0"), Ok(Parsed::PriorArt(UNIX_EPOCH)));
        for bad in [
            &b"nan"[..],
            b"inf",
            b"-1",
            b"1e400",
            b"",
            b"hello",
            b"\xff\xfe",
        ] {
            assert!(
                parse(bad).is_err(),
                "{:?} parsed",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn times_outside_rfc3339_are_not_encoded() {
        let far = Record {
            wall: UNIX_EPOCH + Duration::from_secs(253_402_300_800),
            ..sample()
        };
        assert!(far.encode().is_none());
    }
}
