//! The verdict on a component, and what it last said of itself.

/// The verdict on one component.
///
/// ```
/// use liveness::Verdict;
///
/// assert_eq!(Verdict::Starting.as_str(), "starting");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "probe",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Verdict {
    /// The last heartbeat is younger than the maximum age, or an extension
    /// it declared is still running.
    Alive,
    /// No heartbeat from this container yet, and it is younger than its
    /// startup grace: counted as alive.
    Starting,
    /// Stale, failed, missing past the grace, unreadable or invalid.
    Dead,
}

impl Verdict {
    /// `alive`, `starting` or `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Alive => "alive",
            Verdict::Starting => "starting",
            Verdict::Dead => "dead",
        }
    }
}

/// What the component last said of itself, as far as this container goes.
///
/// ```
/// use liveness::State;
///
/// assert_eq!(State::Extended.as_str(), "extended");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "probe",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum State {
    /// It beats.
    Beating,
    /// It declared a long operation with
    /// [`extend`](crate::Liveness::extend).
    Extended,
    /// It declared itself broken with [`fail`](crate::Liveness::fail).
    Failed,
    /// It has not beaten in this container yet.
    Starting,
}

impl State {
    /// `beating`, `extended`, `failed` or `starting`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Beating => "beating",
            State::Extended => "extended",
            State::Failed => "failed",
            State::Starting => "starting",
        }
    }
}
