//! The probe's arguments: one table of options, for parsing and for usage.

use std::ffi::OsString;

use super::k8s;

/// One option of the command line: what parsing accepts and usage shows.
pub(super) struct Opt {
    pub long: &'static str,
    pub short: Option<&'static str>,
    pub value: Option<&'static str>,
    pub help: &'static str,
}

/// Every option, in the order usage lists them. `cli.md` documents the same
/// ones (a test checks that it does).
pub(super) const OPTIONS: &[Opt] = &[
    Opt {
        long: "--json",
        short: None,
        value: None,
        help: "print every component's status as JSON",
    },
    Opt {
        long: "--startup",
        short: None,
        value: None,
        help: "exit 0 once every component has beaten in this container",
    },
    Opt {
        long: "--k8s",
        short: None,
        value: None,
        help: "print the Kubernetes probes that run this binary",
    },
    Opt {
        long: "--command",
        short: None,
        value: Some("PATH"),
        help: "with --k8s: the probe's path in the image",
    },
    Opt {
        long: "--http",
        short: None,
        value: Some("PORT"),
        help: "with --k8s: httpGet probes of /livez on PORT",
    },
    Opt {
        long: "--help",
        short: Some("-h"),
        value: None,
        help: "print this help",
    },
    Opt {
        long: "--version",
        short: Some("-V"),
        value: None,
        help: "print the version",
    },
];

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Judge { json: bool },
    Startup { json: bool },
    K8s(k8s::Options),
    Help,
    Version,
}

/// Parses the arguments; `None` on anything it does not know.
pub(super) fn parse(args: &[OsString]) -> Option<Mode> {
    let mut given: Vec<(&'static str, Option<&OsString>)> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let opt = OPTIONS
            .iter()
            .find(|o| arg == o.long || o.short.is_some_and(|s| arg == s))?;
        if given.iter().any(|(long, _)| *long == opt.long) {
            return None;
        }
        let value = match opt.value {
            Some(_) => Some(args.next()?),
            None => None,
        };
        given.push((opt.long, value));
    }
    let has = |long: &str| given.iter().any(|(l, _)| *l == long);
    let value = |long: &str| given.iter().find(|(l, _)| *l == long).and_then(|(_, v)| *v);
    let longs: Vec<&str> = given.iter().map(|(l, _)| *l).collect();
    Some(match longs.as_slice() {
        [] => Mode::Judge { json: false },
        ["--json"] => Mode::Judge { json: true },
        ["--help"] => Mode::Help,
        ["--version"] => Mode::Version,
        _ if has("--startup") && longs.iter().all(|l| ["--startup", "--json"].contains(l)) => {
            Mode::Startup {
                json: has("--json"),
            }
        }
        _ if has("--k8s")
            && longs
                .iter()
                .all(|l| ["--k8s", "--command", "--http"].contains(l)) =>
        {
            let http = match value("--http") {
                Some(port) => Some(port.to_str()?.parse().ok().filter(|p| *p != 0)?),
                None => None,
            };
            Mode::K8s(k8s::Options {
                command: value("--command").cloned(),
                http,
            })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn every_option_parses_and_mistakes_do_not() {
        assert_eq!(parse(&args(&[])), Some(Mode::Judge { json: false }));
        assert_eq!(parse(&args(&["--json"])), Some(Mode::Judge { json: true }));
        assert_eq!(
            parse(&args(&["--json", "--startup"])),
            Some(Mode::Startup { json: true })
        );
        assert_eq!(parse(&args(&["-h"])), Some(Mode::Help));
        assert_eq!(parse(&args(&["-V"])), Some(Mode::Version));
        assert_eq!(
            parse(&args(&["--k8s", "--http", "8080", "--command", "/bin/p"])),
            Some(Mode::K8s(k8s::Options {
                command: Some("/bin/p".into()),
                http: Some(8080)
            }))
        );
        for bad in [
            &["--bogus"][..],
            &["--help", "extra"],
            &["--json", "--json"],
            &["--http", "80"],
            &["--k8s", "--http"],
            &["--k8s", "--http", "0"],
            &["--k8s", "--http", "http"],
            &["--k8s", "--json"],
            &["--startup", "--k8s"],
        ] {
            assert_eq!(parse(&args(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn the_documented_table_lists_every_option() {
        let table = include_str!("cli.md");
        let documented: Vec<&str> = table
            .split('`')
            .skip(1)
            .step_by(2)
            .flat_map(|code| code.split([' ', ',']))
            .filter(|word| word.starts_with('-'))
            .collect();
        for opt in OPTIONS {
            assert!(
                documented.contains(&opt.long),
                "{} is not in cli.md",
                opt.long
            );
            if let Some(short) = opt.short {
                assert!(documented.contains(&short), "{short} is not in cli.md");
            }
        }
        for flag in documented {
            assert!(
                OPTIONS
                    .iter()
                    .any(|o| o.long == flag || o.short == Some(flag)),
                "cli.md documents {flag}, which the probe does not parse"
            );
        }
    }
}
