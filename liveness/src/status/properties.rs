//! Properties of the verdicts over generated hosts and records: the
//! verdict follows an age computed independently of the code, on whichever
//! clock applies, around `max_age`.

use std::{
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use proptest::prelude::*;

use super::{
    Status, Verdict,
    tests::{BOOT, OTHER_BOOT, WORKER, host, limits, record, secs},
};
use crate::{
    host::Boot,
    record::{Event, Parsed},
    store::Contents,
};

/// How old a record written `age_ms` before the host's clocks is, by an
/// oracle independent of the code: the host's boot clock minus the
/// record's, when both are of one boot; else the wall clocks.
fn oracle_alive(age_ms: i64, max_age_ms: i64) -> bool {
    (-1000..=max_age_ms).contains(&age_ms)
}

proptest! {
    /// A record of this container is alive exactly while its age, on the
    /// boot clock of the same boot or the wall clock across boots, is at
    /// most `max_age` (and at most 1 s in the future); the other clock says
    /// nothing.
    #[test]
    fn the_verdict_follows_the_age(
        max_age_ms in 1..200_000i64,
        around in -2_000..2_000i64,
        wall_noise in -7_200_000..7_200_000i64,
        same_boot in any::<bool>(),
        up_s in 1_000..10_000_000u64,
    ) {
        let age_ms = max_age_ms + around; // sample around max_age
        let now_up = Duration::from_secs(up_s);
        let then_up = Duration::from_millis(u64::try_from(now_up.as_millis() as i64 - age_ms).unwrap());
        let now_wall = UNIX_EPOCH + secs(1_700_000_000);
        let shift = |t: SystemTime, ms: i64| if ms >= 0 { t - Duration::from_millis(ms as u64) } else { t + Duration::from_millis(ms.unsigned_abs()) };
        let mut r = record(0, 0, Event::Beat);
        r.boot = Some((if same_boot { BOOT } else { OTHER_BOOT }, then_up));
        r.incarnation = None; // judged on freshness alone
        // On the clock that is not the judge, any reading at all.
        r.wall = shift(now_wall, if same_boot { age_ms + wall_noise } else { age_ms });
        let mut h = host(0, 0);
        h.wall = now_wall;
        h.boot = Some(Boot { id: BOOT, now: now_up });
        h.incarnation = None;
        let mut l = limits();
        l.max_age = Duration::from_millis(max_age_ms as u64);
        let s = Status::owning(&WORKER, Path::new("/w"), l, Contents::Parsed(Parsed::Record(r)), &h);
        prop_assert_eq!(s.is_alive(), oracle_alive(age_ms, max_age_ms), "{}", s);
        prop_assert_eq!(s.verdict() == Verdict::Alive, s.is_alive());
    }
}

/// `bytes` judged as the store reads them: an empty file is `Empty`.
fn judged(bytes: &[u8], h: &crate::host::Host, max_age: Duration) -> Status {
    let contents = match crate::record::parse(bytes) {
        _ if bytes.is_empty() => Contents::Empty,
        Ok(parsed) => Contents::Parsed(parsed),
        Err(invalid) => Contents::Invalid(invalid.to_string()),
    };
    let mut l = limits();
    l.max_age = max_age;
    Status::owning(&WORKER, Path::new("/w"), l, contents.clone(), h)
}

fn any_host() -> impl Strategy<Value = crate::host::Host> {
    (
        0..400_000_000_000u64,
        any::<bool>(),
        0..10_000_000u64,
        proptest::option::of(0..100_000u64),
        any::<bool>(),
    )
        .prop_map(|(wall, same_boot, up, age, guard)| {
            let mut h = host(0, 0);
            h.wall = UNIX_EPOCH + Duration::from_millis(wall);
            h.boot = Some(Boot {
                id: if same_boot { BOOT } else { OTHER_BOOT },
                now: Duration::from_millis(up),
            });
            h.container_age = age.map(Duration::from_millis);
            if !guard {
                h.incarnation = None;
            }
            h
        })
}

/// What a heartbeat file holds, by `kind`: noise (0), nothing (1), or one
/// of our records (written `age_permille` thousandths of `max_age` before
/// the host's clocks, of this boot or another, mostly of this container and
/// component) with one byte changed (2), cut short (3), or as written (4 to
/// 7).
#[derive(Debug, Clone)]
struct File {
    kind: u8,
    noise: Vec<u8>,
    age_permille: i64,
    same_boot: bool,
    same_container: bool,
    same_owner: bool,
    at: usize,
    byte: u8,
}

fn any_file() -> impl Strategy<Value = File> {
    (
        (0..8u8, proptest::collection::vec(any::<u8>(), 0..1100)),
        (
            -100..2_000i64,
            any::<bool>(),
            proptest::bool::weighted(0.8),
            proptest::bool::weighted(0.8),
        ),
        (any::<usize>(), any::<u8>()),
    )
        .prop_map(
            |((kind, noise), (age_permille, same_boot, same_container, same_owner), (at, byte))| {
                File {
                    kind,
                    noise,
                    age_permille,
                    same_boot,
                    same_container,
                    same_owner,
                    at,
                    byte,
                }
            },
        )
}

/// `file`'s bytes, its record written on `h`'s clocks.
fn bytes_of(file: &File, h: &crate::host::Host, max_age: Duration) -> Vec<u8> {
    let age_ns = max_age.as_nanos() as i64 * file.age_permille / 1000;
    let back = |t: Duration| Duration::from_nanos((t.as_nanos() as i64 - age_ns).max(0) as u64);
    let mut r = record(0, 0, Event::Beat);
    r.wall = UNIX_EPOCH + back(h.wall.duration_since(UNIX_EPOCH).unwrap());
    let now = h.boot.as_ref().map_or(Duration::ZERO, |b| b.now);
    r.boot = Some((if file.same_boot { BOOT } else { OTHER_BOOT }, back(now)));
    if !file.same_container {
        r.incarnation.as_mut().unwrap().mnt_ns += 1;
    }
    if !file.same_owner {
        r.owner = Some(crate::record::Owner::new("other", None));
    }
    let mut bytes = r.encode().map_or_else(Vec::new, |b| b.to_vec());
    match file.kind {
        0 => file.noise.clone(),
        1 => Vec::new(),
        2 if !bytes.is_empty() => {
            let at = file.at % bytes.len();
            bytes[at] ^= file.byte.max(1);
            bytes
        }
        3 => {
            bytes.truncate(file.at % (bytes.len() + 1));
            bytes
        }
        _ => bytes,
    }
}

/// Any file, any host: one verdict line, never a panic; alive only on a
/// record of this format or the first one, or the prior art's float. Every
/// verdict is reached in a twentieth of the cases at least, or the property
/// proves little about it.
#[test]
fn any_file_gives_one_line_and_every_verdict_is_reached() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let config = proptest::test_runner::Config {
        cases: 1000,
        ..Default::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let counts: [AtomicU32; 3] = Default::default();
    let strategy = (
        any_file(),
        any_host(),
        (1..100_000_000u64).prop_map(Duration::from_micros),
    );
    runner
        .run(&strategy, |(file, h, max_age)| {
            let bytes = bytes_of(&file, &h, max_age);
            let s = judged(&bytes, &h, max_age);
            let line = s.to_string();
            prop_assert!(!line.chars().any(char::is_control), "{line:?}");
            prop_assert!(
                line.starts_with("worker: alive: ") || line.starts_with("worker: dead: "),
                "{line}"
            );
            let verdict = [Verdict::Alive, Verdict::Starting, Verdict::Dead];
            let i = verdict.iter().position(|v| *v == s.verdict()).unwrap();
            counts[i].fetch_add(1, Ordering::Relaxed);
            if s.verdict() == Verdict::Alive {
                prop_assert!(
                    crate::record::parse(&bytes).is_ok(),
                    "alive on no heartbeat: {line}"
                );
            }
            Ok(())
        })
        .unwrap();
    let counts = counts.map(AtomicU32::into_inner);
    let cases: u32 = counts.iter().sum();
    eprintln!("alive, starting, dead: {counts:?} of {cases} cases");
    for (verdict, count) in ["alive", "starting", "dead"].iter().zip(counts) {
        assert!(
            count * 20 >= cases,
            "{verdict}: {count} of {cases} cases, under a twentieth: {counts:?}"
        );
    }
}

proptest! {
    /// The prior art's file is alive exactly from 1 s before its time to
    /// `max_age` after it, whatever the host's boot.
    #[test]
    fn a_float_file_is_alive_on_one_interval(
        max_age_ms in 1..200_000u64,
        offset_ms in -10_000..300_000i64,
        h in any_host(),
    ) {
        let beat = UNIX_EPOCH + Duration::from_millis(1_700_000_000_500);
        let mut h = h;
        h.wall = if offset_ms >= 0 { beat + Duration::from_millis(offset_ms as u64) } else { beat - Duration::from_millis(offset_ms.unsigned_abs()) };
        let s = judged(b"1700000000.5\n", &h, Duration::from_millis(max_age_ms));
        let expected = offset_ms >= -1000 && (offset_ms < 0 || offset_ms.unsigned_abs() <= max_age_ms);
        prop_assert_eq!(s.is_alive(), expected, "{}", s);
    }

    /// A later wall clock never turns a dead record alive, unless it was
    /// dead for lying in the future.
    #[test]
    fn a_later_wall_clock_never_revives(
        wall_s in 1_699_990_000..1_700_010_000u64,
        later_ms in 0..100_000_000u64,
        max_age in (1..100_000_000u64).prop_map(Duration::from_micros),
    ) {
        let file = b"1700000000.5\n";
        let mut h = host(0, 0);
        h.wall = UNIX_EPOCH + secs(wall_s);
        let before = judged(file, &h, max_age);
        h.wall += Duration::from_millis(later_ms);
        let after = judged(file, &h, max_age);
        if !before.is_alive() && !before.to_string().contains("in the future") {
            prop_assert!(!after.is_alive(), "{before}\nthen {after}");
        }
    }
}
