//! Quoted text fields of a record: `name="consumer"`, `why="lost the schema"`.
//!
//! Inside the quotes, `\` and `"` are escaped with a backslash, an ASCII
//! control character is written `\xNN` and another control character
//! (U+0080..=U+009F) `\u{NN}`; everything else is kept as it is, so `cat`
//! shows the text. A quoted field is at most four times its text's length,
//! which bounds the record.

/// Appends `text`, quoted and escaped, to `out`.
pub(super) fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The bytes `c` takes inside a quoted field.
pub(super) fn quoted_len(c: char) -> usize {
    match c {
        '\\' | '"' => 2,
        c if c.is_ascii_control() => 4,
        // The other control characters are U+0080..=U+009F: `\u{NN}`.
        c if c.is_control() => 6,
        c => c.len_utf8(),
    }
}

/// Reads a quoted field at the start of `input`; returns the text and the
/// rest of `input` after the closing quote.
pub(super) fn unquote(input: &str) -> Option<(String, &str)> {
    let mut chars = input.strip_prefix('"')?.char_indices();
    let mut text = String::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((text, &input[1 + at + 1..])),
            '\\' => text.push(match chars.next()?.1 {
                '\\' => '\\',
                '"' => '"',
                'x' => {
                    let hex: String = [chars.next()?.1, chars.next()?.1].iter().collect();
                    char::from(
                        hex_number(&hex)
                            .and_then(|n| u8::try_from(n).ok())
                            .filter(u8::is_ascii)?,
                    )
                }
                'u' => {
                    if chars.next()?.1 != '{' {
                        return None;
                    }
                    let hex: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .take_while(|c| *c != '}')
                        .collect();
                    if hex.is_empty() || hex.len() > 6 {
                        return None;
                    }
                    char::from_u32(hex_number(&hex)?)?
                }
                _ => return None,
            }),
            c if c.is_control() => return None,
            c => text.push(c),
        }
    }
    None
}

/// Hexadecimal digits only: no sign, which `from_str_radix` would take.
fn hex_number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let mut quoted = String::new();
        quote(text, &mut quoted);
        assert!(!quoted.chars().any(char::is_control), "{quoted:?}");
        let (back, rest) = unquote(&quoted).unwrap();
        assert_eq!(rest, "");
        assert_eq!(back, text);
        quoted
    }

    #[test]
    fn text_round_trips_and_stays_on_one_line() {
        assert_eq!(round_trip("lost the schema"), "\"lost the schema\"");
        assert_eq!(round_trip("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(
            round_trip("line\nbreak\u{1b}[31m"),
            "\"line\\x0abreak\\x1b[31m\""
        );
        assert_eq!(round_trip("c1\u{9b}"), "\"c1\\u{9b}\"");
        round_trip("数据库 \u{202e} é");
        round_trip("");
    }

    #[test]
    fn quoted_len_counts_what_quote_writes() {
        for text in ["a\"b\\c", "\n\u{1b}\u{85}\u{9b}", "数据库 é"] {
            let mut quoted = String::new();
            quote(text, &mut quoted);
            assert_eq!(
                quoted.len(),
                2 + text.chars().map(quoted_len).sum::<usize>()
            );
        }
    }

    #[test]
    fn the_worst_case_is_four_bytes_a_byte() {
        let mut quoted = String::new();
        quote(&"\u{1}".repeat(30), &mut quoted);
        assert_eq!(quoted.len(), 2 + 4 * 30);
        quoted.clear();
        quote(&"\u{85}".repeat(30), &mut quoted);
        assert!(quoted.len() <= 2 + 4 * 60);
    }

    #[test]
    fn malformed_fields_are_refused() {
        for bad in [
            "",
            "\"open",
            "no quote\"",
            "\"\\q\"",
            "\"\\x\"",
            "\"\\xff\"",
            "\"\\u{}\"",
            "\"\\u{110000}\"",
            "\"raw\ttab\"",
            "\"\\x+a\"",
            "\"\\u{+41}\"",
        ] {
            assert_eq!(unquote(bad), None, "{bad:?}");
        }
        assert_eq!(unquote("\"a\" rest"), Some(("a".to_owned(), " rest")));
    }
}
