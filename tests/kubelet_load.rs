//! A healthy service whose machine is busy on every core is never restarted:
//! 30 s under a played kubelet (`max_age` 3 s, probe every 0.5 s, 3 failures
//! to restart) with one spinning thread per core (two where the count is
//! unknown).

mod common;

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use common::{
    Files,
    kubelet::{ProbeSpec, run_pod},
};

#[test]
fn a_healthy_service_under_cpu_load_is_never_restarted() {
    let spec = ProbeSpec {
        initial_delay: Duration::ZERO,
        period: Duration::from_millis(500),
        timeout: Duration::from_secs(1),
        failure_threshold: 3,
    };
    let files = Files::new();
    let stop = AtomicBool::new(false);
    let lives = std::thread::scope(|s| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        for _ in 0..cores {
            s.spawn(|| {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            });
        }
        let lives = run_pod(spec, &files, |_| vec![], Duration::from_secs(30));
        stop.store(true, Ordering::Relaxed);
        lives
    });
    assert_eq!(lives.len(), 1, "restarted {} times", lives.len() - 1);
    let probes = &lives[0].probes;
    assert!(probes.len() >= 50, "only {} probes ran", probes.len());
    let failed: Vec<_> = probes
        .iter()
        .filter(|p| p.code != Some(0))
        .map(|p| &p.stdout)
        .collect();
    assert!(failed.is_empty(), "failed probes: {failed:?}");
}
