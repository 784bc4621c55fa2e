//! Readiness (what `/readyz` and `--ready` ask) and the call that wrote
//! the record, read from a [`Status`].
//!
//! Ready means started in this container, alive (not merely within its
//! startup grace), and neither `unready` nor draining, as the last record
//! of this container says. Records of older versions say nothing of it:
//! ready.

use std::fmt;

use super::{judge::Reason, judged::Status, verdict::Verdict};
use crate::{
    escape::{path, text},
    record::Readiness,
};

impl Status {
    /// Whether the component should get traffic: it has beaten in this
    /// container, is alive, has not called
    /// [`unready`](crate::Liveness::unready) since its last
    /// [`ready`](crate::Liveness::ready), and its process does not
    /// [`drain`](crate::drain). A failed or dead component is never ready;
    /// an `unready` one is still alive.
    ///
    /// ```
    /// use liveness::Liveness;
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-unready/api")]
    /// struct Api;
    ///
    /// Api::beat()?;
    /// Api::unready("database unreachable")?;
    /// let status = Api::check();
    /// assert!(status.is_alive() && !status.is_ready());
    /// assert_eq!(status.unready_reason(), Some("database unreachable"));
    /// assert!(status.ready_line().to_string().starts_with(
    ///     "api: not ready: database unreachable (alive, last heartbeat "
    /// ));
    /// Api::ready()?;
    /// assert!(Api::check().is_ready());
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-unready").unwrap();
    /// # Ok::<(), liveness::Error>(())
    /// ```
    pub fn is_ready(&self) -> bool {
        self.verdict() == Verdict::Alive && self.has_started() && self.readiness().is_none()
    }

    /// The reason given to [`unready`](crate::Liveness::unready) or
    /// [`drain`](crate::drain) when that is why the component is not ready;
    /// as given (cut to 120 bytes, not escaped).
    pub fn unready_reason(&self) -> Option<&str> {
        self.readiness().and_then(Readiness::reason)
    }

    /// Whether the component's process drains ([`drain`](crate::drain)).
    pub fn is_draining(&self) -> bool {
        matches!(self.readiness(), Some(Readiness::Draining(_)))
    }

    /// The source file and line of the call that wrote the record judged
    /// (`beat`, `fail`, `unready`, ...), as the compiler names the file
    /// (its last 98 bytes at most, not escaped); `None` for a record that
    /// does not say (older versions, [`Timestamp`](crate::Timestamp)).
    pub fn location(&self) -> Option<(&str, u32)> {
        let record = self.record.as_ref()?;
        match self.reason {
            Reason::Beat { .. } | Reason::Extended { .. } | Reason::Failed { .. } => record
                .location
                .as_ref()
                .map(|at| (at.file.as_ref(), at.line)),
            _ => None,
        }
    }

    /// The line `--ready` prints and `/readyz` answers: `worker: ready:
    /// <why> (<path>)`, or `worker: not ready: <reason> (alive, <why>)
    /// (<path>)`, or `worker: not ready: dead: <why> (<path>)`; every
    /// outside text in it escaped.
    pub fn ready_line(&self) -> impl fmt::Display + '_ {
        ReadyLine(self)
    }

    /// What the component said of its readiness in the record judged, when
    /// it is not ready; `None` when ready or when the record does not count.
    fn readiness(&self) -> Option<&Readiness> {
        match self.reason {
            Reason::Beat { .. } | Reason::Extended { .. } => self
                .record
                .as_ref()
                .map(|record| &record.ready)
                .filter(|ready| **ready != Readiness::Ready),
            _ => None,
        }
    }
}

struct ReadyLine<'a>(&'a Status);

impl fmt::Display for ReadyLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.0;
        let verdict = status.verdict();
        write!(f, "{}", text(&status.name))?;
        if let Some(instance) = status.instance {
            write!(f, "[{instance}]")?;
        }
        match (verdict, status.readiness()) {
            (Verdict::Dead, _) => f.write_str(": not ready: dead: ")?,
            (Verdict::Starting, _) => f.write_str(": not ready: ")?,
            (Verdict::Alive, None) => f.write_str(": ready: ")?,
            (Verdict::Alive, Some(ready)) => {
                let draining = if matches!(ready, Readiness::Draining(_)) {
                    "draining: "
                } else {
                    ""
                };
                let reason = text(ready.reason().unwrap_or_default());
                write!(f, ": not ready: {draining}{reason} (alive, ")?;
                status.why(f, verdict)?;
                f.write_str(")")?;
                return write!(f, " ({})", path(&status.path));
            }
        }
        status.why(f, verdict)?;
        if status.path.as_os_str().is_empty() {
            return Ok(());
        }
        write!(f, " ({})", path(&status.path))
    }
}
