//! Logging on stderr, set up from `RUST_LOG`, else `LOG_LEVEL`, else `warn`.
//!
//! The probe logs nothing at `warn` or above (verdicts go to stdout), so
//! without either variable no logger is installed: that is the kubelet's
//! case, run every few seconds in every pod. No environment value may make
//! the probe outrun its `timeoutSeconds`: parsing a filter costs time in
//! the number of directives, so a `RUST_LOG` over [`MAX_SPEC_LEN`] bytes or
//! [`MAX_DIRECTIVES`] directives is ignored, with a warning.

use std::io::Write;

/// The longest `RUST_LOG` honoured, in bytes.
pub(super) const MAX_SPEC_LEN: usize = 1024;

/// The most `RUST_LOG` directives honoured.
pub(super) const MAX_DIRECTIVES: usize = 32;

/// Installs the logger the environment asks for; warnings about the
/// environment itself go to `err`.
pub(super) fn init(err: &mut dyn Write) {
    let rust_log = std::env::var_os("RUST_LOG").filter(|v| !v.is_empty());
    let log_level = std::env::var_os("LOG_LEVEL").filter(|v| !v.is_empty());
    if rust_log.is_none() && log_level.is_none() {
        return;
    }
    let mut builder = env_logger::Builder::new();
    builder.filter_level(log::LevelFilter::Warn);
    let spec = rust_log.and_then(|spec| {
        let spec = spec.to_string_lossy().into_owned();
        let directives = spec.split(',').count();
        if spec.len() <= MAX_SPEC_LEN && directives <= MAX_DIRECTIVES {
            return Some(spec);
        }
        let _ = writeln!(
            err,
            "warning: RUST_LOG ignored: {} bytes and {directives} directives, \
             more than the {MAX_SPEC_LEN} bytes or {MAX_DIRECTIVES} directives a probe reads",
            spec.len()
        );
        None
    });
    if let Some(spec) = spec {
        builder.parse_filters(&spec);
    } else if let Some(level) = log_level {
        builder.filter_level(python_level(&level.to_string_lossy()));
    }
    let _ = builder.try_init();
}

/// The prior art's `LOG_LEVEL` names (Python's `logging`) as a level filter.
fn python_level(name: &str) -> log::LevelFilter {
    match name.trim().to_ascii_uppercase().as_str() {
        "NOTSET" | "TRACE" => log::LevelFilter::Trace,
        "DEBUG" | "10" => log::LevelFilter::Debug,
        "INFO" | "20" => log::LevelFilter::Info,
        "ERROR" | "CRITICAL" | "FATAL" | "40" | "50" => log::LevelFilter::Error,
        "OFF" => log::LevelFilter::Off,
        _ => log::LevelFilter::Warn, // WARNING, WARN, 30, and anything unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_level_names_map_to_log_levels() {
        assert_eq!(python_level("DEBUG"), log::LevelFilter::Debug);
        assert_eq!(python_level("info"), log::LevelFilter::Info);
        assert_eq!(python_level("WARNING"), log::LevelFilter::Warn);
        assert_eq!(python_level("CRITICAL"), log::LevelFilter::Error);
        assert_eq!(python_level("nonsense"), log::LevelFilter::Warn);
    }
}
