//! Writes the curated seed corpus to `fuzz/seeds/` (run from `fuzz/`:
//! `cargo run --bin seeds`). Records come from the library's own writer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use liveness_fuzz::{BODY_LEN, encode};

/// The boot id the fuzz host has (36 `a`s, see `liveness::__fuzz::verdict_of_bytes`).
const HOST_BOOT: &[u8; 36] = &[b'a'; 36];

/// Field `key=` of a record, as text.
fn field<'a>(record: &'a str, key: &str) -> &'a str {
    let start = record.find(&format!(" {key}=")).expect(key) + key.len() + 2;
    record[start..].split(' ').next().unwrap()
}

/// A record with its boot id replaced and its check recomputed.
fn with_boot(record: &[u8], boot_id: &[u8; 36]) -> Vec<u8> {
    let at = record.windows(6).position(|w| w == b" boot=").unwrap() + 6;
    let mut out = record.to_vec();
    out[at..at + 36].copy_from_slice(boot_id);
    let crc = crc32fast::hash(&out[..BODY_LEN]);
    out.truncate(BODY_LEN);
    out.extend_from_slice(format!(" crc={crc:08x}\n").as_bytes());
    out
}

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    std::fs::create_dir_all(&dir)?;
    let record = liveness::__fuzz::record_now(0.0, 0.0);
    assert_eq!(record.len(), 178, "the writer could not encode a record");
    let text = String::from_utf8(record.clone()).unwrap();
    let wall = humantime::parse_rfc3339(field(&text, "at")).unwrap();
    let up = {
        let (s, n) = field(&text, "up").split_once('.').unwrap();
        Duration::new(s.parse().unwrap(), n.parse().unwrap())
    };
    let here = with_boot(&record, HOST_BOOT);
    let elsewhere = with_boot(&record, b"6f1c0a62-2a4b-4f0e-9d0c-3b1f7a9e12e2");
    let secs = Duration::from_secs;
    let max_age = secs(90);
    let prior: SystemTime = UNIX_EPOCH + Duration::from_millis(1_700_000_000_500);

    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    for (seal, suffix) in [(false, ""), (true, "-sealed")] {
        let mut add = |name: &str, wall: SystemTime, boot: Duration, file: &[u8]| {
            let name: &'static str = format!("{name}{suffix}").leak();
            seeds.push((name, encode(wall, boot, max_age, seal, file)));
        };
        add("fresh-this-boot", wall + secs(10), up + secs(10), &here);
        add("stale-this-boot", wall + secs(10), up + secs(200), &here);
        add(
            "boot-clock-ahead",
            wall,
            up.saturating_sub(secs(100)),
            &here,
        );
        add("fresh-other-boot", wall + secs(10), secs(5), &elsewhere);
        add(
            "wall-ahead-other-boot",
            wall - secs(3600),
            secs(5),
            &elsewhere,
        );
        add("fresh-writer-boot", wall + secs(1), up + secs(1), &record);
    }
    // A hand-made record (valid check) of this boot whose boot-clock reading
    // is the largest `up` parses: 584 billion years ahead of the host.
    let huge_up = {
        let up_field = format!("up={}", field(&text, "up"));
        let body = String::from_utf8(here.clone()).unwrap();
        body.replace(&up_field, "up=18446744073709551615.999999999")
    };
    seeds.push((
        "boot-clock-far-ahead-sealed",
        encode(wall, Duration::ZERO, max_age, true, huge_up.as_bytes()),
    ));
    let mut add = |name: &'static str, wall: SystemTime, file: &[u8]| {
        seeds.push((name, encode(wall, secs(100), max_age, false, file)));
    };
    add("prior-art-fresh", prior + secs(30), b"1700000000.5\n");
    add("prior-art-stale", prior + secs(300), b"1700000000.5\n");
    add("prior-art-future", prior - secs(3600), b"1700000000.5");
    add("prior-art-exponent-fresh", prior, b" 1.7e9 ");
    add("prior-art-nan", prior, b"nan\n");
    add(
        "other-version",
        prior,
        b"liveness/2 at=2025-11-25T05:21:02Z\n",
    );
    add("empty", prior, b"");
    add("torn", prior, &here[..100]);

    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
