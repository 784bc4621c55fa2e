//! Whatever the names and paths, every output of a probe stays one record
//! per component: a line each in the text, one object each in the one-line
//! JSON, one sample per family each in the Prometheus text, where every
//! sample line parses and no label value forges another sample.

use std::{ffi::OsStr, os::unix::ffi::OsStrExt, path::PathBuf, time::Duration};

use proptest::prelude::*;

use crate::{Component, Probe};

/// A name: any text, with the characters that break formats made likely.
fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just('\n'),
            Just('"'),
            Just('\\'),
            Just('}'),
            Just('{'),
            Just(' '),
            Just('\u{1b}'),
            Just('\r'),
            any::<char>()
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A file name: any bytes but `/` and NUL, so not always UTF-8.
fn file_name() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![Just(b'\n'), Just(b'"'), Just(b'\\'), Just(0xff), 1..=255u8],
        1..12,
    )
    .prop_map(|mut bytes| {
        bytes.retain(|b| *b != b'/');
        bytes.insert(0, b'f');
        bytes
    })
}

/// Reads one sample line, `name{k="v",...} value`, as the format's
/// grammar says; returns its name and the number of labels.
fn sample(line: &str) -> Option<(&str, usize)> {
    let (name, mut rest) = line.split_at(line.find('{')?);
    rest = &rest[1..];
    let mut labels = 0;
    loop {
        let eq = rest.find("=\"")?;
        rest = &rest[eq + 2..];
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => match chars.next()? {
                    (_, '\\' | '"' | 'n') => {}
                    _ => return None,
                },
                (i, '"') => break i,
                (_, '\n') => return None,
                _ => {}
            }
        };
        labels += 1;
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix('}') {
            let value = after.strip_prefix(' ')?;
            value.parse::<f64>().ok()?;
            return Some((name, labels));
        }
        rest = rest.strip_prefix(',')?;
    }
}

proptest! {
    #[test]
    fn every_output_stays_one_record_per_component(
        components in prop::collection::vec((name(), file_name()), 1..6),
    ) {
        let dir = std::env::temp_dir().join("liveness-properties-absent");
        let probe = Probe::new(components.iter().map(|(name, file)| {
            let path: PathBuf = dir.join(OsStr::from_bytes(file));
            Component::new(name.clone(), path, Duration::from_secs(30))
        }));
        let n = components.len();

        let text = probe.respond("/livez", None);
        prop_assert_eq!(text.body().lines().count(), n, "{}", text.body());
        prop_assert!(!text.body().contains('\r'));

        let json = probe.respond("/livez", Some("application/json"));
        prop_assert_eq!(json.body().lines().count(), 1);
        let doc: serde_json::Value = serde_json::from_str(json.body()).unwrap();
        prop_assert_eq!(doc["components"].as_array().unwrap().len(), n);

        let metrics = probe.metrics();
        let mut per_family = std::collections::BTreeMap::<&str, usize>::new();
        for line in metrics.lines().filter(|l| !l.starts_with('#')) {
            let parsed = sample(line);
            prop_assert!(parsed.is_some(), "not one sample: {:?}", line);
            let (family, labels) = parsed.unwrap();
            let expected = if family == "liveness_file_info" { 2 } else { 1 };
            prop_assert_eq!(labels, expected, "{:?}", line);
            *per_family.entry(family).or_default() += 1;
        }
        for family in ["liveness_alive", "liveness_started", "liveness_failed",
                       "liveness_max_age_seconds", "liveness_file_info"] {
            prop_assert_eq!(per_family.get(family).copied(), Some(n), "{}", family);
        }
    }
}

#[test]
fn the_sample_reader_refuses_forged_lines() {
    assert_eq!(sample(r#"a{c="x"} 1"#), Some(("a", 1)));
    assert_eq!(sample(r#"a{c="x\"y",p="\\n"} 0.5"#), Some(("a", 2)));
    assert_eq!(sample(r#"a{c="x"y"} 1"#), None);
    assert_eq!(sample("a{c=\"x\ny\"} 1"), None);
    assert_eq!(sample(r#"a{c="x\q"} 1"#), None);
    assert_eq!(sample(r#"a{c="x"} one"#), None);
}
