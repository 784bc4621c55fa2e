//! What a writer must never do: follow a symbolic link anywhere in the path,
//! overwrite a file that is not a heartbeat, leave temporary files behind,
//! open a FIFO or a device, or write one component's beats to another's
//! file.

mod common;

use std::{
    fs,
    path::Path,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, SystemTime},
};

use liveness::{Error, Heartbeat, Liveness, Timestamp};

const MAX_AGE: Duration = Duration::from_secs(90);

/// 2000 lines of data someone cares about.
fn precious(path: &Path) -> Vec<u8> {
    let data: String = (1..=2000).map(|n| format!("{n}\n")).collect();
    fs::write(path, &data).unwrap();
    data.into_bytes()
}

#[test]
fn a_symlinked_parent_directory_is_never_followed() {
    let dir = common::scratch();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let kept = precious(&data.join("worker"));
    std::os::unix::fs::symlink(&data, dir.path().join("liveness")).unwrap();
    let path = dir.path().join("liveness/worker");

    let error = Timestamp::create(&path, MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::Symlink { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "refusing to write heartbeat {}: {} is a symbolic link",
            common::shown(&path),
            common::shown(&dir.path().join("liveness"))
        )
    );
    assert_eq!(fs::read(data.join("worker")).unwrap(), kept);

    // Nor is a missing directory created through one.
    let error = Timestamp::create(dir.path().join("liveness/new/worker"), MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::Symlink { .. }), "{error:?}");
    assert!(!data.join("new").exists());
}

#[test]
fn the_example_service_leaves_a_file_behind_a_symlinked_parent_alone() {
    let dir = common::scratch();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let kept = precious(&data.join("worker"));
    std::os::unix::fs::symlink(&data, dir.path().join("liveness")).unwrap();
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_worker"))
        .env("WORKER_LIVENESS_PATH", dir.path().join("liveness/worker"))
        .env("INDEXER_LIVENESS_PATH", dir.path().join("indexer"))
        .args(["--period", "20"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    worker.kill().unwrap();
    let out = worker.wait_with_output().unwrap();
    assert_eq!(fs::read(data.join("worker")).unwrap(), kept);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is a symbolic link"),
        "the service says why: {stderr}"
    );
}

#[test]
fn a_parent_swapped_for_a_symlink_mid_write_never_redirects_it() {
    // One thread swaps a real directory and a symlink to the precious data
    // back and forth (renameat2 RENAME_EXCHANGE) while another writes.
    let dir = common::scratch();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let kept = precious(&data.join("worker"));
    let real = dir.path().join("liveness");
    fs::create_dir(&real).unwrap();
    let link = dir.path().join("swap");
    std::os::unix::fs::symlink(&data, &link).unwrap();
    // The real directory, whatever its name at the moment.
    let real_dir = rustix::fs::open(
        &real,
        rustix::fs::OFlags::DIRECTORY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let stop = AtomicBool::new(false);
    let (mut written, mut refused) = (0, 0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let _ = rustix::fs::renameat_with(
                    rustix::fs::CWD,
                    &real,
                    rustix::fs::CWD,
                    &link,
                    rustix::fs::RenameFlags::EXCHANGE,
                );
            }
        });
        for _ in 0..20_000 {
            let _ = rustix::fs::unlinkat(&real_dir, "worker", rustix::fs::AtFlags::empty());
            match Timestamp::create(real.join("worker"), MAX_AGE) {
                Ok(_) => written += 1,
                Err(_) => refused += 1,
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(
        fs::read(data.join("worker")).unwrap(),
        kept,
        "the data behind the link was written"
    );
    assert!(
        written > 0 && refused > 0,
        "{written} written, {refused} refused: the race did not run"
    );
}

#[test]
fn a_file_that_is_not_a_heartbeat_is_never_overwritten() {
    let dir = common::scratch();
    let path = dir.path().join("precious");
    let kept = precious(&path);
    let error = Timestamp::create(&path, MAX_AGE).unwrap_err();
    assert!(matches!(error, Error::NotAHeartbeat { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "refusing to write heartbeat {}: the file is not a heartbeat; left untouched",
            common::shown(&path)
        )
    );
    assert_eq!(fs::read(&path).unwrap(), kept);

    // Nor by the example service, whose env override points at it.
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_worker"))
        .env("WORKER_LIVENESS_PATH", &path)
        .env("INDEXER_LIVENESS_PATH", dir.path().join("indexer"))
        .args(["--period", "20"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(fs::read(&path).unwrap(), kept);

    // Heartbeats of every kind are written over: the first format's, the
    // prior art's float, an empty file.
    let first_format = b"liveness/1 at=2026-11-25T05:33:13.653893694Z boot=f86e3547-df5a-488c-8a65-76d77dfd2159 up=00000000759.746978020 inc=00000000effffff8:000000000000000e pid=0000003073 crc=8b3e3126\n";
    for previous in [&first_format[..], b"1764048062.5\n", b""] {
        fs::write(&path, previous).unwrap();
        Timestamp::create(&path, MAX_AGE).unwrap();
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .starts_with("liveness/3 ")
        );
    }
}

#[test]
fn stale_temporary_files_of_a_killed_writer_are_cleared() {
    let dir = common::scratch();
    let path = dir.path().join("worker");
    // What a writer killed between creating and linking its file leaves.
    let stale = dir.path().join(".worker.77.0.tmp");
    let fresh = dir.path().join(".worker.78.0.tmp"); // a writer creating now
    let other = dir.path().join(".indexer.77.0.tmp"); // another component's
    for temp in [&stale, &fresh, &other] {
        fs::write(temp, b"").unwrap();
    }
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for temp in [&stale, &other] {
        fs::File::options()
            .write(true)
            .open(temp)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
    }
    Timestamp::create(&path, MAX_AGE).unwrap();
    assert!(!stale.exists(), "a stale temporary file was left");
    assert!(fresh.exists(), "a writer's fresh temporary file was taken");
    assert!(other.exists(), "another component's file was taken");
}

#[test]
fn a_fifo_or_a_device_at_the_path_is_refused_without_blocking() {
    let dir = common::scratch();
    let fifo = dir.path().join("worker");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for path in [fifo.as_path(), Path::new("/dev/null")] {
        let error = Timestamp::create(path, MAX_AGE).unwrap_err();
        assert!(
            matches!(error, Error::NotRegularFile { .. }),
            "{path:?}: {error:?}"
        );
    }
}

#[test]
fn a_time_outside_rfc3339_is_an_error() {
    let dir = common::scratch();
    let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
    let error = Timestamp::create_at(dir.path().join("worker"), MAX_AGE, before_1970).unwrap_err();
    assert!(matches!(error, Error::InvalidTime { .. }), "{error:?}");
    assert!(!dir.path().join("worker").exists());
}

mod first {
    #[derive(liveness::Liveness)]
    #[liveness(max_age = "90s", env = "SAME_NAME_PATH")]
    pub struct Worker;
}

mod second {
    #[derive(liveness::Liveness)]
    #[liveness(max_age = "90s", env = "SAME_NAME_PATH")]
    pub struct Worker;
}

#[test]
fn two_components_of_one_process_never_share_a_file() {
    // Both read the one variable: one file.
    common::in_own_dir!(
        two_components_of_one_process_never_share_a_file,
        first::Worker
    );
    first::Worker::beat_now().unwrap();
    let error = second::Worker::beat_now().unwrap_err();
    assert!(matches!(error, Error::PathTaken { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "heartbeat {} is already written by component worker of this process: give each component its own path",
            common::shown(&first::Worker::path())
        )
    );
    first::Worker::beat_now().unwrap();
}

/// The documented hand-written impl, made generic: one `static` for every
/// instantiation.
struct Generic<const N: usize>;

impl<const N: usize> Liveness for Generic<N> {
    const NAME: &'static str = "generic";
    const MAX_AGE: Duration = Duration::from_secs(90);
    const PATH: &'static str = "/tmp/liveness/generic";
    const PATH_ENV: Option<&'static str> = Some(if N == 1 {
        "GENERIC_1_PATH"
    } else {
        "GENERIC_2_PATH"
    });

    fn heartbeat() -> &'static Heartbeat {
        static HEARTBEAT: Heartbeat = Heartbeat::new();
        &HEARTBEAT
    }
}

#[test]
fn a_writer_shared_by_two_declarations_refuses_rather_than_write_the_wrong_file() {
    common::in_own_dir!(
        a_writer_shared_by_two_declarations_refuses_rather_than_write_the_wrong_file,
        Generic<1>,
        Generic<2>
    );
    Generic::<1>::beat_now().unwrap();
    let error = Generic::<2>::beat_now().unwrap_err();
    assert!(matches!(error, Error::SharedWriter { .. }), "{error:?}");
    assert!(
        !Generic::<2>::path().exists(),
        "nothing written for the second"
    );
    // Throttled beats too: the first one due is refused.
    assert!(matches!(
        Generic::<2>::beat(),
        Err(Error::SharedWriter { .. })
    ));
    let record = fs::read_to_string(Generic::<1>::path()).unwrap();
    assert!(record.contains(" name=\"generic\" "), "{record}");
}
