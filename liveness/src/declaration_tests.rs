//! The rules a declaration owns: its files, its limits, its writer's bond.

use std::{borrow::Cow, path::PathBuf, time::Duration};

use super::{Declaration, instance_index};

const MINUTE: Duration = Duration::from_secs(60);

fn declared(env: Option<&'static str>, max_extend: Option<Duration>) -> Declaration {
    Declaration::declared(
        "worker",
        ("/run/hb/worker", env),
        MINUTE,
        2 * MINUTE,
        max_extend,
    )
}

#[test]
fn an_instance_and_the_pool_are_files_beside_the_heartbeat() {
    let d = declared(None, None);
    assert_eq!(d.file(None), PathBuf::from("/run/hb/worker"));
    assert_eq!(d.file(Some(0)), PathBuf::from("/run/hb/worker.0"));
    assert_eq!(d.file(Some(17)), PathBuf::from("/run/hb/worker.17"));
    assert_eq!(d.pool_file(), PathBuf::from("/run/hb/worker.pool"));
    assert_eq!(d.label(Some(17)), "worker[17]");
}

#[test]
fn the_environment_override_moves_every_file() {
    // `PATH` is set wherever tests run; an unset variable keeps the path.
    let path = PathBuf::from(std::env::var_os("PATH").unwrap());
    let d = declared(Some("PATH"), None);
    assert_eq!(d.file(None), path);
    let mut pool = path.into_os_string();
    pool.push(".pool");
    assert_eq!(d.pool_file(), PathBuf::from(pool));
    let unset = declared(Some("LIVENESS_TEST_NEVER_SET"), None);
    assert_eq!(unset.file(Some(1)), PathBuf::from("/run/hb/worker.1"));
}

#[test]
fn a_type_without_max_extend_refuses_extensions_and_honours_none() {
    let d = declared(None, None);
    assert_eq!(d.max_extend(), None);
    assert_eq!(d.limits().max_extend, Some(Duration::ZERO));
    let d = declared(None, Some(MINUTE));
    assert_eq!(
        (d.max_extend(), d.limits().max_extend),
        (Some(MINUTE), Some(MINUTE))
    );
    assert_eq!(d.limits().startup_grace, 2 * MINUTE);
}

#[test]
fn a_run_time_component_honours_extensions_as_recorded_unless_bounded() {
    let d = Declaration::fixed(Cow::Borrowed("w"), "/w".into(), MINUTE);
    assert_eq!(d.limits().max_extend, None);
    assert_eq!(d.limits().startup_grace, MINUTE);
    assert_eq!(d.max_extend(), None); // nothing to write with
    let d = d.with_max_extend(MINUTE);
    assert_eq!(d.limits().max_extend, Some(MINUTE));
}

#[test]
fn a_bare_timestamp_expects_any_owner_until_named() {
    let d = Declaration::anonymous("w".into(), "/w".into(), MINUTE);
    assert_eq!(d.expect(None).name, None);
    let d = d.owned_by("worker".into());
    assert_eq!(d.expect(Some(2)).name, Some("worker"));
    assert_eq!(d.expect(Some(2)).instance, Some(2));
}

#[test]
fn one_writer_serves_one_name_and_one_declared_path() {
    let d = declared(None, None);
    assert!(d.same_writer(&declared(None, Some(MINUTE))));
    assert!(!d.same_writer(&declared(Some("PATH"), None)));
    let other = Declaration::declared("other", ("/run/hb/worker", None), MINUTE, MINUTE, None);
    assert!(!d.same_writer(&other));
}

#[test]
fn only_a_canonical_index_names_an_instance_file() {
    assert_eq!(instance_index(b"w", b"w.3"), Some(3));
    assert_eq!(instance_index(b"w", b"w.4294967295"), Some(u32::MAX));
    for other in [
        &b"w.03"[..],
        b"w.+3",
        b"w.pool",
        b"w.",
        b"w3",
        b"wx.3",
        b"w.4294967296",
    ] {
        assert_eq!(
            instance_index(b"w", other),
            None,
            "{}",
            other.escape_ascii()
        );
    }
}
