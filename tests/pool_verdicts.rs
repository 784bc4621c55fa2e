//! A pool as the probe judges it from the files: a probe never judges
//! nothing in silence, and a pool never hides a worker.

mod common;

use std::process::ExitCode;

use common::{
    consumer, lines,
    record::{body, record_now, seal, set},
};
use liveness::{Probe, Verdict};

/// A record of `consumer` (instance `inst`, `-` for the type) in `state`
/// (`beating`, `pool size=N`, `failed why="..."`), written now by this
/// process, in this container.
fn record(inst: &str, state: &str) -> Vec<u8> {
    let body = body(&record_now(0.0, 0.0));
    let body = set(&body, "name", "\"consumer\"");
    let body = set(&body, "inst", inst);
    let body = body.replace(" state=beating", &format!(" state={state}"));
    seal(&body)
}

#[test]
fn a_pool_record_of_size_0_is_one_dead_line_saying_why() {
    let dir = common::scratch();
    std::fs::write(dir.path().join("consumer.pool"), record("-", "pool size=0")).unwrap();
    let probe = consumer(dir.path());
    let statuses = probe.statuses();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(statuses[0].verdict(), Verdict::Dead);
    assert_eq!(
        statuses[0].to_string(),
        format!(
            "consumer: dead: the pool record declares no instance (written by pid {}): \
             call pool_size(n) with n of 1 or more ({})",
            std::process::id(),
            common::shown(&dir.path().join("consumer.pool"))
        )
    );
    assert!(!statuses[0].has_started());
    assert_eq!(probe.run(["--startup"]), ExitCode::from(1));
}

#[test]
fn a_probe_of_no_component_is_dead_saying_why() {
    let probe = Probe::new([]);
    let statuses = probe.statuses();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(statuses[0].verdict(), Verdict::Dead);
    assert_eq!(
        statuses[0].to_string(),
        "probe: dead: this probe judges no component: list at least one"
    );
    // The command line refuses it outright.
    for args in [&[][..], &["--startup"], &["--json"]] {
        assert_ne!(probe.run(args.iter().copied()), ExitCode::SUCCESS);
    }
}

#[test]
fn instances_beating_without_a_pool_say_to_declare_one() {
    let dir = common::scratch();
    for i in 0..4 {
        let inst = i.to_string();
        std::fs::write(
            dir.path().join(format!("consumer.{i}")),
            record(&inst, "beating"),
        )
        .unwrap();
    }
    // Not instances: another name, a suffix that is no index.
    std::fs::write(dir.path().join("consumer.9.tmp"), b"x").unwrap();
    std::fs::write(dir.path().join("consumers.7"), record("7", "beating")).unwrap();
    assert_eq!(
        lines(&consumer(dir.path())),
        [format!(
            "consumer: dead: instances 0..4 beat but no pool was declared: call pool_size(4) ({})",
            common::shown(&dir.path().join("consumer"))
        )]
    );
}

#[test]
fn a_failed_instance_beyond_a_shrunk_pool_stays_dead_naming_the_shrink() {
    let dir = common::scratch();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("consumer.pool", record("-", "pool size=2"));
    write("consumer.0", record("0", "beating"));
    write("consumer.1", record("1", "beating"));
    write("consumer.2", record("2", "beating")); // retired
    write("consumer.3", record("3", "failed why=\"stuck\""));
    let shown = lines(&consumer(dir.path()));
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(shown[0].starts_with("consumer[0]: alive: "), "{shown:#?}");
    assert!(shown[1].starts_with("consumer[1]: alive: "), "{shown:#?}");
    assert_eq!(
        shown[2],
        format!(
            "consumer[3]: dead: failed: stuck (beyond the pool, which shrank to 2 in the record of pid {}) ({})",
            std::process::id(),
            common::shown(&dir.path().join("consumer.3"))
        )
    );
}

#[test]
fn another_live_container_s_pool_record_is_named_as_a_conflict() {
    let dir = common::scratch();
    // Another container: its own namespaces, a writer this host does not run,
    // written now (long after this machine's PID 1 started).
    let body = body(&record("-", "pool size=2"));
    let body = set(&body, "mnt", "1");
    let body = set(&body, "pidns", "2");
    let body = set(&body, "init", "3");
    let body = set(&body, "pid", "4000000");
    std::fs::write(dir.path().join("consumer.pool"), seal(&body)).unwrap();
    assert_eq!(
        lines(&consumer(dir.path())),
        [format!(
            "consumer: dead: written by another live container, pid 4000000: \
             give each container its own path ({})",
            common::shown(&dir.path().join("consumer.pool"))
        )]
    );
}
