//! The probe's command line: parsing, usage, and running a mode.

use std::{
    ffi::OsString,
    io::{self, Write},
    process::ExitCode,
};

use super::{
    Probe,
    args::{Mistake, Mode, OPTIONS, parse},
    docker, k8s, logging, report, units,
};
use crate::{Status, escape};

/// Exit code when every component is alive (or, `--startup`, started;
/// `--ready`, ready).
const ALIVE: u8 = 0;
/// Exit code when any component is dead (or, `--startup`, not started yet).
const DEAD: u8 = 1;
/// Exit code on a bad argument.
const USAGE: u8 = 2;

impl Probe {
    /// Runs on the process's own arguments; what `liveness_main!` calls.
    #[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
    pub fn main(self) -> ExitCode {
        self.run(std::env::args_os().skip(1))
    }

    /// Runs on `args` (without the program name, nor the subcommand),
    /// printing to stdout and stderr, with logging set up from the
    /// environment.
    #[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
    pub fn run<I>(&self, args: I) -> ExitCode
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        logging::init(&mut io::stderr().lock());
        // One write for all the lines (stdout alone would write each line);
        // 2 KiB, not the default 8: a few components' lines fit, and the
        // heap a run touches stays a page smaller.
        let mut out = io::BufWriter::with_capacity(2048, io::stdout().lock());
        let code = self.run_with(args, &mut out, &mut io::stderr().lock());
        ExitCode::from(code)
    }

    /// Runs on `args`, writing to `out` and `err`; returns the exit code.
    ///
    /// Does not set up logging. A failed write to `out` or `err` (a closed
    /// pipe) does not change the verdict.
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "90s", path = "/nonexistent/worker", startup_grace = "0s")]
    /// struct Worker;
    ///
    /// let probe = Probe::new([Component::of::<Worker>()]);
    /// let (mut out, mut err) = (Vec::new(), Vec::new());
    /// assert_eq!(probe.run_with(["--bogus"], &mut out, &mut err), 2);
    /// assert!(String::from_utf8(err).unwrap().starts_with("error: unexpected arguments: --bogus"));
    ///
    /// let code = probe.run_with(Vec::<String>::new(), &mut out, &mut Vec::new());
    /// assert_eq!(code, 1);
    /// let line = String::from_utf8(out).unwrap();
    /// assert!(line.starts_with("worker: dead: no heartbeat"));
    /// assert!(line.ends_with("(/nonexistent/worker)\n"));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
    pub fn run_with<I>(&self, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        if self.components.is_empty() {
            let _ = writeln!(
                err,
                "error: this probe judges no component: list at least one"
            );
            return USAGE;
        }
        let mode = match parse(&args) {
            Ok(mode) => mode,
            Err(mistake) => return self.refuse(&args, mistake, err),
        };
        let code = match mode {
            Mode::Judge { json } => self.judge(out, json, Status::to_string, Status::is_alive),
            Mode::Startup { json } => self.judge(
                out,
                json,
                |s| s.startup_line().to_string(),
                Status::has_started,
            ),
            Mode::Ready { json } => {
                self.judge(out, json, |s| s.ready_line().to_string(), Status::is_ready)
            }
            other => self.print(other, out, err),
        };
        let _ = out.flush();
        code
    }

    /// What a mode other than a verdict prints: kept out of line (and
    /// marked cold), so that the code a verdict runs stays together in a
    /// few pages of the binary: each page the probe touches brings its
    /// neighbours into its resident memory.
    #[cold]
    #[inline(never)]
    fn print(&self, mode: Mode, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
        match mode {
            Mode::Judge { .. } | Mode::Startup { .. } | Mode::Ready { .. } => {
                unreachable!("verdicts are judged in `run_with`")
            }
            Mode::K8s(options) => emit(&k8s::snippet(self, &options), out, err),
            Mode::Docker(options) => emit(&docker::snippet(self, &options), out, err),
            Mode::Systemd => {
                let _ = out.write_all(units::snippet(self).as_bytes());
                ALIVE
            }
            Mode::Help => {
                let _ = out.write_all(self.usage().as_bytes());
                ALIVE
            }
            Mode::Version => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    escape::text(&self.program_name()),
                    self.version_string()
                );
                ALIVE
            }
        }
    }

    /// Says on `err` what is wrong with `args`, then usage; the exit code.
    #[cold]
    #[inline(never)]
    fn refuse(&self, args: &[OsString], mistake: Mistake, err: &mut dyn Write) -> u8 {
        let said = match mistake {
            Mistake::Said(line) => line,
            Mistake::Unexpected => {
                let shown: Vec<String> = args
                    .iter()
                    .map(|a| escape::path(a.as_ref()).to_string())
                    .collect();
                format!("unexpected arguments: {}", shown.join(" "))
            }
        };
        let _ = write!(err, "error: {said}\n\n{}", self.usage());
        USAGE
    }

    /// Judges every component, prints a `line` each (or the JSON
    /// document), and exits 0 when every one is `ok`.
    fn judge(
        &self,
        out: &mut dyn Write,
        json: bool,
        line: impl Fn(&Status) -> String,
        ok: impl Fn(&Status) -> bool,
    ) -> u8 {
        let statuses = self.statuses();
        print(out, &statuses, json, line);
        code(statuses.iter().all(ok))
    }

    /// The name usage and `--version` show: the binary's file name, and the
    /// subcommand.
    pub(super) fn program_name(&self) -> String {
        let exe = k8s::executable();
        let name = exe.file_name().map_or_else(
            || exe.to_string_lossy().into_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        match self.subcommand {
            Some(sub) => format!("{name} {sub}"),
            None => name,
        }
    }

    pub(super) fn subcommand_name(&self) -> Option<&'static str> {
        self.subcommand
    }

    fn version_string(&self) -> String {
        match self.version {
            Some(version) => format!("{version} (liveness {})", env!("CARGO_PKG_VERSION")),
            None => format!("(liveness {})", env!("CARGO_PKG_VERSION")),
        }
    }

    fn usage(&self) -> String {
        let mut text = format!(
            "Usage: {} [OPTIONS]\n\n\
             Kubernetes exec liveness probe. Exits 0 while every heartbeat is fresh,\n\
             1 when any component is dead, 2 on a bad argument.\n\nComponents:\n",
            escape::text(&self.program_name())
        );
        for c in &self.components {
            text += &format!(
                "  {}: max age {}, {}\n",
                escape::text(c.name()),
                humantime::format_duration(c.max_age()),
                escape::path(&c.path())
            );
        }
        text += "\nOptions:\n";
        for opt in OPTIONS {
            let flag = match (opt.short, opt.value) {
                (Some(short), _) => format!("{short}, {}", opt.long),
                (None, Some(value)) => format!("{} {value}", opt.long),
                (None, None) => opt.long.to_owned(),
            };
            text += &format!("  {flag:<16} {}\n", opt.help);
        }
        text + "\nLogging on stderr: RUST_LOG, or LOG_LEVEL (DEBUG, INFO, WARNING, ERROR, CRITICAL);\n\
                default: warnings only.\n"
    }
}

fn print(out: &mut dyn Write, statuses: &[Status], json: bool, line: impl Fn(&Status) -> String) {
    if json {
        let _ = writeln!(out, "{}", report::json(statuses));
    } else {
        for status in statuses {
            let _ = writeln!(out, "{}", line(status));
        }
    }
}

/// Prints a snippet (`--k8s`, `--docker`, `--compose`) on `out`, its
/// warnings on `err`.
fn emit(snippet: &k8s::Snippet, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    for warning in &snippet.warnings {
        let _ = writeln!(err, "{warning}");
    }
    let _ = out.write_all(snippet.yaml.as_bytes());
    ALIVE
}

fn code(ok: bool) -> u8 {
    if ok { ALIVE } else { DEAD }
}
