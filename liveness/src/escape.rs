//! Escaping of text that comes from outside: component names, paths, reasons.
//!
//! Every byte of a probe line that the probe did not write itself goes
//! through [`text`] or [`path`]. The kubelet copies the probe's output into
//! the pod's events, and operators read them in terminals: a newline would
//! forge a second line, an escape sequence would repaint the screen. What is
//! printable stays as it is; a backslash, a control character, and anything
//! the standard library's `escape_debug` would escape (bidirectional
//! overrides, zero-width characters, combining marks) is written as a Rust
//! escape (`\n`, `\u{1b}`, `\\`), and a byte of a path that is not UTF-8 as
//! `\xff`. Nothing is lost: the escaped form names exactly one string.

use std::{fmt, path::Path};

/// `text` with every character that could forge a line or drive a terminal
/// escaped.
pub(crate) fn text(text: &str) -> Text<'_> {
    Text(text)
}

/// `path` escaped like [`text`], with bytes that are not UTF-8 as `\xNN`.
pub(crate) fn path(path: &Path) -> PathText<'_> {
    PathText(path)
}

/// Displays a string escaped; see [`text`].
#[derive(Clone, Copy)]
pub(crate) struct Text<'a>(&'a str);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(self.0, f)
    }
}

/// Displays a path escaped; see [`path`].
#[derive(Clone, Copy)]
pub(crate) struct PathText<'a>(&'a Path);

impl fmt::Display for PathText<'_> {
    #[cfg(unix)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::os::unix::ffi::OsStrExt;
        for chunk in self.0.as_os_str().as_bytes().utf8_chunks() {
            write_escaped(chunk.valid(), f)?;
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.to_str() {
            Some(text) => write_escaped(text, f),
            // Unpaired surrogates: the standard library's debug form.
            None => write!(f, "{}", self.0.display().to_string().escape_debug()),
        }
    }
}

fn write_escaped(text: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(needs_escape) {
        f.write_str(&rest[..at])?;
        let c = rest[at..].chars().next().unwrap_or_default();
        if c == '\\' {
            f.write_str("\\\\")?;
        } else {
            write!(f, "{}", c.escape_debug())?;
        }
        rest = &rest[at + c.len_utf8()..];
    }
    f.write_str(rest)
}

/// Whether `c` is written escaped: a backslash, or what `escape_debug`
/// escapes other than quotes (which are harmless in a line).
fn needs_escape(c: char) -> bool {
    match c {
        '\\' => true,
        '\'' | '"' => false,
        ' '..='~' => false,
        _ => c.escape_debug().len() > 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_unchanged() {
        for plain in [
            "worker",
            "queue worker's \"main\" loop",
            "café",
            "数据库",
            "",
        ] {
            assert_eq!(text(plain).to_string(), plain);
        }
    }

    #[test]
    fn what_could_forge_a_line_or_drive_a_terminal_is_escaped() {
        let cases = [
            ("a\nworker: alive", "a\\nworker: alive"),
            ("w\u{1b}[31m", "w\\u{1b}[31m"),
            ("tab\there", "tab\\there"),
            ("back\\slash", "back\\\\slash"),
            ("\r", "\\r"),
            ("csi\u{9b}", "csi\\u{9b}"),
            ("rtl\u{202e}txt", "rtl\\u{202e}txt"),
            ("nul\0", "nul\\0"),
        ];
        for (raw, shown) in cases {
            assert_eq!(text(raw).to_string(), shown, "{raw:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_are_shown_byte_for_byte() {
        use std::{ffi::OsStr, os::unix::ffi::OsStrExt};
        let raw = Path::new(OsStr::from_bytes(b"/tmp/\xff\xfeworker\n"));
        assert_eq!(path(raw).to_string(), "/tmp/\\xff\\xfeworker\\n");
    }

    #[test]
    fn escaped_text_never_holds_a_control_character() {
        let all: String = (0..=0x3000u32).filter_map(char::from_u32).collect();
        let shown = text(&all).to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
    }
}
