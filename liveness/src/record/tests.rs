use proptest::prelude::*;

use std::time::{Duration, UNIX_EPOCH};

use super::{fields::*, ready, *};

const BOOT: BootId = BootId(*b"6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2");

fn sample(event: Event) -> Record {
    Record {
        wall: UNIX_EPOCH + Duration::new(1_764_048_062, 123_456_789),
        boot: Some((BOOT, Duration::new(12_345, 678_901_234))),
        writer: Writer {
            pid: 4242,
            start: Some(1_234_500),
        },
        incarnation: Some(Incarnation {
            mnt_ns: 4_026_532_650,
            pid_ns: 4_026_531_836,
            init_start: 442_800,
        }),
        owner: Some(Owner::new("consumer", Some(2))),
        event,
        ready: Readiness::Ready,
        location: None,
    }
}

fn every_event() -> [Event; 4] {
    [
        Event::Beat,
        Event::Extend {
            by: Duration::from_secs(600),
            reason: "reindexing".into(),
        },
        Event::Fail {
            reason: "lost the \"schema\"\n".into(),
        },
        Event::Pool { size: 4 },
    ]
}

#[test]
fn a_record_is_one_readable_line_of_fixed_length() {
    let bytes = sample(Event::Beat).encode().unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(text.len(), RECORD_LEN);
    assert_eq!(text.lines().count(), 1);
    assert_eq!(
        text.trim_end(),
        "liveness/3 at=2025-11-25T05:21:02.123456789Z boot=6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2 \
         up=12345.678901234 pid=4242 start=1234500 mnt=4026532650 pidns=4026531836 init=442800 \
         name=\"consumer\" inst=2 state=beating ready=yes loc=- crc=448131cf"
    );
}

#[test]
fn every_event_parses_back() {
    for event in every_event() {
        let record = sample(event);
        assert_eq!(parse(&record.encode().unwrap()), Ok(Parsed::Record(record)));
    }
    let anonymous = Record {
        boot: None,
        incarnation: None,
        owner: None,
        writer: Writer {
            pid: 0,
            start: None,
        },
        ..sample(Event::Beat)
    };
    assert_eq!(
        parse(&anonymous.encode().unwrap()),
        Ok(Parsed::Record(anonymous))
    );
}

#[test]
fn the_longest_names_and_reasons_fit_and_are_cut_at_a_char_boundary() {
    // Control characters take four bytes each in a record: the worst case.
    let worst = "\u{1}".repeat(500);
    let mut record = sample(Event::Fail {
        reason: worst.clone(),
    });
    record.owner = Some(Owner::new(&worst, Some(u32::MAX)));
    record.wall = UNIX_EPOCH + Duration::new(YEAR_10000 - 1, 999_999_999);
    record.writer = Writer {
        pid: u32::MAX,
        start: Some(u64::MAX),
    };
    let Ok(Parsed::Record(back)) = parse(&record.encode().unwrap()) else {
        panic!("the worst case does not parse back");
    };
    assert_eq!(back.owner.unwrap().name.len(), NAME_LIMIT);
    let fits = "\u{1}".repeat((ready::QUOTED_REASON_LIMIT - 2) / 4);
    assert_eq!(
        back.event,
        Event::Fail {
            reason: fits.clone()
        }
    );
    // With every text field at its worst at once.
    record.event = Event::Extend {
        by: Duration::from_secs(MAX_UP - 1),
        reason: worst.clone(),
    };
    record.ready = Readiness::Draining(worst.clone());
    record.location = Some(Location {
        file: "\u{1}".repeat(500).into(),
        line: u32::MAX,
    });
    let Ok(Parsed::Record(back)) = parse(&record.encode().unwrap()) else {
        panic!("the worst case of the third version does not parse back");
    };
    assert_eq!(back.ready, Readiness::Draining(fits));
    assert_eq!(bounded("ééé", 5), "éé");
    assert_eq!(bounded("abc", 5), "abc");
}

#[test]
fn a_flipped_bit_or_a_changed_padding_fails_the_integrity_check() {
    let bytes = sample(Event::Beat).encode().unwrap();
    for i in 0..RECORD_LEN {
        let mut torn = bytes;
        torn[i] ^= 0x01;
        assert!(parse(&torn).is_err(), "byte {i} flipped still parsed");
    }
    assert_eq!(parse(&bytes[..100]), Err(Invalid::Checksum));
    let mut longer = bytes.to_vec();
    longer.push(b'\n');
    assert_eq!(parse(&longer), Err(Invalid::Checksum));
}

#[test]
fn epoch_float_files_are_wall_clock_records() {
    let parsed = parse(b"1764048062.5\n").unwrap();
    assert_eq!(
        parsed,
        Parsed::EpochFloat(UNIX_EPOCH + Duration::from_millis(1_764_048_062_500))
    );
    assert_eq!(parse(b"0"), Ok(Parsed::EpochFloat(UNIX_EPOCH)));
    for bad in [
        &b"nan"[..],
        b"inf",
        b"-1",
        b"1e400",
        b"",
        b"hello",
        b"\xff\xfe",
    ] {
        assert!(
            parse(bad).is_err(),
            "{:?} parsed",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn readiness_and_location_are_one_line_and_parse_back() {
    let mut record = sample(Event::Extend {
        by: Duration::from_secs(600),
        reason: "reindexing".into(),
    });
    record.ready = Readiness::Unready("database\nunreachable".into());
    record.location = Some(Location {
        file: "src/ingest.rs".into(),
        line: 42,
    });
    let bytes = record.encode().unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(
        text.contains(
            " why=\"reindexing\" ready=no because=\"database\\x0aunreachable\" \
             loc=\"src/ingest.rs\" line=42 crc="
        ),
        "{text}"
    );
    assert_eq!(parse(&bytes), Ok(Parsed::Record(record.clone())));
    record.ready = Readiness::Draining("shutting down".into());
    assert_eq!(parse(&record.encode().unwrap()), Ok(Parsed::Record(record)));
}

#[test]
fn second_version_records_still_read_as_ready_without_a_location() {
    let body = "liveness/2 at=2025-11-25T05:21:02.123456789Z boot=6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2 \
                up=12345.678901234 pid=4242 start=1234500 mnt=4026532650 pidns=4026531836 init=442800 \
                name=\"consumer\" inst=2 state=beating";
    let line = format!("{body} crc={:08x}", CRC32.checksum(body.as_bytes()));
    let mut bytes = [b' '; RECORD_LEN];
    bytes[..line.len()].copy_from_slice(line.as_bytes());
    bytes[RECORD_LEN - 1] = b'\n';
    assert_eq!(parse(&bytes), Ok(Parsed::Record(sample(Event::Beat))));
    // The third version's fields in a second-version record are refused.
    let body = format!("{body} ready=yes loc=-");
    let line = format!("{body} crc={:08x}", CRC32.checksum(body.as_bytes()));
    bytes[..line.len()].copy_from_slice(line.as_bytes());
    assert!(parse(&bytes).is_err());
}

#[test]
fn unknown_versions_are_named_escaped() {
    let error = parse(b"liveness/9\x1b[31m at=x\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "unsupported record format \"liveness/9\\u{1b}[31m\""
    );
}

#[test]
fn times_outside_rfc3339_are_not_encoded() {
    let mut encoder = Encoder::new();
    let mut far = sample(Event::Beat);
    far.wall = UNIX_EPOCH + Duration::from_secs(YEAR_10000);
    assert!(far.encode().is_none());
    assert!(encoder.encode(&far).is_none());
    let mut long_up = sample(Event::Beat);
    long_up.boot = Some((BOOT, Duration::from_secs(MAX_UP)));
    assert!(long_up.encode().is_none());
    assert!(encoder.encode(&long_up).is_none());
    let too_long = Event::Extend {
        by: Duration::from_secs(MAX_UP),
        reason: String::new(),
    };
    assert!(sample(too_long.clone()).encode().is_none());
    assert!(encoder.encode(&sample(too_long)).is_none());
    // After a record it could not encode, the encoder encodes the next.
    let record = sample(Event::Beat);
    assert_eq!(encoder.encode(&record).copied(), record.encode());
}

#[test]
fn the_encoder_writes_the_edges_of_the_calendar_as_encode_does() {
    let mut encoder = Encoder::new();
    // Leap days, the ends of months, of years, of 2100 (no leap day) and
    // of 9999, nanoseconds 0 and 999,999,999, boot clock 0.
    let days = [0, 58, 59, 60, 365, 789, 790, 11_016, 47_540, 47_541, 47_542];
    let ends = [0, 1, 59, 86_399];
    for (day, end) in days.iter().flat_map(|d| ends.iter().map(move |e| (d, e))) {
        for nanos in [0, 1, 999_999_999] {
            let mut record = sample(Event::Beat);
            record.wall = UNIX_EPOCH + Duration::new(day * 86_400 + end, nanos);
            record.boot = Some((BOOT, Duration::new(*end, nanos)));
            assert_eq!(encoder.encode(&record).copied(), record.encode());
        }
    }
    let mut last = sample(Event::Beat);
    last.wall = UNIX_EPOCH + Duration::new(YEAR_10000 - 1, 999_999_999);
    last.boot = None;
    assert_eq!(encoder.encode(&last).copied(), last.encode());
    assert!(
        std::str::from_utf8(encoder.encode(&last).unwrap())
            .unwrap()
            .contains("at=9999-12-31T23:59:59.999999999Z boot=00000000-")
    );
}

/// A boot id as the kernel writes it: a UUID, lowercase, not the nil UUID
/// (which a record writes for "no boot id").
fn boot_id() -> impl Strategy<Value = BootId> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        .prop_filter("nil", |id| id != "00000000-0000-0000-0000-000000000000")
        .prop_map(|id| BootId(id.as_bytes().try_into().unwrap()))
}

fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        Just(Event::Beat),
        (0..MAX_UP, ".{0,40}").prop_map(|(s, reason)| Event::Extend {
            by: Duration::from_secs(s),
            reason,
        }),
        ".{0,200}".prop_map(|reason| Event::Fail { reason }),
        any::<u32>().prop_map(|size| Event::Pool { size }),
    ]
}

fn any_readiness() -> impl Strategy<Value = Readiness> {
    prop_oneof![
        Just(Readiness::Ready),
        ".{0,200}".prop_map(Readiness::Unready),
        ".{0,200}".prop_map(Readiness::Draining),
    ]
}

fn any_location() -> impl Strategy<Value = Option<Location>> {
    proptest::option::of(
        (".{0,200}", any::<u32>()).prop_map(|(file, line)| Location {
            file: file.into(),
            line,
        }),
    )
}

fn any_record() -> impl Strategy<Value = Record> {
    (
        (0..YEAR_10000, 0..1_000_000_000u32),
        proptest::option::of((boot_id(), 0..MAX_UP, 0..1_000_000_000u32)),
        (any::<u32>(), proptest::option::of(any::<u64>())),
        proptest::option::of(any::<(u64, u64, u64)>()),
        proptest::option::of((".{0,80}", proptest::option::of(any::<u32>()))),
        (any_event(), any_readiness(), any_location()),
    )
        .prop_map(
            |((s, n), boot, (pid, start), inc, owner, (event, ready, location))| Record {
                wall: UNIX_EPOCH + Duration::new(s, n),
                boot: boot.map(|(id, s, n)| (id, Duration::new(s, n))),
                writer: Writer { pid, start },
                incarnation: inc.map(|(mnt_ns, pid_ns, init_start)| Incarnation {
                    mnt_ns,
                    pid_ns,
                    init_start,
                }),
                owner: owner.map(|(name, instance)| Owner::new(&name, instance)),
                event,
                ready,
                location,
            },
        )
}

proptest! {
    /// Every record the writer can encode parses back to its values, with
    /// text cut to its bound.
    #[test]
    fn records_round_trip(record in any_record()) {
        let bytes = record.encode().expect("in range");
        let mut expected = record;
        expected.event = match expected.event {
            Event::Extend { by, reason } => Event::Extend { by, reason: bounded_reason(&reason).into() },
            Event::Fail { reason } => Event::Fail { reason: bounded_reason(&reason).into() },
            other => other,
        };
        expected.ready = match expected.ready {
            Readiness::Unready(reason) => Readiness::Unready(bounded_reason(&reason).into()),
            Readiness::Draining(reason) => Readiness::Draining(bounded_reason(&reason).into()),
            Readiness::Ready => Readiness::Ready,
        };
        expected.location = expected.location.map(|l| Location {
            file: Location::bounded_file(&l.file).to_owned().into(),
            line: l.line,
        });
        prop_assert_eq!(parse(&bytes), Ok(Parsed::Record(expected)));
    }

    /// A writer's encoder gives the bytes of `Record::encode`, whichever
    /// records it encoded before: the same record at other times, or
    /// records that differ in any field.
    #[test]
    fn the_encoder_writes_what_encode_writes(
        records in proptest::collection::vec(any_record(), 1..6),
        times in proptest::collection::vec((0..YEAR_10000, 0..1_000_000_000u32, 0..MAX_UP), 1..4),
    ) {
        let mut encoder = Encoder::new();
        for record in &records {
            prop_assert_eq!(encoder.encode(record).copied(), record.encode());
            for &(s, n, up) in &times {
                let again = Record {
                    wall: UNIX_EPOCH + Duration::new(s, n),
                    boot: record.boot.map(|(id, _)| (id, Duration::new(up, n))),
                    ..record.clone()
                };
                prop_assert_eq!(encoder.encode(&again).copied(), again.encode());
            }
        }
    }

    /// Any bytes: a result, never a panic; a record only from bytes that
    /// carry a valid check or the first version's.
    #[test]
    fn any_bytes_parse_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..1100)) {
        if let Ok(Parsed::Record(_)) = parse(&bytes) {
            prop_assert!(bytes.starts_with(b"liveness/"));
        }
    }
}
