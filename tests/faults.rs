//! Writer faults: a full disk, a read-only file system, no permission. Each
//! is an error naming the path, never a panic, and the service goes on.
//!
//! The file-system cases mount a small tmpfs, which needs root: they are
//! ignored by default and run by `.ci/run` (`cargo test --test faults --
//! --ignored`), where they fail if they cannot mount.

mod common;

use std::{fs, io::Write, path::Path, process::Command, time::Duration};

use liveness::{Component, Error, Liveness, Probe, Timestamp};

const MAX_AGE: Duration = Duration::from_secs(90);

/// A tmpfs of `size` mounted on a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: common::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = common::scratch();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot mount a tmpfs: these tests need root");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Fills the file system; returns the filler to delete later.
    fn fill(&self) -> std::path::PathBuf {
        let filler = self.path().join("filler");
        let mut file = fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// A component whose heartbeat a test moves onto its tmpfs: its own
/// directory, where the test mounts one.
#[derive(Liveness)]
#[liveness(max_age = "1s", env = "FAILING_PATH")]
struct Failing;

fn os_error(error: &Error) -> Option<i32> {
    match error {
        Error::Write { source, .. } | Error::CreateDir { source, .. } => source.raw_os_error(),
        _ => None,
    }
}

#[test]
#[ignore = "needs root: mounts a tmpfs"]
fn a_full_disk_is_an_error_and_beats_resume_when_space_returns() {
    let fs = Tmpfs::mount("64k");
    let path = fs.path().join("worker");
    let filler = fs.fill();
    let error = Timestamp::create(&path, MAX_AGE).unwrap_err();
    assert_eq!(os_error(&error), Some(28), "ENOSPC expected: {error:?}");
    assert!(
        error.to_string().starts_with(&format!(
            "cannot write heartbeat {}: ",
            common::shown(&path)
        )),
        "{error}"
    );
    assert!(
        error.to_string().contains("No space left on device"),
        "{error}"
    );
    // Nothing half-made is left at the path.
    assert!(!path.exists());

    fs::remove_file(&filler).unwrap();
    Timestamp::create(&path, MAX_AGE).unwrap();
    assert!(Timestamp::byref(&path, MAX_AGE).alive());
}

#[test]
#[ignore = "needs root: mounts a tmpfs"]
fn an_existing_heartbeat_keeps_beating_on_a_full_disk() {
    // Rewrites in place need no new blocks.
    let fs = Tmpfs::mount("64k");
    let path = fs.path().join("worker");
    Timestamp::create(&path, MAX_AGE).unwrap();
    fs.fill();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    Timestamp::create_at(&path, MAX_AGE, an_hour_ago).unwrap();
    assert!(!Timestamp::byref(&path, MAX_AGE).alive());
    Timestamp::create(&path, MAX_AGE).unwrap();
    assert!(Timestamp::byref(&path, MAX_AGE).alive());
}

#[test]
#[ignore = "needs root: mounts a tmpfs"]
fn a_read_only_file_system_is_an_error() {
    let fs = Tmpfs::mount("64k");
    let path = fs.path().join("worker");
    Timestamp::create(&path, MAX_AGE).unwrap();
    fs.remount("ro");
    let error = Timestamp::create(&path, MAX_AGE).unwrap_err();
    assert_eq!(os_error(&error), Some(30), "EROFS expected: {error:?}");
    assert!(
        error.to_string().contains("Read-only file system"),
        "{error}"
    );
    let error = Timestamp::create(fs.path().join("sub/worker"), MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::CreateDir { .. }), "{error:?}");
    assert_eq!(os_error(&error), Some(30));
    fs.remount("rw");
}

#[test]
fn a_service_without_permission_reports_the_error_and_keeps_running() {
    let dir = common::open_scratch();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let mut cmd = Command::new(common::runnable_copy(
        env!("CARGO_BIN_EXE_worker"),
        dir.path(),
    ));
    cmd.env("WORKER_LIVENESS_PATH", locked.join("worker"))
        .env("INDEXER_LIVENESS_PATH", locked.join("indexer"))
        .args(["--period", "20"])
        .stderr(std::process::Stdio::piped());
    // Root writes anywhere: run the service as `nobody` then.
    if common::is_root() {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    }
    let mut worker = common::spawn(&mut cmd);
    std::thread::sleep(Duration::from_millis(500));
    let still_running = worker.try_wait().unwrap().is_none();
    worker.kill().unwrap();
    let out = worker.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(still_running, "the service stopped: {stderr}");
    let expected = format!(
        "worker: cannot write heartbeat {}: Permission denied",
        common::shown(&locked.join("worker"))
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

#[test]
#[ignore = "needs root: mounts a tmpfs"]
fn a_failure_whose_write_failed_is_dead_at_once_and_lands_once_it_can() {
    common::in_own_dir!(
        a_failure_whose_write_failed_is_dead_at_once_and_lands_once_it_can,
        Failing
    );
    let path = Failing::path();
    let mnt = path.parent().unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(mnt)
        .status()
        .unwrap();
    assert!(ok.success(), "cannot mount a tmpfs: this test needs root");
    let server = Probe::new([Component::of::<Failing>()])
        .serve_http("127.0.0.1:0")
        .unwrap();
    let livez = || common::http::raw(server.local_addr(), b"GET /livez HTTP/1.0\r\n\r\n");
    // A full disk: the failure's file cannot be created.
    let filler = mnt.join("filler");
    let mut file = fs::File::create(&filler).unwrap();
    while file.write_all(&[0u8; 4096]).is_ok() {}
    drop(file);
    let error = Failing::fail("lost the schema").unwrap_err();
    assert_eq!(os_error(&error), Some(28), "ENOSPC expected: {error:?}");
    // Dead from memory at once; no later write makes it alive.
    let answer = livez();
    let body = String::from_utf8_lossy(&answer.body).into_owned();
    assert_eq!(answer.code, 503, "{body}");
    assert!(body.contains("failed: lost the schema"), "{body}");
    assert!(matches!(Failing::beat_now(), Err(Error::Failed { .. })));
    Failing::beat().unwrap();
    fs::remove_file(&filler).unwrap();
    // The next due beat writes the failure.
    std::thread::sleep(Duration::from_millis(150));
    Failing::beat().unwrap();
    let status = Timestamp::byref(&path, Failing::MAX_AGE)
        .with_name("failing")
        .check();
    assert!(
        status
            .to_string()
            .starts_with("failing: dead: failed: lost the schema"),
        "{status}"
    );
    assert_eq!(livez().code, 503);
    drop(server);
    let _ = Command::new("umount").arg("-l").arg(mnt).status();
}

/// A component whose heartbeat's write fails after one landed.
#[derive(Liveness)]
#[liveness(max_age = "60s", startup_grace = "0s", env = "UNWRITTEN_PATH")]
struct Unwritten;

#[test]
#[ignore = "needs root: mounts a tmpfs"]
fn a_write_that_failed_leaves_the_server_judging_from_the_file() {
    common::in_own_dir!(
        a_write_that_failed_leaves_the_server_judging_from_the_file,
        Unwritten
    );
    let path = Unwritten::path();
    let mnt = path.parent().unwrap();
    let fs = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(mnt)
        .status()
        .unwrap();
    assert!(fs.success(), "cannot mount a tmpfs: this test needs root");
    let probe = Probe::new([Component::of::<Unwritten>()]);
    let server = probe.serve_http("127.0.0.1:0").unwrap();
    let livez = || {
        let answer = common::http::raw(server.local_addr(), b"GET /livez HTTP/1.0\r\n\r\n");
        (
            answer.code,
            String::from_utf8_lossy(&answer.body).into_owned(),
        )
    };
    Unwritten::beat_now().unwrap();
    assert_eq!(livez().0, 200);
    // The file deleted, and the disk full: the next write cannot create it.
    fs::remove_file(&path).unwrap();
    let filler = mnt.join("filler");
    let mut file = fs::File::create(&filler).unwrap();
    while file.write_all(&[0u8; 4096]).is_ok() {}
    drop(file);
    // Past the writer's look at its path (once a second): it creates the
    // file again, and cannot.
    std::thread::sleep(Duration::from_millis(1100));
    let error = Unwritten::beat_now().unwrap_err();
    assert_eq!(os_error(&error), Some(28), "ENOSPC expected: {error:?}");
    // The last write that landed is not in the file any more: both judge
    // the file, which is not there.
    let files = probe.statuses()[0].to_string();
    let (code, body) = livez();
    let missing = "unwritten: dead: no heartbeat since ";
    assert!(files.starts_with(missing), "{files}");
    assert_eq!(code, 503, "{body}");
    assert!(body.starts_with(missing), "{body}");
    drop(server);
    let _ = Command::new("umount").arg("-l").arg(mnt).status();
}
