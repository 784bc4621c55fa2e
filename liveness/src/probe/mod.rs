//! The probe: judges components, and (feature `probe`) serves the command
//! line that `liveness_main!` runs.

#[cfg(feature = "probe")]
mod args;
#[cfg(feature = "probe")]
mod cli;
#[cfg(feature = "probe")]
mod docker;
mod explain;
mod fnv;
#[cfg(feature = "probe")]
pub(crate) mod k8s;
#[cfg(feature = "probe")]
mod logging;
#[cfg(all(feature = "http", unix))]
mod on_disk;
mod pool;
#[cfg(feature = "probe")]
pub(crate) mod report;
mod survey;
mod unit;
#[cfg(feature = "probe")]
mod units;

#[cfg(feature = "probe")]
pub use report::Report;
#[cfg(any(feature = "probe", all(feature = "systemd", unix)))]
pub(crate) use survey::survey;
pub(crate) use unit::Source;

use crate::{Component, Status};

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
/// The command line (feature `probe`, on by default):
///
#[doc = include_str!("cli.md")]
#[derive(Clone, Debug)]
pub struct Probe {
    components: Vec<Component>,
    subcommand: Option<&'static str>,
    version: Option<&'static str>,
    /// The path `serve_http` and `respond` answer on.
    #[cfg(feature = "probe")]
    pub(crate) http_path: &'static str,
}

/// The path [`Probe::serve_http`] serves unless [`Probe::http_path`] says.
#[cfg(feature = "probe")]
pub(crate) const DEFAULT_PATH: &str = "/livez";

impl Probe {
    /// A probe over `components`; dead when any of them is.
    pub fn new(components: impl IntoIterator<Item = Component>) -> Probe {
        Probe {
            components: components.into_iter().collect(),
            subcommand: None,
            version: None,
            #[cfg(feature = "probe")]
            http_path: DEFAULT_PATH,
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

    /// The components this probe judges.
    ///
    /// ```
    /// use std::time::Duration;
    /// use liveness::{Component, Probe};
    ///
    /// let probe = Probe::new([Component::new("job", "/tmp/liveness/job", Duration::from_secs(60))]);
    /// assert_eq!(probe.components()[0].name(), "job");
    /// ```
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// The status of every component, one per pool instance when the
    /// component runs a pool, judged against one snapshot of the host.
    ///
    /// Components that resolve to one heartbeat file are each dead, saying
    /// so, rather than judged twice on one file.
    ///
    /// ```
    /// use std::time::Duration;
    /// use liveness::{Component, Probe, Verdict};
    ///
    /// let a = Component::new("a", "/tmp/liveness-doc-shared", Duration::from_secs(60));
    /// let b = Component::new("b", "/tmp/liveness-doc-shared", Duration::from_secs(60));
    /// let statuses = Probe::new([a, b]).statuses();
    /// assert!(statuses.iter().all(|s| s.verdict() == Verdict::Dead));
    /// assert!(statuses[0].to_string().starts_with("a: dead: shares its heartbeat file with b"));
    /// ```
    pub fn statuses(&self) -> Vec<Status> {
        survey::survey(&self.components, Source::Files)
    }
}
