//! The overwrite rule: which contents of a heartbeat path a writer may
//! write over.

use super::io::READ_LIMIT;
use crate::record::{self, Parsed};

/// Whether a writer may overwrite a file holding `contents` (at most
/// [`READ_LIMIT`] + 1 bytes of it): only when it is
/// (a) empty; (b) a complete record of ours, any version, that parses and
/// passes its check, at most [`READ_LIMIT`] bytes; (c) one of our records
/// torn mid-write: exactly [`RECORD_LEN`](record::RECORD_LEN) bytes starting
/// with `liveness/2 ` or `liveness/3 ` (our in-place writes are always that long); or (d) the
/// prior art's float, an epoch time with a fraction within ten years before
/// now and a day after ([`is_prior_art`]). Anything else (a PID file, a port
/// number, a large file that merely starts like a record) was put there by
/// someone else and is left as it is.
pub(crate) fn is_heartbeat(contents: &[u8]) -> bool {
    if contents.is_empty() {
        return true;
    }
    if contents.len() > READ_LIMIT {
        return false;
    }
    if contents.starts_with(b"liveness/") {
        let torn = contents.len() == record::RECORD_LEN
            && (contents.starts_with(b"liveness/2 ") || contents.starts_with(b"liveness/3 "));
        return torn || matches!(record::parse(contents), Ok(Parsed::Record(_)));
    }
    is_prior_art(contents, crate::clock::wall())
}

/// Whether `contents` is the prior art's heartbeat as it writes it: epoch
/// seconds with a fractional part (`1732512345.123456`), optional spaces or
/// tabs around it and one trailing newline; no sign, no exponent; between
/// ten years before `now` and a day after.
fn is_prior_art(contents: &[u8], now: std::time::SystemTime) -> bool {
    const YEARS_10: u64 = 10 * 366 * 86_400;
    const DAY: u64 = 86_400;
    let text = contents.strip_suffix(b"\n").unwrap_or(contents);
    let text = text.trim_ascii();
    let Some((whole, fraction)) =
        text.split_at_checked(text.iter().position(|b| *b == b'.').unwrap_or(text.len()))
    else {
        return false;
    };
    let fraction = &fraction[fraction.len().min(1)..];
    let digits = |d: &[u8]| !d.is_empty() && d.iter().all(u8::is_ascii_digit);
    if !digits(whole) || !digits(fraction) || whole.len() > 12 {
        return false;
    }
    let Ok(secs) = std::str::from_utf8(whole)
        .unwrap_or_default()
        .parse::<u64>()
    else {
        return false;
    };
    let now = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    secs >= now.saturating_sub(YEARS_10) && secs <= now + DAY
}
