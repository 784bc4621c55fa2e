//! Properties of the record format and of the verdicts, over generated
//! inputs: any bytes give one line and no panic, every record the writer
//! produces parses back, and time only ever makes a heartbeat older.

use std::{
    sync::LazyLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use liveness::__fuzz::{record_now, round_trip, verdict_of_bytes};
use proptest::prelude::*;

/// Seconds from the epoch to 10000-01-01, the end of RFC 3339 time.
const YEAR_10000: u64 = 253_402_300_800;
/// The largest boot-clock reading a record holds, exclusive.
const MAX_UP: u64 = 100_000_000_000;

fn time(secs: u64, nanos: u32) -> SystemTime {
    UNIX_EPOCH + Duration::new(secs, nanos)
}

/// A wall clock anywhere from 1970 to past year 10000.
fn any_wall() -> impl Strategy<Value = SystemTime> {
    (0..2 * YEAR_10000, 0..1_000_000_000u32).prop_map(|(s, n)| time(s, n))
}

/// A boot clock from just booted to far past what a record can hold.
fn any_boot() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0..1_000_000u64, 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
        (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn any_max_age() -> impl Strategy<Value = Duration> {
    (0..100_000_000u64).prop_map(Duration::from_micros)
}

/// Bytes that look like a heartbeat file: anything, the start of a record
/// followed by anything, a record from the writer with a few bytes changed,
/// a float-ish text.
fn any_file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        proptest::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
            let mut file = b"liveness/1 ".to_vec();
            file.extend(tail);
            file
        }),
        (
            -1e6..1e6f64,
            proptest::collection::vec((0..178usize, any::<u8>()), 0..3)
        )
            .prop_map(|(offset, edits)| {
                let mut file = record_now(offset, offset);
                for (at, byte) in edits {
                    if let Some(b) = file.get_mut(at) {
                        *b = byte;
                    }
                }
                file
            }),
        "[ \t\n]{0,2}[-+]?[0-9]{0,12}(\\.[0-9]{0,12})?([eE][-+]?[0-9]{1,3})?[ \t\n]{0,2}"
            .prop_map(String::into_bytes),
    ]
}

/// A boot id as the kernel writes it: a UUID, lowercase. The nil UUID is the
/// record's "no boot id" and so excluded.
fn boot_id() -> impl Strategy<Value = [u8; 36]> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        .prop_filter("the nil UUID means no boot id", |id| {
            id != "00000000-0000-0000-0000-000000000000"
        })
        .prop_map(|id| id.as_bytes().try_into().unwrap())
}

/// Checks what every verdict line must be.
fn one_line(alive: bool, line: &str) -> Result<(), TestCaseError> {
    prop_assert!(!line.contains(['\n', '\r']), "not one line: {line:?}");
    prop_assert!(line.len() < 1024, "{} bytes: {line:?}", line.len());
    let prefix = if alive {
        "fuzz: alive: "
    } else {
        "fuzz: dead: "
    };
    prop_assert!(line.starts_with(prefix), "alive={alive}: {line:?}");
    Ok(())
}

proptest! {
    /// (a) Any bytes, any clocks: a verdict, one line, never a panic; alive
    /// only on a record or the prior art's float.
    #[test]
    fn any_bytes_give_one_line(
        file in any_file(),
        wall in any_wall(),
        boot in any_boot(),
        max_age in any_max_age(),
    ) {
        let (alive, line) = verdict_of_bytes(&file, wall, boot, max_age);
        one_line(alive, &line)?;
        if alive {
            let float = std::str::from_utf8(&file)
                .ok()
                .and_then(|text| text.trim().parse::<f64>().ok())
                .is_some_and(f64::is_finite);
            prop_assert!(file.starts_with(b"liveness/1 ") || float, "{line}");
        }
    }

    /// (b) Every record the writer can encode parses back to its values.
    #[test]
    fn records_round_trip(
        wall_secs in 0..YEAR_10000,
        wall_nanos in 0..1_000_000_000u32,
        boot_id in proptest::option::of(boot_id()),
        up_secs in 0..MAX_UP,
        up_nanos in 0..1_000_000_000u32,
        mnt_ns in any::<u64>(),
        init_start in any::<u64>(),
        pid in any::<u32>(),
    ) {
        let up = Duration::new(up_secs, up_nanos);
        prop_assert_eq!(
            round_trip(time(wall_secs, wall_nanos), boot_id, up, mnt_ns, init_start, pid),
            Some(true)
        );
    }

    /// (b') Values outside the record's range are refused, not mangled.
    #[test]
    fn out_of_range_values_are_not_encoded(
        wall_secs in YEAR_10000..2 * YEAR_10000,
        up_secs in MAX_UP..u64::MAX,
        in_range_secs in 0..YEAR_10000,
        boot_id in boot_id(),
    ) {
        let up = Duration::from_secs(up_secs);
        prop_assert_eq!(round_trip(time(wall_secs, 0), Some(boot_id), Duration::ZERO, 1, 2, 3), None);
        prop_assert_eq!(round_trip(time(in_range_secs, 0), Some(boot_id), up, 1, 2, 3), None);
    }

    /// (c) For a fixed file and maximum age, a later wall clock never turns
    /// dead into alive, unless the earlier verdict was "in the future" (a
    /// wall time more than 1 s ahead is invalid until the clock catches up).
    #[test]
    fn a_later_wall_clock_never_revives(
        file in prop_oneof![
            Just(b"1700000000.5".to_vec()),
            (0..YEAR_10000, 0..1000u32).prop_map(|(s, ms)| format!("{s}.{ms:03}\n").into_bytes()),
            Just(WRITER_RECORD.clone()),
        ],
        max_age in any_max_age(),
        boot in any_boot(),
        from in prop_oneof![
            (1_699_990_000..1_700_010_000u64, 0..1_000_000_000u32).prop_map(|(s, n)| time(s, n)),
            any_wall(),
        ],
        later in prop_oneof![
            (0..10_000_000u64).prop_map(Duration::from_micros),
            (0..YEAR_10000).prop_map(Duration::from_secs),
        ],
    ) {
        let (alive, line) = verdict_of_bytes(&file, from, boot, max_age);
        let (alive_later, line_later) = verdict_of_bytes(&file, from + later, boot, max_age);
        one_line(alive, &line)?;
        one_line(alive_later, &line_later)?;
        if !alive && !line.contains("in the future") {
            prop_assert!(!alive_later, "{line}\nthen {later:?} later: {line_later}");
        }
    }

    /// (c') The prior art's file is alive exactly from 1 s before its time
    /// to `max_age` after it.
    #[test]
    fn a_float_file_is_alive_on_one_interval(
        max_age in any_max_age(),
        boot in any_boot(),
        offset_ns in -10_000_000_000i64..200_000_000_000,
    ) {
        let beat = time(1_700_000_000, 500_000_000);
        let wall = if offset_ns >= 0 {
            beat + Duration::from_nanos(offset_ns.unsigned_abs())
        } else {
            beat - Duration::from_nanos(offset_ns.unsigned_abs())
        };
        let (alive, line) = verdict_of_bytes(b"1700000000.5\n", wall, boot, max_age);
        let expected = offset_ns >= -1_000_000_000
            && (offset_ns < 0 || u128::from(offset_ns.unsigned_abs()) <= max_age.as_nanos());
        prop_assert_eq!(alive, expected, "{}", line);
    }
}

/// A record the writer produced in this process, now: from this host's boot,
/// which is not the fuzz host's, so it is aged on the wall clock.
static WRITER_RECORD: LazyLock<Vec<u8>> = LazyLock::new(|| record_now(0.0, 0.0));
