//! The one line the probe prints per component.
//!
//! `<name>: <alive|dead>: <why> (<path>)`, where `<name>` is
//! `consumer[2]` for a pool instance and every name, path and reason is
//! escaped (see [`crate::escape`]): the line the kubelet puts in the pod's
//! events is always exactly one line.

use std::{fmt, time::Duration};

use super::{judge::extended_limit, judged::Status, verdict::Verdict};
use crate::{
    escape::{path, text},
    status::judge::{Absent, Reason},
};

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = self.verdict();
        let shown = if verdict == Verdict::Dead {
            "dead"
        } else {
            "alive"
        };
        write!(f, "{}", text(&self.name))?;
        if let Some(instance) = self.instance {
            write!(f, "[{instance}]")?;
        }
        write!(f, ": {shown}: ")?;
        self.why(f, verdict)?;
        if self.path.as_os_str().is_empty() {
            return Ok(()); // no file: a probe of no component
        }
        write!(f, " ({})", path(&self.path))
    }
}

/// The line `--startup` prints: `<name>: started: <why> (<path>)`, or
/// `not started`.
#[cfg(feature = "probe")]
pub(crate) struct StartupLine<'a>(&'a Status);

#[cfg(feature = "probe")]
impl fmt::Display for StartupLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.0;
        let shown = if status.has_started() {
            "started"
        } else {
            "not started"
        };
        write!(f, "{}", text(&status.name))?;
        if let Some(instance) = status.instance {
            write!(f, "[{instance}]")?;
        }
        write!(f, ": {shown}: ")?;
        status.why(f, status.verdict())?;
        write!(f, " ({})", path(&status.path))
    }
}

impl Status {
    /// The line `--startup` prints for this status.
    #[cfg(feature = "probe")]
    pub(crate) fn startup_line(&self) -> StartupLine<'_> {
        StartupLine(self)
    }

    /// One word for why the verdict is what it is: `fresh`, `extended`,
    /// `starting` when alive; `stale`, `extension-over`, `failed`,
    /// `missing`, `empty`, `previous-container`, `conflict`,
    /// `other-component`, `shared-file`, `future`, `invalid`, `unreadable`,
    /// `no-component`, `empty-pool`, `undeclared-pool` when dead (the `why`
    /// of `--json`).
    #[cfg(feature = "probe")]
    pub(crate) fn why_word(&self) -> &'static str {
        let alive = self.verdict() != Verdict::Dead;
        match &self.reason {
            Reason::Beat { .. } if alive => "fresh",
            Reason::Beat { .. } => "stale",
            Reason::Extended { .. } if alive => "extended",
            Reason::Extended { .. } => "extension-over",
            Reason::Failed { .. } | Reason::BeyondPool { .. } => "failed",
            Reason::NoComponent => "no-component",
            Reason::EmptyPool { .. } => "empty-pool",
            Reason::Undeclared { .. } => "undeclared-pool",
            Reason::NoBeat { .. } if alive => "starting",
            Reason::NoBeat { absent, .. } => match absent {
                Absent::Missing => "missing",
                Absent::Empty => "empty",
                Absent::Previous => "previous-container",
            },
            Reason::Conflict { .. } => "conflict",
            Reason::OtherComponent { .. } => "other-component",
            Reason::SharedPath { .. } => "shared-file",
            Reason::Future { .. } => "future",
            Reason::Invalid(_) => "invalid",
            Reason::Unreadable(_) => "unreadable",
        }
    }

    pub(super) fn why(&self, f: &mut fmt::Formatter<'_>, verdict: Verdict) -> fmt::Result {
        let max = human(self.limits.max_age);
        match &self.reason {
            Reason::Beat { age } => write!(
                f,
                "last heartbeat {} ago{}, max {max}",
                self.shown_age(*age, verdict),
                At(self.location().filter(|_| verdict == Verdict::Dead)),
            ),
            Reason::Extended { age, by, reason } => {
                let limit = extended_limit(*by, &self.limits);
                match limit.checked_sub(*age) {
                    Some(left) => write!(f, "extended: {}, {} left", text(reason), human(left)),
                    None => write!(
                        f,
                        "extension ran out {} ago: {}, last heartbeat {} ago{}",
                        exact(*age - limit, Duration::ZERO),
                        text(reason),
                        human(*age),
                        At(self.location()),
                    ),
                }
            }
            Reason::Failed { reason } => write!(f, "failed: {}", text(reason)),
            Reason::NoBeat {
                absent,
                container_age,
            } => self.no_beat(f, *absent, *container_age, verdict),
            Reason::Conflict { pid } => write!(
                f,
                "written by another live container, pid {pid}: give each container its own path"
            ),
            Reason::OtherComponent { name, instance } => {
                write!(f, "the file holds the heartbeat of {}", text(name))?;
                if let Some(instance) = instance {
                    write!(f, "[{instance}]")?;
                }
                f.write_str(": give each component its own path")
            }
            Reason::SharedPath { with } => write!(
                f,
                "shares its heartbeat file with {}: give each component its own path",
                text(with)
            ),
            Reason::Future { ahead } => write!(
                f,
                "invalid heartbeat: last heartbeat is {} in the future",
                human(*ahead)
            ),
            // Said by this crate; outside bytes in them are escaped already.
            Reason::Invalid(why) => write!(f, "invalid heartbeat: {why}"),
            Reason::Unreadable(why) => write!(f, "cannot read heartbeat: {why}"),
            reason => probe_reason(f, reason),
        }
    }

    /// Dead but rounded to the maximum: show it exactly, so the line never
    /// reads "1m 30s ago, max 1m 30s".
    fn shown_age(&self, age: Duration, verdict: Verdict) -> humantime::FormattedDuration {
        if verdict == Verdict::Dead && rounded(age) <= self.limits.max_age {
            exact(age, self.limits.max_age)
        } else {
            human(age)
        }
    }

    fn no_beat(
        &self,
        f: &mut fmt::Formatter<'_>,
        absent: Absent,
        container_age: Option<Duration>,
        verdict: Verdict,
    ) -> fmt::Result {
        let what = match absent {
            Absent::Missing => "no heartbeat",
            Absent::Empty => "no heartbeat (the file is empty)",
            Absent::Previous => {
                "no heartbeat from this container (the file is from a previous one)"
            }
        };
        let grace = human(self.limits.startup_grace);
        let (started, up_what, outside) = if self.outside_container {
            ("the system", "system", " (no container detected)")
        } else {
            ("the container", "container", "")
        };
        match container_age {
            Some(up) if verdict == Verdict::Starting => write!(
                f,
                "starting: {what} yet, {up_what} up {}{outside}, grace {grace}",
                human(up)
            ),
            Some(up) => write!(
                f,
                "{what} since {started} started {} ago{outside}, grace {grace}: \
                 beat earlier, or raise startup_grace",
                human(up)
            ),
            None => f.write_str(what),
        }
    }
}

/// ` at <file>:<line>`, escaped, when the location is known.
struct At<'a>(Option<(&'a str, u32)>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some((file, line)) => write!(f, " at {}:{line}", text(file)),
            None => Ok(()),
        }
    }
}

/// The reasons a probe gives about what it was asked to judge: no
/// component, a pool that hides its workers.
fn probe_reason(f: &mut fmt::Formatter<'_>, reason: &Reason) -> fmt::Result {
    match reason {
        Reason::NoComponent => f.write_str("this probe judges no component: list at least one"),
        Reason::EmptyPool { pid } => write!(
            f,
            "the pool record declares no instance (written by pid {pid}): \
             call pool_size(n) with n of 1 or more"
        ),
        Reason::Undeclared { instances: n } => write!(
            f,
            "instances 0..{n} beat but no pool was declared: call pool_size({n})"
        ),
        Reason::BeyondPool { reason, size, pid } => write!(
            f,
            "failed: {} (beyond the pool, which shrank to {size} in the record of pid {pid})",
            text(reason)
        ),
        _ => Ok(()), // said by `Status::why`
    }
}

/// `duration` as precisely as it takes to tell it from `than`: to the
/// millisecond, the microsecond, or the nanosecond.
fn exact(duration: Duration, than: Duration) -> humantime::FormattedDuration {
    let to = |unit: u32| Duration::new(duration.as_secs(), duration.subsec_nanos() / unit * unit);
    let shown = [1_000_000, 1_000, 1]
        .into_iter()
        .map(to)
        .find(|shown| *shown != than && !shown.is_zero())
        .unwrap_or(duration);
    humantime::format_duration(shown)
}

/// Milliseconds under a minute, whole seconds above (to the nearest):
/// `2s 900ms`, `2m 5s`.
pub(crate) fn human(duration: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(rounded(duration))
}

fn rounded(duration: Duration) -> Duration {
    // Saturating: a hand-made record can put its time ~2^64 s away.
    if duration >= Duration::from_secs(60) {
        Duration::from_secs(
            duration
                .saturating_add(Duration::from_millis(500))
                .as_secs(),
        )
    } else {
        Duration::from_millis((duration + Duration::from_micros(500)).as_millis() as u64)
    }
}
