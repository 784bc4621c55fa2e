//! The probe command line: what `liveness_main!` runs, callable directly to
//! serve the probe from a subcommand of the service's own binary.

use std::{
    ffi::OsString,
    io::{self, Write},
    path::PathBuf,
    process::ExitCode,
    time::Duration,
};

use crate::{Component, Status, host::Host, status::Limits, store};

/// Exit code when every component is alive.
const ALIVE: u8 = 0;
/// Exit code when any component is dead.
const DEAD: u8 = 1;
/// Exit code on a bad argument.
const USAGE: u8 = 2;

/// `failureThreshold` of the `--k8s` snippet.
const FAILURE_THRESHOLD: u64 = 3;

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
///         // `worker probe`, `worker probe --json`, ...
///         return Probe::new([Component::of::<Worker>()])
///             .subcommand("probe")
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
/// | `--json` | every component's status as one line of JSON | 0 / 1 |
/// | `--k8s` | a `livenessProbe` YAML snippet that runs this binary | 0 |
/// | `-h`, `--help` | usage on stdout | 0 |
/// | `-V`, `--version` | version on stdout | 0 |
/// | anything else | usage on stderr | 2 |
///
/// Logging goes to stderr, set by `RUST_LOG`, else by `LOG_LEVEL` (`DEBUG`,
/// `INFO`, `WARNING`, `ERROR`, `CRITICAL`), else at `warn`.
#[derive(Clone, Debug)]
pub struct Probe {
    pub(crate) components: Vec<Component>,
    subcommand: Option<&'static str>,
    version: Option<&'static str>,
    /// The path `serve_http` answers on.
    #[cfg(feature = "http")]
    pub(crate) http_path: &'static str,
}

impl Probe {
    /// A probe over `components`; dead when any of them is.
    pub fn new(components: impl IntoIterator<Item = Component>) -> Probe {
        Probe {
            components: components.into_iter().collect(),
            subcommand: None,
            version: None,
            #[cfg(feature = "http")]
            http_path: crate::http::DEFAULT_PATH,
        }
    }

    /// The subcommand of the service's binary that runs this probe
    /// (`worker probe`): shown in usage and put in the `--k8s` command.
    #[must_use]
    pub fn subcommand(mut self, name: &'static str) -> Probe {
        self.subcommand = Some(name);
        self
    }

    /// The version `--version` prints (default: none, only this crate's).
    #[must_use]
    pub fn version(mut self, version: &'static str) -> Probe {
        self.version = Some(version);
        self
    }

    /// Runs on the process's own arguments; what `liveness_main!` calls.
    pub fn main(self) -> ExitCode {
        self.run(std::env::args_os().skip(1))
    }

    /// Runs on `args` (without the program name, nor the subcommand),
    /// printing to stdout and stderr, with logging set up from the
    /// environment.
    pub fn run<I>(&self, args: I) -> ExitCode
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        init_logging();
        // One write for all the lines (stdout alone would write each line).
        let mut out = io::BufWriter::new(io::stdout().lock());
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
        let code = match args
            .iter()
            .map(|a| a.to_str())
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] => {
                let statuses = self.statuses();
                for status in &statuses {
                    let _ = writeln!(out, "{status}");
                }
                verdict_code(&statuses)
            }
            [Some("--json")] => {
                let statuses = self.statuses();
                let _ = writeln!(out, "{}", json(&statuses));
                verdict_code(&statuses)
            }
            [Some("--k8s")] => {
                let _ = out.write_all(self.k8s().as_bytes());
                ALIVE
            }
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
        };
        let _ = out.flush();
        code
    }

    /// The status of every component, judged against one snapshot of the host.
    pub fn statuses(&self) -> Vec<Status> {
        // Files first, clocks after: a beat landing in between is then
        // older than the clock reading, never ahead of it.
        let reads: Vec<_> = self
            .components
            .iter()
            .map(|component| {
                let path = component.path();
                let read = store::read(&path);
                log::debug!("{}: read {}: {read:?}", component.name, path.display());
                (component, path, read)
            })
            .collect();
        let host = Host::current();
        log::debug!("host: {host:?}");
        reads
            .iter()
            .map(|(component, path, read)| {
                let limits = Limits {
                    max_age: component.max_age,
                    startup_grace: component.startup_grace,
                };
                Status::new(component.name, path, limits, read, &host)
            })
            .collect()
    }

    /// The path of this executable, as the kubelet should run it.
    fn executable(&self) -> PathBuf {
        std::env::current_exe()
            .ok()
            .or_else(|| std::env::args_os().next().map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("liveness-probe"))
    }

    fn program_name(&self) -> String {
        let exe = self.executable();
        let name = exe.file_name().map_or_else(
            || exe.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match self.subcommand {
            Some(sub) => format!("{name} {sub}"),
            None => name,
        }
    }

    fn version_string(&self) -> String {
        match self.version {
            Some(version) => format!("{version} (liveness {})", env!("CARGO_PKG_VERSION")),
            None => format!("(liveness {})", env!("CARGO_PKG_VERSION")),
        }
    }

    fn usage(&self) -> String {
        let mut text = format!(
            "Usage: {} [--json | --k8s | -h | --help | -V | --version]\n\n\
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
                 --json         print every component's status as JSON\n  \
                 --k8s          print a livenessProbe YAML snippet that runs this binary\n  \
                 -h, --help     print this help\n  \
                 -V, --version  print the version\n\n\
                 Logging on stderr: RUST_LOG, or LOG_LEVEL (DEBUG, INFO, WARNING, ERROR);\n\
                 default: warnings only.\n";
        text
    }

    /// A `livenessProbe` block for this binary, timed from the smallest
    /// `max_age` and startup grace of the components.
    ///
    /// `periodSeconds` is a third of `max_age` (at least 1 s), so a hung loop
    /// is caught about `2 × max_age` after its last beat; `timeoutSeconds` is
    /// 1 (the probe takes milliseconds). YAML is a superset of JSON, so the
    /// command is written as a JSON array, which quotes any path correctly.
    fn k8s(&self) -> String {
        let max_age = self
            .components
            .iter()
            .map(|c| c.max_age)
            .min()
            .unwrap_or(Duration::from_secs(90));
        let grace = self
            .components
            .iter()
            .map(|c| c.startup_grace)
            .min()
            .unwrap_or(max_age);
        let period = max_age.as_secs().div_ceil(3).max(1);
        let detection = period.saturating_mul(FAILURE_THRESHOLD);
        let budget = |base: Duration| base.saturating_add(Duration::from_secs(detection));
        let mut command = vec![self.executable().to_string_lossy().into_owned()];
        command.extend(self.subcommand.map(str::to_owned));
        let human = humantime::format_duration;
        format!(
            "# livenessProbe for {name}: max_age {max_age}, startup_grace {grace}.\n\
             # A hung loop is restarted at the latest\n\
             #   max_age + periodSeconds x failureThreshold\n\
             #   = {max_age} + {period}s x {FAILURE_THRESHOLD} = {kill}\n\
             # after its last heartbeat; a container that never beats, within\n\
             # startup_grace + {detection}s = {start_kill} of its start.\n\
             livenessProbe:\n  \
               exec:\n    \
                 command: {command}\n  \
               periodSeconds: {period}\n  \
               timeoutSeconds: 1\n  \
               failureThreshold: {FAILURE_THRESHOLD}\n",
            name = self.program_name(),
            max_age = human(max_age),
            grace = human(grace),
            kill = human(budget(max_age)),
            detection = detection,
            start_kill = human(budget(grace)),
            command = serde_json::to_string(&command).unwrap_or_default(),
        )
    }
}

fn verdict_code(statuses: &[Status]) -> u8 {
    if statuses.iter().all(Status::is_alive) {
        ALIVE
    } else {
        DEAD
    }
}

/// The `--json` document.
#[derive(serde::Serialize)]
struct Report<'a> {
    alive: bool,
    components: Vec<ComponentReport<'a>>,
}

#[derive(serde::Serialize)]
struct ComponentReport<'a> {
    name: &'a str,
    path: std::borrow::Cow<'a, str>,
    verdict: &'static str,
    alive: bool,
    /// The line the plain probe prints.
    message: String,
    age_ms: Option<u64>,
    max_age_ms: u64,
    startup_grace_ms: u64,
    /// RFC 3339, UTC.
    last_beat: Option<String>,
    writer_pid: Option<u32>,
    /// `true`: written in this container; `false`: by a previous one;
    /// `null`: unknown.
    this_container: Option<bool>,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn json(statuses: &[Status]) -> String {
    let report = Report {
        alive: statuses.iter().all(Status::is_alive),
        components: statuses
            .iter()
            .map(|s| ComponentReport {
                name: s.name(),
                path: s.path().to_string_lossy(),
                verdict: s.verdict().as_str(),
                alive: s.is_alive(),
                message: s.to_string(),
                age_ms: s.age().map(millis),
                max_age_ms: millis(s.max_age()),
                startup_grace_ms: millis(s.startup_grace()),
                last_beat: s
                    .last_beat()
                    .map(|t| humantime::format_rfc3339_nanos(t).to_string()),
                writer_pid: s.writer_pid(),
                this_container: s.from_this_container(),
            })
            .collect(),
    };
    serde_json::to_string(&report).unwrap_or_default()
}

/// Sets up stderr logging from `RUST_LOG`, else `LOG_LEVEL`, else `warn`.
///
/// The probe logs nothing at `warn` or above (verdicts go to stdout), so
/// without either variable no logger is installed: that is the kubelet's
/// case, run every few seconds in every pod.
fn init_logging() {
    let rust_log = std::env::var_os("RUST_LOG").filter(|v| !v.is_empty());
    let log_level = std::env::var_os("LOG_LEVEL").filter(|v| !v.is_empty());
    if rust_log.is_none() && log_level.is_none() {
        return;
    }
    let mut builder = env_logger::Builder::new();
    builder.filter_level(log::LevelFilter::Warn);
    if let Some(spec) = rust_log {
        builder.parse_filters(&spec.to_string_lossy());
    } else if let Some(level) = log_level {
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
