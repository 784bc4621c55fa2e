use proptest::prelude::*;

use super::{Format, Options, json_array, snippet};
use crate::{Component, Probe};

fn printed(format: Format, command: &str) -> String {
    let probe = Probe::new([Component::new(
        "worker",
        "/tmp/liveness/worker",
        std::time::Duration::from_secs(30),
    )]);
    let options = Options {
        format,
        command: Some(command.into()),
    };
    snippet(&probe, &options).yaml
}

/// Compose replaces `$NAME` and `${NAME}` in every value with the
/// variable (empty when unset) and reads `$$` as one `$`; a Dockerfile
/// does not substitute in `HEALTHCHECK`.
#[test]
fn a_dollar_in_the_command_stays_a_dollar() {
    let compose = printed(Format::Compose, "/opt/$HOME/${USER}probe$");
    assert!(
        compose.contains(r#"test: ["CMD", "/opt/$$HOME/$${USER}probe$$"]"#),
        "{compose}"
    );
    let docker = printed(Format::Dockerfile, "/opt/$HOME/probe");
    assert!(docker.contains(r#"CMD ["/opt/$HOME/probe"]"#), "{docker}");
}

/// The longest durations print the longest Go reads, and the
/// comments work out the bounds with what is printed.
#[test]
fn the_longest_durations_are_what_go_reads_in_the_arithmetic_too() {
    let age = std::time::Duration::MAX;
    let probe = Probe::new([Component::new("w", "/tmp/liveness/w", age)
        .startup_grace(age)
        .max_extend(age)]);
    let options = Options {
        format: Format::Dockerfile,
        command: Some("/p".into()),
    };
    let text = snippet(&probe, &options).yaml;
    let go_max = "9223372036s";
    assert!(
        text.contains(&format!(
            "--interval={go_max} --timeout=1s --start-period={go_max} "
        )),
        "{text}"
    );
    let go_max = humantime::format_duration(super::GO_MAX).to_string();
    assert!(text.contains(&format!(" + {go_max} x 3 = ")), "{text}");
    assert!(
        text.contains(&format!("within {go_max} + {go_max} x 3 = ")),
        "{text}"
    );
}

proptest! {
    /// Any command reads back exactly from the printed JSON, which is
    /// printable ASCII; the YAML form differs only beyond U+FFFF and in
    /// its `$$`.
    #[test]
    fn any_command_reads_back_exactly(items in proptest::collection::vec(any::<String>(), 1..4)) {
        let json = json_array(items.iter().map(String::as_str), false);
        prop_assert!(json.bytes().all(|b| (b' '..=b'~').contains(&b)), "{}", json);
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &items);
        let yaml = json_array(items.iter().map(String::as_str), true);
        let wide = items.iter().any(|i| i.chars().any(|c| u32::from(c) > 0xffff || c == '$'));
        prop_assert_eq!(yaml == json, !wide);
    }
}

/// YAML (and Go's) ends a line at `\r`, NEL, U+2028 and U+2029 too: a name
/// holding one must not end its comment.
#[test]
fn hostile_names_stay_in_their_comments() {
    let name = "evil\r\u{85}\u{2028}\u{2029}\ntest: [\"CMD\", \"true\"] $HOME %i \\";
    let probe = Probe::new([Component::new(
        name,
        format!("/tmp/liveness/{name}"),
        std::time::Duration::from_secs(30),
    )
    .max_extend(std::time::Duration::from_secs(60))])
    .subcommand("probe");
    for format in [Format::Dockerfile, Format::Compose] {
        let options = Options {
            format,
            command: Some("/p".into()),
        };
        let text = snippet(&probe, &options).yaml;
        let breaks = ['\r', '\u{85}', '\u{2028}', '\u{2029}'];
        assert!(!text.contains(breaks), "{text:?}");
        let settings: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let expected = match format {
            Format::Dockerfile => 1,
            Format::Compose => 6,
        };
        assert_eq!(settings.len(), expected, "{text}");
    }
}
