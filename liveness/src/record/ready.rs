//! What a record of the third version adds: whether the component is
//! ready for traffic (and why not), and the call that wrote it.

use std::borrow::Cow;

use super::text;

/// Bytes of a reason a record holds; longer reasons are cut.
pub(crate) const REASON_LIMIT: usize = 120;

/// Bytes a quoted reason may take in a record: a reason of plain text is
/// kept to its [`REASON_LIMIT`] bytes; one full of characters that escaping
/// lengthens is cut shorter, so that every field fits one record.
pub(crate) const QUOTED_REASON_LIMIT: usize = 180;

/// Bytes the quoted file of a [`Location`] may take in a record; a longer
/// path keeps its end (the file's name).
pub(crate) const QUOTED_FILE_LIMIT: usize = 100;

/// Whether a component takes traffic, as it last said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Ready (what every process starts as, and what older records say).
    #[default]
    Ready,
    /// Not ready, for the reason given to `unready`.
    Unready(String),
    /// Not ready for good: its process drains, for the reason given to
    /// `drain`.
    Draining(String),
}

impl Readiness {
    /// The reason it is not ready, if it is not.
    pub(crate) fn reason(&self) -> Option<&str> {
        match self {
            Readiness::Ready => None,
            Readiness::Unready(reason) | Readiness::Draining(reason) => Some(reason),
        }
    }
}

/// The source line of the call that wrote a record (`beat`, `fail`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    /// The file, as the compiler names it, cut to fit
    /// [`QUOTED_FILE_LIMIT`].
    pub file: Cow<'static, str>,
    pub line: u32,
}

impl Location {
    /// The caller's location, cut to what a record holds.
    pub(crate) fn of(caller: &'static std::panic::Location<'static>) -> Location {
        Location {
            file: Cow::Borrowed(tail_fitting(caller.file(), QUOTED_FILE_LIMIT)),
            line: caller.line(),
        }
    }
}

impl Location {
    /// `file` cut to what a record holds (a hand-made location may be
    /// longer).
    pub(super) fn bounded_file(file: &str) -> &str {
        tail_fitting(file, QUOTED_FILE_LIMIT)
    }
}

/// `reason` cut to what a record holds: at most [`REASON_LIMIT`] bytes,
/// and at most [`QUOTED_REASON_LIMIT`] bytes once quoted.
pub(crate) fn bounded_reason(reason: &str) -> &str {
    let mut quoted = 2;
    let mut end = 0;
    for (at, c) in reason.char_indices() {
        quoted += text::quoted_len(c);
        if at + c.len_utf8() > REASON_LIMIT || quoted > QUOTED_REASON_LIMIT {
            break;
        }
        end = at + c.len_utf8();
    }
    &reason[..end]
}

/// The end of `file` whose quoted form takes at most `limit` bytes.
fn tail_fitting(file: &str, limit: usize) -> &str {
    // What a location mostly is, kept whole without counting characters:
    // a path of printable ASCII that quoting does not lengthen.
    let plain = |b: &u8| matches!(b, b' '..=b'~') && !matches!(b, b'\\' | b'"');
    if file.len() + 2 <= limit && file.as_bytes().iter().all(plain) {
        return file;
    }
    tail_counted(file, limit)
}

/// [`tail_fitting`] without its shortcut: every character counted.
fn tail_counted(file: &str, limit: usize) -> &str {
    let mut quoted = 2;
    let mut start = file.len();
    for (at, c) in file.char_indices().rev() {
        quoted += text::quoted_len(c);
        if quoted > limit {
            break;
        }
        start = at;
    }
    &file[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_reasons_keep_their_bytes_and_escaped_ones_are_cut_to_fit() {
        let plain = "x".repeat(500);
        assert_eq!(bounded_reason(&plain).len(), REASON_LIMIT);
        let controls = "\u{1}".repeat(500);
        let cut = bounded_reason(&controls);
        assert_eq!(cut.len(), (QUOTED_REASON_LIMIT - 2) / 4);
        assert_eq!(bounded_reason("ééé"), "ééé");
        assert_eq!(bounded_reason(""), "");
    }

    #[test]
    fn plain_paths_are_cut_as_any_other() {
        for len in [0usize, 1, 96, 97, 98, 99, 100, 101, 150] {
            for c in ["a", "~", " ", "\"", "\\", "\u{7f}", "\t", "é"] {
                for at in [0, len / 2, len.saturating_sub(1)] {
                    let mut file = "s".repeat(len);
                    if len > 0 {
                        file.replace_range(at..=at, c);
                    }
                    let file = file.as_str();
                    assert_eq!(
                        tail_fitting(file, QUOTED_FILE_LIMIT),
                        tail_counted(file, QUOTED_FILE_LIMIT),
                        "{file:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_long_file_keeps_its_end() {
        let long = format!("{}/src/ingest.rs", "a".repeat(300));
        let kept = tail_fitting(&long, QUOTED_FILE_LIMIT);
        assert!(kept.ends_with("/src/ingest.rs"));
        assert_eq!(kept.len(), QUOTED_FILE_LIMIT - 2);
        assert_eq!(tail_fitting("src/a.rs", QUOTED_FILE_LIMIT), "src/a.rs");
    }
}
