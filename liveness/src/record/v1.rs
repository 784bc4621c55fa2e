//! The first version of the record, still read (never written):
//!
//! ```text
//! liveness/1 at=2026-11-25T05:21:02.123456789Z boot=6f1c...-...e2 up=00000012345.678901234 inc=00000000f0000b2a:000000000000114c pid=0000004242 crc=8c1d2e3f
//! ```
//!
//! 178 bytes; `inc` is the mount namespace inode and PID 1's start, in hex.
//! It names no component and no writer start time.

use std::time::Duration;

use super::{
    fields::{CRC32, Event, Record, Writer},
    ids::{BootId, Incarnation},
    invalid::{Invalid, garbage},
};

/// Bytes in one first-version record, newline included.
const LEN: usize = 178;

pub(super) fn parse(bytes: &[u8]) -> Result<Record, Invalid> {
    if bytes.len() != LEN || bytes[LEN - 1] != b'\n' {
        return Err(Invalid::Checksum);
    }
    let line = std::str::from_utf8(&bytes[..LEN - 1]).map_err(|_| Invalid::Checksum)?;
    let (body, crc) = line.rsplit_once(" crc=").ok_or(Invalid::Checksum)?;
    let hex = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let sum = u32::from_str_radix(crc, 16).ok();
    if crc.len() != 8 || !hex(crc) || sum != Some(CRC32.checksum(body.as_bytes())) {
        return Err(Invalid::Checksum);
    }
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
    let boot_id = BootId::parse(field("boot")?).ok_or_else(|| bad("boot"))?;
    let up = Some(field("up")?)
        .filter(|text| text.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        .and_then(up)
        .ok_or_else(|| bad("up"))?;
    let inc = field("inc")?;
    let pid = field("pid")?;
    let pid = pid
        .parse()
        .ok()
        .filter(|_| digits(pid))
        .ok_or_else(|| bad("pid"))?;
    let (mnt_ns, init_start) = inc.split_once(':').ok_or_else(|| bad("inc"))?;
    let number = |text: &str| {
        u64::from_str_radix(text, 16)
            .ok()
            .filter(|_| hex(text) && !text.is_empty())
    };
    let mnt_ns = number(mnt_ns).ok_or_else(|| bad("inc"))?;
    let init_start = number(init_start).ok_or_else(|| bad("inc"))?;
    Ok(Record {
        wall,
        boot: boot_id.map(|id| (id, up)),
        writer: Writer { pid, start: None },
        // No PID namespace in this version: 0 matches any.
        incarnation: (mnt_ns != 0 || init_start != 0).then_some(Incarnation {
            mnt_ns,
            pid_ns: 0,
            init_start,
        }),
        owner: None,
        event: Event::Beat,
        ready: super::Readiness::Ready,
        location: None,
    })
}

fn bad(key: &str) -> Invalid {
    garbage(format!("bad `{key}` field"))
}

fn up(text: &str) -> Option<Duration> {
    let (secs, nanos) = text.split_once('.')?;
    let nanos: u32 = nanos.parse().ok().filter(|n| *n < 1_000_000_000)?;
    Some(Duration::new(secs.parse().ok()?, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record the first version wrote.
    const WRITTEN: &[u8] = b"liveness/1 at=2026-11-25T05:33:13.653893694Z boot=f86e3547-df5a-488c-8a65-76d77dfd2159 up=00000000759.746978020 inc=00000000effffff8:000000000000000e pid=0000003073 crc=8b3e3126\n";

    #[test]
    fn first_version_records_are_read() {
        let record = parse(WRITTEN).unwrap();
        assert_eq!(record.writer.pid, 3073);
        assert_eq!(record.boot.unwrap().1, Duration::new(759, 746_978_020));
        let inc = record.incarnation.unwrap();
        assert_eq!(
            (inc.mnt_ns, inc.pid_ns, inc.init_start),
            (0xefff_fff8, 0, 14)
        );
        assert_eq!(record.owner, None);
        let mut torn = WRITTEN.to_vec();
        torn[40] ^= 1;
        assert_eq!(parse(&torn), Err(Invalid::Checksum));
    }
}
