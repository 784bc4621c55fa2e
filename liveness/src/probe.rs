//! The probe command line: what `liveness_main!` runs, callable directly to
//! serve the probe from a subcommand of the service's own binary.

use std::{
    ffi::OsString,
    io::{self, Write},
    process::ExitCode,
};

use crate::{Component, Status, host::Host, status::Limits, store};

/// Exit code when every component is alive.
const ALIVE: u8 = 0;
/// Exit code when any component is dead.
const DEAD: u8 = 1;
/// Exit code on a bad argument.
const USAGE: u8 = 2;

/// A probe over one or more components.
///
/// `liveness_main!(Worker)` is `Probe::new([Component::of::<Worker>()])`
/// with the binary's version, run on the process's arguments. A service that
/// ships one binary can serve the probe as a subcommand:
///
/// ```no_run
/// use liveness::{Component, Liveness, Probe};
///
/// #[derive(Liveness)]
/// #[liveness(max_age = "90s")]
/// struct Worker;
///
/// fn main() -> std::process::ExitCode {
///     let mut args = std::env::args_os().skip(1);
///     if args.next().is_some_and(|a| a == "probe") {
///         return Probe::new([Component::of::<Worker>()])
///             .program("worker probe")
///             .version(env!("CARGO_PKG_VERSION"))
///             .run(args);
///     }
///     // ... the service ...
/// #   std::process::ExitCode::SUCCESS
/// }
/// ```
///
/// | arguments | effect | exit |
/// |---|---|---|
/// | none | one line per component on stdout | 0 all alive, 1 any dead |
/// | `-h`, `--help` | usage on stdout | 0 |
/// | `-V`, `--version` | version on stdout | 0 |
/// | anything else | usage on stderr | 2 |
///
/// Logging goes to stderr, set by `RUST_LOG`, else by `LOG_LEVEL` (`DEBUG`,
/// `INFO`, `WARNING`, `ERROR`, `CRITICAL`), else at `warn`.
#[derive(Clone, Debug)]
pub struct Probe {
    components: Vec<Component>,
    program: Option<String>,
    version: Option<&'static str>,
}

impl Probe {
    /// A probe over `components`; dead when any of them is.
    pub fn new(components: impl IntoIterator<Item = Component>) -> Probe {
        Probe {
            components: components.into_iter().collect(),
            program: None,
            version: None,
        }
    }

    /// The name shown in usage and version (default: the executable's name).
    #[must_use]
    pub fn program(mut self, program: impl Into<String>) -> Probe {
        self.program = Some(program.into());
        self
    }

    /// The version `--version` prints (default: this crate's).
    #[must_use]
    pub fn version(mut self, version: &'static str) -> Probe {
        self.version = Some(version);
        self
    }

    /// Runs on the process's own arguments; what `liveness_main!` calls.
    pub fn main(self) -> ExitCode {
        let mut args = std::env::args_os();
        let argv0 = args.next();
        let mut probe = self;
        if probe.program.is_none() {
            probe.program = argv0
                .as_deref()
                .map(std::path::Path::new)
                .and_then(|p| p.file_name())
                .map(|name| name.to_string_lossy().into_owned());
        }
        probe.run(args)
    }

    /// Runs on `args` (without the program name), printing to stdout and
    /// stderr, with logging set up from the environment.
    pub fn run<I>(&self, args: I) -> ExitCode
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        init_logging();
        let code = self.run_with(args, &mut io::stdout().lock(), &mut io::stderr().lock());
        ExitCode::from(code)
    }

    /// Runs on `args`, writing to `out` and `err`; returns the exit code.
    ///
    /// Does not set up logging. A failed write to `out` or `err` (a closed
    /// pipe) does not change the verdict.
    pub fn run_with<I>(&self, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        match args
            .iter()
            .map(|a| a.to_str())
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] => self.check(out),
            [Some("-h" | "--help")] => {
                let _ = out.write_all(self.usage().as_bytes());
                ALIVE
            }
            [Some("-V" | "--version")] => {
                let _ = writeln!(out, "{} {}", self.program_name(), self.version_string());
                ALIVE
            }
            _ => {
                let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
                let _ = write!(
                    err,
                    "error: unexpected arguments: {}\n\n{}",
                    shown.join(" "),
                    self.usage()
                );
                USAGE
            }
        }
    }

    /// The status of every component, judged against one snapshot of the host.
    pub fn statuses(&self) -> Vec<Status> {
        let host = Host::current();
        log::debug!("host: {host:?}");
        self.components
            .iter()
            .map(|component| {
                let path = component.path();
                let read = store::read(&path);
                log::debug!("{}: read {}: {read:?}", component.name, path.display());
                let limits = Limits {
                    max_age: component.max_age,
                    startup_grace: component.startup_grace,
                };
                Status::new(component.name, &path, limits, &read, &host)
            })
            .collect()
    }

    fn check(&self, out: &mut dyn Write) -> u8 {
        let statuses = self.statuses();
        for status in &statuses {
            let _ = writeln!(out, "{status}");
        }
        let _ = out.flush();
        verdict_code(&statuses)
    }

    fn program_name(&self) -> &str {
        self.program.as_deref().unwrap_or("liveness-probe")
    }

    fn version_string(&self) -> String {
        match self.version {
            Some(version) => format!("{version} (liveness {})", env!("CARGO_PKG_VERSION")),
            None => format!("(liveness {})", env!("CARGO_PKG_VERSION")),
        }
    }

    fn usage(&self) -> String {
        let mut text = format!(
            "Usage: {} [-h | --help | -V | --version]\n\n\
             Kubernetes exec liveness probe. Exits 0 while every heartbeat is fresh,\n\
             1 when any component is dead, 2 on a bad argument.\n\nComponents:\n",
            self.program_name()
        );
        for c in &self.components {
            text += &format!(
                "  {}: max age {}, {}\n",
                c.name,
                humantime::format_duration(c.max_age),
                c.path().display()
            );
        }
        text += "\nOptions:\n  \
                 -h, --help     print this help\n  \
                 -V, --version  print the version\n\n\
                 Logging on stderr: RUST_LOG, or LOG_LEVEL (DEBUG, INFO, WARNING, ERROR);\n\
                 default: warnings only.\n";
        text
    }
}

fn verdict_code(statuses: &[Status]) -> u8 {
    if statuses.iter().all(Status::is_alive) {
        ALIVE
    } else {
        DEAD
    }
}

/// Sets up stderr logging from `RUST_LOG`, else `LOG_LEVEL`, else `warn`.
fn init_logging() {
    let mut builder = env_logger::Builder::new();
    builder.filter_level(log::LevelFilter::Warn);
    if let Some(spec) = std::env::var_os("RUST_LOG").filter(|v| !v.is_empty()) {
        builder.parse_filters(&spec.to_string_lossy());
    } else if let Some(level) = std::env::var_os("LOG_LEVEL") {
        builder.filter_level(python_level(&level.to_string_lossy()));
    }
    let _ = builder.try_init();
}

/// The prior art's `LOG_LEVEL` names (Python's `logging`) as a level filter.
fn python_level(name: &str) -> log::LevelFilter {
    match name.trim().to_ascii_uppercase().as_str() {
        "NOTSET" | "TRACE" => log::LevelFilter::Trace,
        "DEBUG" | "10" => log::LevelFilter::Debug,
        "INFO" | "20" => log::LevelFilter::Info,
        "ERROR" | "CRITICAL" | "FATAL" | "40" | "50" => log::LevelFilter::Error,
        "OFF" => log::LevelFilter::Off,
        _ => log::LevelFilter::Warn, // WARNING, WARN, 30, and anything unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_level_names_map_to_log_levels() {
        assert_eq!(python_level("DEBUG"), log::LevelFilter::Debug);
        assert_eq!(python_level("info"), log::LevelFilter::Info);
        assert_eq!(python_level("WARNING"), log::LevelFilter::Warn);
        assert_eq!(python_level("CRITICAL"), log::LevelFilter::Error);
        assert_eq!(python_level("nonsense"), log::LevelFilter::Warn);
    }
}
