//! The `readinessProbe` of `--k8s --ready`: `--ready`, `httpGet` of the
//! readiness path, or the `grpc` service `"readiness"`.
//!
//! Its timings differ from the liveness probe's on purpose. Leaving the
//! Service's endpoints costs nothing and coming back is as cheap, so one
//! failed check takes the pod out and one passed check brings it back
//! (`failureThreshold: 1`, `successThreshold: 1`), and the period is short
//! (at most 5 s): a component that says `unready` stops getting traffic
//! within one period. A restart costs the container, so the liveness probe
//! waits for three failures of a longer period.

/// The longest `periodSeconds` of the readiness probe.
const MAX_PERIOD: u64 = 5;

/// How the readiness probe asks: the liveness probe's `exec` action (its
/// YAML, given `--ready` here), `httpGet` of the liveness `path` on `port`,
/// or the `grpc` service `"readiness"` on `port`.
pub(in crate::probe) enum Ask<'a> {
    Exec(String),
    Http { path: &'a str, port: u16 },
    Grpc { port: u16 },
}

/// The readiness probe, beside a liveness probe of `period` seconds.
pub(in crate::probe) fn block(ask: Ask<'_>, period: u64) -> String {
    let period = period.clamp(1, MAX_PERIOD);
    let action = match ask {
        Ask::Http { path: live, port } => {
            let path = serde_json::to_string(&path(live)).unwrap_or_default();
            format!("  httpGet:\n    path: {path}\n    port: {port}\n")
        }
        Ask::Grpc { port } => format!("  grpc:\n    port: {port}\n    service: \"readiness\"\n"),
        Ask::Exec(exec) => match exec.strip_suffix("]\n") {
            Some(command) => format!("{command},\"--ready\"]\n"),
            None => exec,
        },
    };
    let mut text = format!(
        "# A component that says unready (or a draining process) leaves the Service's\n\
         # endpoints within periodSeconds x failureThreshold = {period}s x 1 and comes\n\
         # back within {period}s of saying ready: leaving costs nothing, unlike a restart,\n\
         # so one check decides, where the livenessProbe waits for 3. Unready is never\n\
         # restarted.\n"
    );
    text += &format!(
        "readinessProbe:\n{action}  \
           periodSeconds: {period}\n  \
           timeoutSeconds: 1\n  \
           failureThreshold: 1\n  \
           successThreshold: 1\n"
    );
    text
}

/// The readiness path of a server on `path`, as the HTTP routes answer it (and
/// `--k8s --ready --http` prints it): `/readyz` beside a path ending in
/// `/livez`, else `path` + `/ready`.
pub(crate) fn path(path: &str) -> String {
    match path.strip_suffix("/livez") {
        Some(dir) => format!("{dir}/readyz"),
        None => format!("{path}/ready"),
    }
}
