//! What the server asks of its judge: the question of a request, and the
//! trait that answers it (a [`Probe`](crate::Probe), or a test's stand-in).

/// What a request asks: the liveness probe's question (`/livez`), the
/// startup probe's (`/livez/startup`, as `--startup` asks it), or the
/// readiness probe's (`/readyz`, as `--ready` asks it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    Liveness,
    Startup,
    Readiness,
}

impl Check {
    /// The question a request for `requested` asks of a server on `path`:
    /// `path`, `path` + `/startup`, and the readiness path (see
    /// [`readiness`]); `None` for any other.
    pub(crate) fn of(requested: &str, path: &str) -> Option<Check> {
        match requested.strip_prefix(path) {
            Some("") => Some(Check::Liveness),
            Some("/startup") => Some(Check::Startup),
            _ if readiness(path, requested) => Some(Check::Readiness),
            _ => None,
        }
    }
}

/// Whether `requested` is the readiness path of a server on `path`:
/// `/readyz` beside a path ending in `/livez` (`/readyz` for the default
/// `/livez`, `/api/readyz` for `/api/livez`), else `path` + `/ready`.
pub(crate) fn readiness(path: &str, requested: &str) -> bool {
    match path.strip_suffix("/livez") {
        Some(dir) => requested.strip_prefix(dir) == Some("/readyz"),
        None => requested.strip_prefix(path) == Some("/ready"),
    }
}

/// Where the server's verdicts come from: asked once per request.
pub(crate) trait Judge: Send + Sync {
    /// Whether every component is alive (or started, or ready), and the response
    /// body: one line per component as the probe prints them, or with
    /// `json` the probe's `--json` document.
    fn report(&self, check: Check, json: bool) -> (bool, String);
}

#[cfg(test)]
mod tests {
    use super::Check;

    #[test]
    fn readiness_sits_beside_the_liveness_path_and_nothing_else_matches() {
        let of = Check::of;
        assert_eq!(of("/livez", "/livez"), Some(Check::Liveness));
        assert_eq!(of("/livez/startup", "/livez"), Some(Check::Startup));
        assert_eq!(of("/readyz", "/livez"), Some(Check::Readiness));
        assert_eq!(of("/api/readyz", "/api/livez"), Some(Check::Readiness));
        assert_eq!(of("/health/ready", "/health"), Some(Check::Readiness));
        for other in [
            "/readyz/",
            "/readyzz",
            "/livez/ready",
            "/api/readyz",
            "/ready",
            "",
        ] {
            assert_eq!(of(other, "/livez"), None, "{other}");
        }
        assert_eq!(of("/readyz", "/api/livez"), None);
        assert_eq!(of("/readyz", "/health"), None);
    }
}
