//! What a path gets: the table of routes, and the answer, as a
//! [`Response`] that any HTTP framework can send. The built-in server turns
//! the same [`Response`] into bytes, so the two cannot drift.

use super::{Check, Judge};
use crate::Probe;
#[cfg(test)]
use crate::probe::k8s::readiness_path;

/// The paths answered, and what each asks. [`Route::Under`] is relative to
/// the probe's [`http_path`](Probe::http_path) (default `/livez`);
/// [`Route::At`] is a whole path. Adding a path is one line here (and its
/// [`Check`], answered by the [`Judge`]).
const ROUTES: &[(Route, Check)] = &[
    (Route::Under(""), Check::Liveness),
    (Route::Under("/startup"), Check::Startup),
    (Route::Readiness, Check::Readiness),
    (Route::At("/metrics"), Check::Metrics),
];

/// Where a route is.
#[derive(Clone, Copy, Debug)]
enum Route {
    /// The probe's path followed by this.
    Under(&'static str),
    /// This path.
    At(&'static str),
    /// The readiness path beside the probe's: `/readyz` beside a path
    /// ending in `/livez`, else the probe's path followed by `/ready`.
    Readiness,
}

/// The plain text answers' media type.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";
/// The JSON answers' media type.
pub(crate) const JSON: &str = "application/json";
/// The Prometheus text exposition format, version 0.0.4.
pub(crate) const METRICS: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The body of a 404.
pub(crate) const NOT_FOUND: &str = "not found\n";

/// What a request asks, for a probe on `base`: `None` for a path not
/// answered (404). The query and fragment, if any, are ignored.
pub(crate) fn route(base: &str, path: &str) -> Option<Check> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    ROUTES.iter().find_map(|(route, check)| {
        let found = match route {
            Route::Under(rest) => path.strip_prefix(base) == Some(*rest),
            Route::At(at) => path == *at,
            Route::Readiness => readiness(base, path),
        };
        found.then_some(*check)
    })
}

/// Whether `requested` is the readiness path of a server on `path`:
/// `/readyz` beside a path ending in `/livez` (`/readyz` for the default
/// `/livez`, `/api/readyz` for `/api/livez`), else `path` + `/ready`.
fn readiness(path: &str, requested: &str) -> bool {
    match path.strip_suffix("/livez") {
        Some(dir) => requested.strip_prefix(dir) == Some("/readyz"),
        None => requested.strip_prefix(path) == Some("/ready"),
    }
}

/// The answer to `check` from `judge`: 200 when alive (started), 503 when
/// not; JSON when asked for (but `/metrics`, always the Prometheus text).
pub(crate) fn answer(judge: &dyn Judge, check: Check, json: bool) -> Response {
    let json = json && check != Check::Metrics;
    let (ok, body) = judge.report(check, json);
    Response {
        status: if ok { 200 } else { 503 },
        content_type: match check {
            Check::Metrics => METRICS,
            _ if json => JSON,
            _ => TEXT,
        },
        body,
    }
}

/// Whether the value of an `Accept` header lists `application/json` (and
/// not with `q=0`). Wildcards (`*/*`, the kubelet's) get the plain lines.
pub(crate) fn accepts_json(accept: &[u8]) -> bool {
    accept.split(|b| *b == b',').any(|range| {
        let mut parts = range.split(|b| *b == b';');
        let media = parts.next().unwrap_or_default().trim_ascii();
        media.eq_ignore_ascii_case(b"application/json")
            && !parts.any(|param| refuses(param.trim_ascii()))
    })
}

/// Whether a media-range parameter is a zero weight: `q=0`, `q=0.000`.
fn refuses(param: &[u8]) -> bool {
    match param {
        [b'q' | b'Q', b'=', b'0', rest @ ..] => rest.iter().all(|b| *b == b'.' || *b == b'0'),
        _ => false,
    }
}

/// The answer to a `GET` (or `HEAD`) of a path, from [`Probe::respond`]:
/// what the built-in server sends, for a service's own router to send.
#[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Response {
    /// The answer to a path that is not answered: 404, `not found`.
    pub(crate) fn not_found() -> Response {
        Response {
            status: 404,
            content_type: TEXT,
            body: NOT_FOUND.to_owned(),
        }
    }

    /// The HTTP status code: 200, 503 (dead, or not started) or 404.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `Content-Type`: `text/plain; charset=utf-8`,
    /// `application/json`, or for `/metrics` the Prometheus text format's
    /// `text/plain; version=0.0.4; charset=utf-8`.
    pub fn content_type(&self) -> &str {
        self.content_type
    }

    /// The body: the probe's lines, its `--json` document, or the
    /// Prometheus samples; every byte of outside text in it escaped.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> String {
        self.body
    }
}

impl Probe {
    /// Answers `path` as the built-in server answers a `GET` of it, for a
    /// service that serves its probes on its own router (axum, hyper,
    /// actix, ...): send [`status`](Response::status),
    /// [`content_type`](Response::content_type) and
    /// [`body`](Response::body) as they are, with `Cache-Control: no-store`.
    /// `accept` is the request's `Accept` header, if any.
    ///
    /// | path | answer |
    /// |---|---|
    /// | `/livez` ([`http_path`](Probe::http_path)) | 200 when every component is alive, 503 when any is dead; one line per component, or the `--json` document when `accept` lists `application/json` |
    /// | `/livez/startup` | the same for the startup question (`--startup`): 200 once every component has beaten |
    /// | `/readyz` | the same for the readiness question (`--ready`): 200 while every component is started, alive, not [`unready`](crate::Liveness::unready) and not [draining](crate::drain) |
    /// | `/metrics` | 200 and the Prometheus text (see [`metrics`](Probe::metrics)), whatever the verdicts |
    /// | anything else | 404, `not found` |
    ///
    /// The query, if any, is ignored. Verdicts are judged at the call, as
    /// [`serve_http`](Probe::serve_http) judges them (from the writers'
    /// memory for this process's components; a pool of more than 32
    /// instances summarised), but not reused between calls: the built-in
    /// server reuses an answer for 20 ms, a router can rate-limit as it
    /// likes. Methods other than `GET` and `HEAD` are the router's to
    /// refuse (the built-in server answers 405).
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "90s", path = "/tmp/liveness-doc-respond/worker")]
    /// struct Worker;
    ///
    /// Worker::beat_now()?;
    /// let probe = Probe::new([Component::of::<Worker>()]);
    ///
    /// let response = probe.respond("/livez", None);
    /// assert_eq!(response.status(), 200);
    /// assert_eq!(response.content_type(), "text/plain; charset=utf-8");
    /// assert!(response.body().starts_with("worker: alive: last heartbeat "));
    ///
    /// let json = probe.respond("/livez", Some("application/json"));
    /// assert!(json.body().starts_with(r#"{"alive":true,"started":true,"#));
    /// assert_eq!(probe.respond("/nope", None).status(), 404);
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-respond")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "probe")))]
    pub fn respond(&self, path: &str, accept: Option<&str>) -> Response {
        match route(self.http_path, path) {
            Some(check) => answer(
                self,
                check,
                accept.is_some_and(|a| accepts_json(a.as_bytes())),
            ),
            None => Response::not_found(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_under_its_base_and_nothing_else_is() {
        assert_eq!(route("/livez", "/livez"), Some(Check::Liveness));
        assert_eq!(route("/livez", "/livez?verbose"), Some(Check::Liveness));
        assert_eq!(route("/livez", "/livez/startup"), Some(Check::Startup));
        assert_eq!(route("/livez", "/metrics"), Some(Check::Metrics));
        assert_eq!(route("/healthz", "/healthz/startup"), Some(Check::Startup));
        for path in [
            "",
            "/",
            "/livez/",
            "/livezz",
            "/metrics/",
            "/healthz",
            "livez",
        ] {
            assert_eq!(route("/livez", path), None, "{path:?}");
        }
    }

    #[test]
    fn json_is_what_accept_lists_without_a_zero_weight() {
        assert!(accepts_json(b"application/json"));
        assert!(accepts_json(b"text/html, Application/JSON ; q=0.5"));
        assert!(!accepts_json(b"application/json;q=0"));
        assert!(!accepts_json(b"*/*"));
        assert!(!accepts_json(b""));
    }

    #[test]
    fn readiness_sits_beside_the_liveness_path_and_nothing_else_matches() {
        let of = |requested, path| route(path, requested);
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
        // What `--k8s --ready --http` prints is what the route answers.
        for base in [
            "/livez",
            "/api/livez",
            "/health",
            "/a/livez/x",
            "/livez/livez",
        ] {
            let ready = readiness_path(base);
            assert_eq!(
                route(base, &ready),
                Some(Check::Readiness),
                "{base} {ready}"
            );
        }
    }
}
