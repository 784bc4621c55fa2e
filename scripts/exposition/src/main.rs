//! A full pool's exposition, two ways, from the same statuses: medians of
//! 21 runs, microseconds on this thread. Prints
//! `exposition encode_us=.. survey_us=.. hand_us=.. crate_us=.. hand_bytes=.. crate_bytes=..`.

use std::{
    hint::black_box,
    sync::atomic::AtomicU64,
    time::{Duration, Instant, SystemTime},
};

use liveness::{Component, MAX_POOL_SIZE, Probe, State, Status, Timestamp};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{family::Family, gauge::Gauge},
    registry::Registry,
};

const DIR: &str = "/dev/shm/liveness-exposition";
const RUNS: usize = 21;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    component: String,
    instance: Option<String>,
}

type Gauges = Family<Labels, Gauge<f64, AtomicU64>>;

fn unix(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// What a user of `prometheus-client` writes: a registry of families, each
/// gauge set from the statuses, then encoded (OpenMetrics text: the only
/// format the crate writes).
fn with_crate(statuses: &[Status]) -> String {
    let mut registry = Registry::default();
    let families: Vec<(&str, Gauges)> = [
        "liveness_alive",
        "liveness_started",
        "liveness_failed",
        "liveness_heartbeat_age_seconds",
        "liveness_max_age_seconds",
        "liveness_last_beat_timestamp_seconds",
        "liveness_extended_until_timestamp_seconds",
    ]
    .into_iter()
    .map(|name| (name, Gauges::default()))
    .collect();
    let files = Family::<Vec<(String, String)>, Gauge<f64, AtomicU64>>::default();
    for s in statuses {
        let labels = Labels {
            component: s.name().to_owned(),
            instance: s.instance().map(|i| i.to_string()),
        };
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        let values = [
            Some(flag(s.is_alive())),
            Some(flag(s.has_started())),
            Some(flag(s.state() == Some(State::Failed))),
            s.age().map(|a| a.as_secs_f64()),
            Some(s.max_age().as_secs_f64()),
            s.last_beat().map(unix),
            s.deadline()
                .filter(|_| s.state() == Some(State::Extended))
                .map(unix),
        ];
        for ((_, family), value) in families.iter().zip(values) {
            if let Some(value) = value {
                family.get_or_create(&labels).set(value);
            }
        }
        let path = s.path().display().to_string();
        files
            .get_or_create(&vec![
                ("component".into(), labels.component.clone()),
                ("path".into(), path),
            ])
            .set(1.0);
    }
    for (name, family) in families {
        registry.register(name, "help", family);
    }
    registry.register("liveness_file", "help", files);
    let mut out = String::new();
    encode(&mut out, &registry).unwrap();
    out
}

fn median(f: impl Fn() -> usize) -> (f64, usize) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        size = black_box(f());
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], size)
}

fn main() {
    let _ = std::fs::remove_dir_all(DIR);
    let max_age = Duration::from_secs(60);
    let components: Vec<Component> = (0..MAX_POOL_SIZE)
        .map(|i| {
            let path = format!("{DIR}/c{i}");
            Timestamp::create(&path, max_age).unwrap();
            Component::new(format!("c{i}"), path, max_age)
        })
        .collect();
    let probe = Probe::new(components);
    let (survey_us, _) = median(|| probe.statuses().len());
    let (hand_us, hand_bytes) = median(|| probe.metrics().len());
    let (crate_us, crate_bytes) = median(|| with_crate(&probe.statuses()).len());
    let statuses = probe.statuses();
    let (encode_us, _) = median(|| with_crate(&statuses).len());
    let _ = std::fs::remove_dir_all(DIR);
    println!("{MAX_POOL_SIZE} components, medians of {RUNS} runs, µs on one thread:");
    println!("  the survey alone (Probe::statuses)      {survey_us:>8.0}");
    println!("  survey + Probe::metrics (by hand)        {hand_us:>8.0}  {hand_bytes} bytes");
    println!("  survey + prometheus-client (OpenMetrics) {crate_us:>8.0}  {crate_bytes} bytes");
    println!("  prometheus-client alone, statuses given {encode_us:>8.0}");
    println!(
        "exposition encode_us={encode_us:.0} survey_us={survey_us:.0} hand_us={hand_us:.0} crate_us={crate_us:.0} \
         hand_bytes={hand_bytes} crate_bytes={crate_bytes}"
    );
}
