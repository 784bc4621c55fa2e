//! A writer's encoder: the bytes of [`Record::encode`], made without
//! formatting machinery or allocation when only the clocks changed since
//! the last record.
//!
//! Between two writes of one writer only `at` and `up` change, as a rule:
//! the fields after them (`pid=` to `line=`) are kept encoded, with the
//! record they were encoded from, and encoded again only when one of them
//! differs. The clocks are written digit by digit into the record's buffer,
//! the check computed over the line, the padding left as the last record
//! left it. The result is byte for byte what [`Record::encode`] gives (a
//! test holds the two together).

use std::time::Duration;

use super::fields::{MAGIC, MAX_UP, RECORD_LEN, Record, check_wall, write_check};

/// Seconds in a day.
const DAY: u64 = 86_400;

/// Encodes the records of one writer into one buffer (see the module's
/// documentation).
#[derive(Debug)]
pub(crate) struct Encoder {
    /// The last record's bytes: line, padding, newline.
    bytes: [u8; RECORD_LEN],
    /// Bytes of the last line in `bytes`; spaces follow.
    len: usize,
    /// The fields after the clocks, encoded, ...
    rest: String,
    /// ... from this record (its clocks are not in `rest`).
    rest_of: Option<Record>,
    /// The last wall-clock second, and its `YYYY-MM-DDTHH:MM:SS`.
    second: (u64, [u8; 19]),
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// An encoder that has not encoded yet.
    pub(crate) fn new() -> Encoder {
        let mut bytes = [b' '; RECORD_LEN];
        bytes[RECORD_LEN - 1] = b'\n';
        Encoder {
            bytes,
            len: 0,
            rest: String::new(),
            rest_of: None,
            second: (u64::MAX, [0; 19]),
        }
    }

    /// `record` encoded as [`Record::encode`] encodes it; `None` when it
    /// does.
    pub(crate) fn encode(&mut self, record: &Record) -> Option<&[u8; RECORD_LEN]> {
        let since_epoch = check_wall(record.wall)?;
        if !self
            .rest_of
            .as_ref()
            .is_some_and(|kept| same_rest(kept, record))
        {
            self.rest_of = None;
            self.rest.clear();
            record.encode_rest(&mut self.rest)?;
            self.rest_of = Some(record.clone());
        }
        if self.second.0 != since_epoch.as_secs() {
            self.second = (since_epoch.as_secs(), date_time(since_epoch.as_secs()));
        }
        let (id, up) = record
            .boot
            .map_or((None, Duration::ZERO), |(id, up)| (Some(id), up));
        if up.as_secs() >= MAX_UP {
            return None;
        }
        // The line, never into the newline: a line that would reach it
        // does not fit, as for `Record::encode`.
        let mut line = Line {
            bytes: &mut self.bytes[..RECORD_LEN - 1],
            at: 0,
        };
        let at = (&self.second.1, since_epoch.subsec_nanos());
        let written = line.head(at, id.map(|id| id.0), up).and_then(|()| {
            line.put(self.rest.as_bytes())?;
            let crc = write_check(&line.bytes[..line.at]);
            line.put(b" crc=")?;
            line.hex(crc)
        });
        let end = line.at;
        if written.is_none() {
            // Spaces over all of it, as before the first record.
            self.bytes[..end.max(self.len)].fill(b' ');
            self.len = 0;
            return None;
        }
        // Spaces over what the last line left past this one.
        if self.len > end {
            self.bytes[end..self.len].fill(b' ');
        }
        self.len = end;
        Some(&self.bytes)
    }
}

/// Whether `a` and `b` encode to the same fields after the clocks.
fn same_rest(a: &Record, b: &Record) -> bool {
    a.writer == b.writer
        && a.incarnation == b.incarnation
        && a.owner == b.owner
        && a.event == b.event
        && a.ready == b.ready
        && a.location == b.location
}

/// A line being written into a record's buffer.
struct Line<'a> {
    bytes: &'a mut [u8],
    at: usize,
}

impl Line<'_> {
    /// `liveness/3 at=<RFC 3339, nanoseconds> boot=<id> up=<s.nnnnnnnnn>`,
    /// the wall clock's second given as [`date_time`] writes it.
    fn head(
        &mut self,
        (second, nanos): (&[u8; 19], u32),
        boot_id: Option<[u8; 36]>,
        up: Duration,
    ) -> Option<()> {
        self.put(MAGIC.as_bytes())?;
        self.put(b" at=")?;
        self.put(second)?;
        self.put(b".")?;
        self.number(u64::from(nanos), 9)?;
        self.put(b"Z boot=")?;
        self.put(&boot_id.unwrap_or(super::BootId::NIL.0))?;
        self.put(b" up=")?;
        self.seconds(up)
    }

    fn put(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.at + bytes.len();
        self.bytes.get_mut(self.at..end)?.copy_from_slice(bytes);
        self.at = end;
        Some(())
    }

    /// `n` in decimal, at least `width` digits (zeros in front).
    fn number(&mut self, mut n: u64, width: usize) -> Option<()> {
        let mut digits = [b'0'; 20];
        let mut start = digits.len();
        while n > 0 || start > digits.len() - width.max(1) {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        self.put(&digits[start..])
    }

    /// `secs.nnnnnnnnn`.
    fn seconds(&mut self, d: Duration) -> Option<()> {
        self.number(d.as_secs(), 1)?;
        self.put(b".")?;
        self.number(u64::from(d.subsec_nanos()), 9)
    }

    /// `n` in 8 lowercase hexadecimal digits.
    fn hex(&mut self, n: u32) -> Option<()> {
        let mut digits = [0u8; 8];
        for (at, digit) in digits.iter_mut().enumerate() {
            let nibble = (n >> (28 - 4 * at)) & 0xf;
            *digit = b"0123456789abcdef"[nibble as usize];
        }
        self.put(&digits)
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, UTC, of the second `secs` after the epoch, as
/// `humantime` writes it (years 1970 to 9999: see [`check_wall`]).
fn date_time(secs: u64) -> [u8; 19] {
    let (year, month, day) = civil(secs / DAY);
    let of_day = secs % DAY;
    let mut text = [0; 19];
    let mut line = Line {
        bytes: &mut text,
        at: 0,
    };
    let fields = [
        (year, 4, b'-'),
        (month, 2, b'-'),
        (day, 2, b'T'),
        (of_day / 3600, 2, b':'),
        (of_day / 60 % 60, 2, b':'),
    ];
    for (value, width, then) in fields {
        let _ = line.number(value, width);
        let _ = line.put(&[then]);
    }
    let _ = line.number(of_day % 60, 2);
    text
}

/// The proleptic Gregorian date of day `days` since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}
