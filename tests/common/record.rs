//! Heartbeat records made by hand, as the format documents them (see
//! `liveness/src/record/mod.rs`): a test's own reading of the format.

use std::time::{Duration, SystemTime};

/// Bytes in one record.
pub const RECORD_LEN: usize = 1024;

/// `body` sealed as a record: ` crc=<CRC-32 of body>`, padded with spaces
/// to [`RECORD_LEN`] bytes, newline last.
pub fn seal(body: &str) -> Vec<u8> {
    let mut line = format!("{body} crc={:08x}", crc32fast::hash(body.as_bytes())).into_bytes();
    assert!(
        line.len() < RECORD_LEN,
        "record body too long: {}",
        line.len()
    );
    line.resize(RECORD_LEN - 1, b' ');
    line.push(b'\n');
    line
}

/// The body of a sealed record.
pub fn body(record: &[u8]) -> String {
    let text = std::str::from_utf8(record).unwrap();
    text.rsplit_once(" crc=").unwrap().0.to_owned()
}

/// Replaces the value of `key` in a record body.
pub fn set(body: &str, key: &str, value: &str) -> String {
    let start = body
        .find(&format!(" {key}="))
        .unwrap_or_else(|| panic!("no {key} in {body}"))
        + key.len()
        + 2;
    let end = body[start..].find(' ').map_or(body.len(), |i| start + i);
    format!("{}{value}{}", &body[..start], &body[end..])
}

/// The value of `key` in a record body.
pub fn get<'a>(body: &'a str, key: &str) -> &'a str {
    let start = body.find(&format!(" {key}=")).unwrap() + key.len() + 2;
    let end = body[start..].find(' ').map_or(body.len(), |i| start + i);
    &body[start..end]
}

fn shift(d: Duration, by: f64) -> Duration {
    if by >= 0.0 {
        d + Duration::from_secs_f64(by)
    } else {
        d.saturating_sub(Duration::from_secs_f64(-by))
    }
}

/// A record this process writes now (this boot, this container, no
/// component), with its wall time and boot-clock reading moved by the given
/// seconds (negative: into the past).
pub fn record_now(wall_offset: f64, boot_offset: f64) -> Vec<u8> {
    let dir = super::scratch();
    let path = dir.path().join("record");
    liveness::Timestamp::create(&path, Duration::from_secs(1)).unwrap();
    let body = body(&std::fs::read(&path).unwrap());
    let at = humantime::parse_rfc3339(get(&body, "at")).unwrap();
    let since_epoch = at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    let at = SystemTime::UNIX_EPOCH + shift(since_epoch, wall_offset);
    let (secs, nanos) = get(&body, "up").split_once('.').unwrap();
    let up = shift(
        Duration::new(secs.parse().unwrap(), nanos.parse().unwrap()),
        boot_offset,
    );
    let body = set(
        &body,
        "at",
        &humantime::format_rfc3339_nanos(at).to_string(),
    );
    let body = set(
        &body,
        "up",
        &format!("{}.{:09}", up.as_secs(), up.subsec_nanos()),
    );
    seal(&body)
}
