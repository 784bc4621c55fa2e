//! Writes the curated seed corpora (run from `fuzz/`: `cargo run --bin
//! seeds`): heartbeat files to `fuzz/seeds/`, from the library's own writer,
//! and request heads to `fuzz/seeds/http/`.

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
    http_seeds(&dir.join("http"))
}

/// Request heads for the `http` target. The first byte: bit 0 the
/// judge's verdict (1 alive), the rest the chunk size less one, times two.
fn http_seeds(dir: &std::path::Path) -> std::io::Result<()> {
    const ALIVE: u8 = 1;
    const DEAD: u8 = 0;
    /// Whole (one chunk of 128 bytes) or byte by byte.
    const WHOLE: u8 = 0xfe;
    const BYTES: u8 = 0;
    let kubelet = "GET /livez HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nUser-Agent: kube-probe/1.33\r\n\
                   Accept: */*\r\nConnection: close\r\n\r\n";
    let many_headers: String = (0..70).map(|i| format!("X-{i}: y\r\n")).collect();
    let oversized = format!(
        "GET /livez HTTP/1.1\r\nX-Filler: {}\r\n\r\n",
        "f".repeat(8200)
    );
    let seeds: Vec<(&str, u8, Vec<u8>)> = vec![
        ("kubelet-alive", WHOLE | ALIVE, kubelet.into()),
        ("kubelet-dead-bytewise", BYTES | DEAD, kubelet.into()),
        (
            "head",
            WHOLE | ALIVE,
            b"HEAD /livez HTTP/1.1\r\nHost: pod\r\n\r\n".to_vec(),
        ),
        (
            "json",
            WHOLE | DEAD,
            b"GET /livez?verbose HTTP/1.1\r\nAccept: text/html, application/json;q=0.9\r\n\r\n"
                .to_vec(),
        ),
        (
            "json-refused",
            6 | ALIVE,
            b"GET /livez HTTP/1.1\r\nAccept: application/json;q=0\r\n\r\n".to_vec(),
        ),
        (
            "absolute-form-lf",
            WHOLE | ALIVE,
            b"GET http://pod:8080/livez HTTP/1.0\n\n".to_vec(),
        ),
        (
            "post-with-body",
            WHOLE | ALIVE,
            b"POST /livez HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        ),
        (
            "chunked",
            WHOLE | ALIVE,
            b"PUT /livez HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
        ),
        (
            "not-found",
            WHOLE | ALIVE,
            b"GET /healthz HTTP/1.1\r\n\r\n".to_vec(),
        ),
        (
            "pipelined",
            WHOLE | ALIVE,
            b"GET /livez HTTP/1.1\r\n\r\nGET /livez HTTP/1.1\r\n\r\n".to_vec(),
        ),
        (
            "leading-empty-lines",
            2 | ALIVE,
            b"\r\n\n\r\nGET /livez HTTP/1.1\r\n\r\n".to_vec(),
        ),
        ("http-0.9", WHOLE | ALIVE, b"GET /livez\r\n".to_vec()),
        (
            "tls-client-hello",
            WHOLE | ALIVE,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n".to_vec(),
        ),
        (
            "too-many-headers",
            WHOLE | ALIVE,
            format!("GET /livez HTTP/1.1\r\n{many_headers}\r\n").into_bytes(),
        ),
        ("oversized", WHOLE | ALIVE, oversized.into_bytes()),
        (
            "incomplete",
            BYTES | ALIVE,
            b"GET /livez HTTP/1.1\r\nHost: po".to_vec(),
        ),
    ];
    std::fs::create_dir_all(dir)?;
    for (name, control, head) in seeds {
        let mut bytes = vec![control];
        bytes.extend_from_slice(&head);
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
