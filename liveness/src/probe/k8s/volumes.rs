//! The heartbeat directories' mounts and volumes.

use std::path::Path;

use crate::{Component, escape};

/// The `volumeMounts` and `volumes` for the components' heartbeat
/// directories, and a warning per heartbeat that has no directory to
/// mount (one at `/`) or one YAML cannot name (not UTF-8).
pub(super) fn of(components: &[Component]) -> (String, Vec<String>) {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    let mut warnings = Vec::new();
    for c in components {
        let path = c.path();
        match path
            .parent()
            .filter(|dir| *dir != Path::new("/") && !dir.as_os_str().is_empty())
        {
            Some(dir) if dirs.iter().any(|d| d == dir) => {}
            Some(dir) if dir.to_str().is_none() => warnings.push(format!(
                "warning: {}'s heartbeat directory {} is not UTF-8, which YAML cannot hold: \
                 mount it yourself",
                escape::text(c.name()),
                escape::path(dir)
            )),
            Some(dir) => dirs.push(dir.to_owned()),
            None => warnings.push(format!(
                "warning: {}'s heartbeat {} has no directory of its own to mount",
                escape::text(c.name()),
                escape::path(&path)
            )),
        }
    }
    if dirs.is_empty() {
        return (String::new(), warnings);
    }
    let name = |i: usize| match i {
        0 => "liveness".to_owned(),
        i => format!("liveness-{}", i + 1),
    };
    let mut yaml = "# The heartbeat directories, in memory, kept across container restarts:\n\
                    volumeMounts:\n"
        .to_owned();
    for (i, dir) in dirs.iter().enumerate() {
        // UTF-8, as checked above: JSON quotes whatever else it holds.
        let dir = serde_json::to_string(&dir.to_string_lossy()).unwrap_or_default();
        yaml += &format!("- name: {}\n  mountPath: {dir}\n", name(i));
    }
    yaml += "# In the pod's spec, beside `containers`:\nvolumes:\n";
    for i in 0..dirs.len() {
        yaml += &format!(
            "- name: {}\n  emptyDir:\n    medium: Memory\n    sizeLimit: 1Mi\n",
            name(i)
        );
    }
    (yaml, warnings)
}
