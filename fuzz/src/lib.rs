//! How a fuzz input maps to a heartbeat file and the clocks of the host that
//! judges it. Shared by the fuzz target and the seed generator.
//!
//! ```text
//! [0..8)   wall clock: u64 LE; high 40 bits seconds since the epoch, low 24
//!          bits nanoseconds / 59 (up to ~1.1e12 s, past year 10000)
//! [8..16)  boot clock: u64 LE; same split, seconds since boot
//! [16..18) u16 LE: bit 0 set = "seal" the file (see below); the other 15 bits
//!          are max_age in tenths of a second (0 .. ~54 min)
//! [18..)   the file
//! ```
//!
//! A sealed input carries a record's body only: the target cuts it at
//! [`BODY_LEN`] bytes and appends ` crc=<CRC-32 of the body>\n`, so the fuzzer
//! gets past the integrity check and reaches the field parsers and the
//! verdict logic with hand-made field values.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Header bytes before the file.
pub const HEADER_LEN: usize = 18;
/// Bytes of a record before ` crc=`: 178 - len(" crc=") - 8 - 1.
pub const BODY_LEN: usize = 164;

/// One decoded input.
#[derive(Debug)]
pub struct Case {
    /// The host's wall clock.
    pub wall: SystemTime,
    /// The host's boot clock.
    pub boot: Duration,
    /// The component's maximum age.
    pub max_age: Duration,
    /// The heartbeat file's bytes.
    pub file: Vec<u8>,
}

fn split(v: u64) -> Duration {
    // 0xff_ffff * 59 < 1e9: always a valid nanosecond count.
    Duration::new(v >> 24, (v & 0xff_ffff) as u32 * 59)
}

fn join(d: Duration) -> u64 {
    (d.as_secs() << 24) | u64::from(d.subsec_nanos() / 59)
}

/// Decodes an input; `None` when it is shorter than the header.
pub fn decode(data: &[u8]) -> Option<Case> {
    let header = data.get(..HEADER_LEN)?;
    let word = |i: usize| u64::from_le_bytes(header[i..i + 8].try_into().unwrap());
    let flags = u16::from_le_bytes([header[16], header[17]]);
    let mut file = data[HEADER_LEN..].to_vec();
    if flags & 1 == 1 && file.len() >= BODY_LEN {
        file.truncate(BODY_LEN);
        let crc = crc32fast::hash(&file);
        file.extend_from_slice(format!(" crc={crc:08x}\n").as_bytes());
    }
    Some(Case {
        wall: UNIX_EPOCH + split(word(0)),
        boot: split(word(8)),
        max_age: Duration::from_millis(u64::from(flags >> 1) * 100),
        file,
    })
}

/// Encodes an input (the inverse of [`decode`], for the seeds): `seal` drops
/// the file's last 14 bytes (its ` crc=...\n`) and sets the seal bit.
pub fn encode(
    wall: SystemTime,
    boot: Duration,
    max_age: Duration,
    seal: bool,
    file: &[u8],
) -> Vec<u8> {
    let wall = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
    let flags = ((max_age.as_millis() / 100).min(0x7fff) as u16) << 1 | u16::from(seal);
    let mut out = Vec::with_capacity(HEADER_LEN + file.len());
    out.extend_from_slice(&join(wall).to_le_bytes());
    out.extend_from_slice(&join(boot).to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    if seal {
        out.extend_from_slice(&file[..BODY_LEN.min(file.len())]);
    } else {
        out.extend_from_slice(file);
    }
    out
}

/// Whether `file` is, by its first bytes, a record of ours or the prior art's
/// finite float: the only files that may be judged alive.
pub fn may_be_alive(file: &[u8]) -> bool {
    file.starts_with(b"liveness/1 ")
        || std::str::from_utf8(file)
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .is_some_and(f64::is_finite)
}

/// Judges one input and checks the invariants; panics when one fails.
pub fn check(data: &[u8]) {
    let Some(case) = decode(data) else { return };
    let (alive, line) =
        liveness::__fuzz::verdict_of_bytes(&case.file, case.wall, case.boot, case.max_age);
    assert!(
        !line.contains(['\n', '\r']),
        "verdict is not one line: {line:?}"
    );
    assert!(
        line.len() < 1024,
        "verdict of {} bytes: {line:?}",
        line.len()
    );
    let prefix = if alive {
        "fuzz: alive: "
    } else {
        "fuzz: dead: "
    };
    assert!(line.starts_with(prefix), "alive={alive} but {line:?}");
    assert!(line.ends_with(" (/fuzz)"), "{line:?}");
    if alive {
        assert!(
            may_be_alive(&case.file),
            "alive on a file that is no heartbeat: {:?} -> {line:?}",
            String::from_utf8_lossy(&case.file)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The curated seeds pass the checks, and the fresh ones are alive: the
    /// layout above reaches the verdict logic.
    #[test]
    fn seeds_pass_and_reach_the_verdicts() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue; // another target's seeds
            }
            let data = std::fs::read(&path).unwrap();
            check(&data);
            let case = decode(&data).unwrap();
            let (alive, line) =
                liveness::__fuzz::verdict_of_bytes(&case.file, case.wall, case.boot, case.max_age);
            let name = path.file_name().unwrap().to_str().unwrap();
            assert_eq!(alive, name.contains("fresh"), "{name}: {line}");
            seen += 1;
        }
        assert!(seen >= 10);
    }
}
