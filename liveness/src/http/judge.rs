//! What the server asks of its judge: the question of a request, and the
//! trait that answers it (a [`Probe`](crate::Probe), or a test's stand-in).

/// What a request asks: the liveness probe's question (`/livez`), the
/// startup probe's (`/livez/startup`, as `--startup` asks it), the
/// readiness probe's (`/readyz`, as `--ready` asks it), or the Prometheus
/// samples (`/metrics`). Which path asks what is `ROUTES`, in `respond.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    Liveness,
    Startup,
    Readiness,
    Metrics,
}

/// Where the server's verdicts come from: asked once per request.
pub(crate) trait Judge: Send + Sync {
    /// Whether every component is alive (or started, or ready), and the response
    /// body: one line per component as the probe prints them, or with
    /// `json` the probe's `--json` document; for [`Check::Metrics`], always
    /// true, and the Prometheus text.
    fn report(&self, check: Check, json: bool) -> (bool, String);
}
