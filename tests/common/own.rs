//! A derived component's heartbeat in a directory of its own, and what a
//! probe says of it.

use std::{path::PathBuf, process::Command};

use liveness::Probe;

use super::scratch;

/// The variable that tells a test's own process where its directory is.
const DIR_VAR: &str = "LIVENESS_TEST_OWN_DIR";

/// Gives the test `test` (its name, as `cargo test` lists it) a directory of
/// its own for the derived components whose `env` variables are `vars`
/// (their `PATH_ENV`): each test, each run its own files, so that two runs
/// at once never collide and a failure (sticky per container) never
/// outlives its run.
///
/// A variable can only be set before a process starts (this workspace
/// forbids `unsafe`, which `set_var` needs), so the test runs again in a
/// process of its own, the variables set to `<fresh directory>/<file>`
/// (`WORKER_PATH` names `worker`). In the calling process this waits for
/// that run, fails with its output if it failed, and returns `None`: return
/// at once. In the test's own process it returns the directory.
pub fn own_dir(test: &str, vars: &[Option<&str>]) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DIR_VAR) {
        return Some(PathBuf::from(dir));
    }
    let dir = scratch();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--include-ignored", "--nocapture"])
        .env(DIR_VAR, dir.path());
    for var in vars {
        let var = var.expect("a component without `env`: a test cannot move its file");
        cmd.env(var, dir.path().join(file_name(var)));
    }
    let out = cmd.output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // What the test printed, shown as its own would be (`--nocapture`).
    eprint!("{stderr}");
    assert!(
        out.status.success() && said.contains("test result: ok. 1 passed"),
        "{test}, in a process of its own (its stderr above):\n{said}"
    );
    None
}

/// `in_own_dir!(test_name, Component, ...)`: the rest of the test runs in a
/// process of its own, the components' heartbeats in a fresh directory (see
/// [`own_dir`]); here, the test returns once that run passed.
#[allow(unused_macros)] // each test file uses its own subset
macro_rules! in_own_dir {
    ($test:ident $(, $component:ty)* $(,)?) => {
        if crate::common::own_dir(
            stringify!($test),
            &[$(<$component as liveness::Liveness>::PATH_ENV),*],
        )
        .is_none()
        {
            return;
        }
    };
}
pub(crate) use in_own_dir;

/// What `probe` says of each component now, one line each.
pub fn lines(probe: &Probe) -> Vec<String> {
    probe.statuses().iter().map(ToString::to_string).collect()
}

/// The lines of a probe's output or an HTTP body.
pub fn text_lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// A probe judging one component, `consumer` (max age 60 s), whose heartbeat
/// is `<dir>/consumer`.
pub fn consumer(dir: &std::path::Path) -> Probe {
    Probe::new([liveness::Component::new(
        "consumer",
        dir.join("consumer"),
        std::time::Duration::from_secs(60),
    )])
}

/// The file a component's variable points at: `SAME_NAME_PATH` names
/// `same-name`.
fn file_name(var: &str) -> String {
    var.trim_end_matches("_PATH")
        .to_lowercase()
        .replace('_', "-")
}
