//! The probe's arguments: one table of options, for parsing and for usage.

use std::ffi::OsString;

use super::{docker, k8s};
use crate::escape;

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
        long: "--ready",
        short: None,
        value: None,
        help: "exit 0 while every component is ready for traffic",
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
        help: "with --k8s, --docker, --compose: the probe's path in the image",
    },
    Opt {
        long: "--http",
        short: None,
        value: Some("PORT"),
        help: "with --k8s: httpGet probes of the server's path on PORT",
    },
    Opt {
        long: "--grpc",
        short: None,
        value: Some("PORT"),
        help: "with --k8s: grpc probes of the grpc.health.v1 service on PORT",
    },
    Opt {
        long: "--docker",
        short: None,
        value: None,
        help: "print the Dockerfile HEALTHCHECK that runs this binary",
    },
    Opt {
        long: "--compose",
        short: None,
        value: None,
        help: "print the Compose healthcheck block that runs this binary",
    },
    Opt {
        long: "--systemd",
        short: None,
        value: None,
        help: "print the systemd unit settings for Probe::watchdog",
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
    Ready { json: bool },
    K8s(k8s::Options),
    Docker(docker::Options),
    Systemd,
    Help,
    Version,
}

/// What is wrong with a command line.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Mistake {
    /// Something the probe does not know, or a combination it does not take.
    Unexpected,
    /// An option misused, said in one line (outside text escaped).
    Said(String),
}

/// Parses the arguments.
pub(super) fn parse(args: &[OsString]) -> Result<Mode, Mistake> {
    let given = options(args)?;
    let has = |long: &str| given.iter().any(|(l, _)| *l == long);
    let value = |long: &str| given.iter().find(|(l, _)| *l == long).and_then(|(_, v)| *v);
    if !has("--k8s") {
        if let Some(long) = ["--http", "--grpc"].into_iter().find(|l| has(l)) {
            return Err(Mistake::Said(format!("`{long}` goes with `--k8s`")));
        }
    }
    if !["--k8s", "--docker", "--compose"].iter().any(|l| has(l)) && has("--command") {
        return Err(Mistake::Said(
            "`--command` goes with `--k8s`, `--docker` or `--compose`".to_owned(),
        ));
    }
    if has("--http") && has("--grpc") {
        return Err(Mistake::Said("give `--http` or `--grpc`, not both".into()));
    }
    let longs: Vec<&str> = given.iter().map(|(l, _)| *l).collect();
    if let Some(options) = docker::Options::of(&longs, value("--command")) {
        return Ok(Mode::Docker(options));
    }
    Ok(match longs.as_slice() {
        [] => Mode::Judge { json: false },
        ["--json"] => Mode::Judge { json: true },
        ["--help"] => Mode::Help,
        ["--systemd"] => Mode::Systemd,
        ["--version"] => Mode::Version,
        _ if has("--startup") && longs.iter().all(|l| ["--startup", "--json"].contains(l)) => {
            Mode::Startup {
                json: has("--json"),
            }
        }
        _ if has("--ready") && longs.iter().all(|l| ["--ready", "--json"].contains(l)) => {
            Mode::Ready {
                json: has("--json"),
            }
        }
        _ if has("--k8s")
            && longs
                .iter()
                .all(|l| ["--k8s", "--command", "--http", "--grpc", "--ready"].contains(l)) =>
        {
            Mode::K8s(k8s::Options {
                command: value("--command").cloned(),
                http: value("--http").map(|v| port("--http", v)).transpose()?,
                grpc: value("--grpc").map(|v| port("--grpc", v)).transpose()?,
                ready: has("--ready"),
            })
        }
        _ => return Err(Mistake::Unexpected),
    })
}

/// The options given, each with its value; each at most once.
fn options(args: &[OsString]) -> Result<Vec<(&'static str, Option<&OsString>)>, Mistake> {
    let mut given: Vec<(&'static str, Option<&OsString>)> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let opt = OPTIONS
            .iter()
            .find(|o| arg == o.long || o.short.is_some_and(|s| arg == s))
            .ok_or(Mistake::Unexpected)?;
        if given.iter().any(|(long, _)| *long == opt.long) {
            return Err(Mistake::Unexpected);
        }
        let value = match opt.value {
            Some(name) => Some(
                args.next()
                    .ok_or_else(|| Mistake::Said(format!("`{}` needs a {name}", opt.long)))?,
            ),
            None => None,
        };
        given.push((opt.long, value));
    }
    Ok(given)
}

/// `--http`'s or `--grpc`'s value: a port number, 1-65535.
fn port(long: &str, value: &OsString) -> Result<u16, Mistake> {
    let port = value.to_str().and_then(|v| v.parse::<u16>().ok());
    port.filter(|p| *p != 0).ok_or_else(|| {
        Mistake::Said(format!(
            "`{long}` takes a port number 1-65535, not `{}`",
            escape::path(value.as_ref())
        ))
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
        assert_eq!(parse(&args(&[])), Ok(Mode::Judge { json: false }));
        assert_eq!(parse(&args(&["--json"])), Ok(Mode::Judge { json: true }));
        assert_eq!(
            parse(&args(&["--json", "--startup"])),
            Ok(Mode::Startup { json: true })
        );
        assert_eq!(parse(&args(&["-h"])), Ok(Mode::Help));
        assert_eq!(parse(&args(&["-V"])), Ok(Mode::Version));
        assert_eq!(parse(&args(&["--systemd"])), Ok(Mode::Systemd));
        assert_eq!(
            parse(&args(&["--k8s", "--http", "8080", "--command", "/bin/p"])),
            Ok(Mode::K8s(k8s::Options {
                command: Some("/bin/p".into()),
                http: Some(8080),
                ..k8s::Options::default()
            }))
        );
        assert_eq!(
            parse(&args(&["--ready", "--json"])),
            Ok(Mode::Ready { json: true })
        );
        assert_eq!(parse(&args(&["--ready"])), Ok(Mode::Ready { json: false }));
        assert_eq!(
            parse(&args(&["--ready", "--k8s"])),
            Ok(Mode::K8s(k8s::Options {
                ready: true,
                ..k8s::Options::default()
            }))
        );
        for bad in [
            &["--bogus"][..],
            &["--help", "extra"],
            &["--json", "--json"],
            &["--k8s", "--json"],
            &["--startup", "--k8s"],
            &["--systemd", "--json"],
            &["--systemd", "--k8s"],
            &["--ready", "--startup"],
            &["--ready", "--ready"],
        ] {
            assert_eq!(parse(&args(bad)), Err(Mistake::Unexpected), "{bad:?}");
        }
    }

    #[test]
    fn a_misused_option_says_what_is_wrong() {
        let said = |list: &[&str]| match parse(&args(list)) {
            Err(Mistake::Said(line)) => line,
            other => panic!("{list:?}: {other:?}"),
        };
        assert_eq!(said(&["--k8s", "--http"]), "`--http` needs a PORT");
        assert_eq!(said(&["--k8s", "--command"]), "`--command` needs a PATH");
        for port in ["abc", "0", "65536", "-1", "", "8080 "] {
            assert_eq!(
                said(&["--k8s", "--http", port]),
                format!("`--http` takes a port number 1-65535, not `{port}`")
            );
        }
        assert_eq!(
            said(&["--k8s", "--http", "\u{1b}[2J\n"]),
            "`--http` takes a port number 1-65535, not `\\u{1b}[2J\\n`"
        );
        assert_eq!(
            said(&["--command", "/x"]),
            "`--command` goes with `--k8s`, `--docker` or `--compose`"
        );
        assert_eq!(said(&["--http", "80"]), "`--http` goes with `--k8s`");
        assert_eq!(
            said(&["--json", "--command", "/x"]),
            "`--command` goes with `--k8s`, `--docker` or `--compose`"
        );
        assert_eq!(
            parse(&args(&["--k8s", "--http", "65535"])),
            Ok(Mode::K8s(k8s::Options {
                command: None,
                http: Some(65535),
                ..k8s::Options::default()
            }))
        );
    }

    #[test]
    fn grpc_takes_a_port_with_k8s_and_not_beside_http() {
        assert_eq!(
            parse(&args(&["--k8s", "--grpc", "9090"])),
            Ok(Mode::K8s(k8s::Options {
                grpc: Some(9090),
                ..k8s::Options::default()
            }))
        );
        let said = |list: &[&str]| match parse(&args(list)) {
            Err(Mistake::Said(line)) => line,
            other => panic!("{list:?}: {other:?}"),
        };
        assert_eq!(said(&["--k8s", "--grpc"]), "`--grpc` needs a PORT");
        assert_eq!(said(&["--grpc", "9090"]), "`--grpc` goes with `--k8s`");
        assert_eq!(
            said(&["--k8s", "--grpc", "0\n"]),
            "`--grpc` takes a port number 1-65535, not `0\\n`"
        );
        assert_eq!(
            said(&["--k8s", "--http", "80", "--grpc", "90"]),
            "give `--http` or `--grpc`, not both"
        );
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
