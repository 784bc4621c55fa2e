//! Writes the curated seeds (run from `fuzz/`: `cargo run --bin seeds`):
//! of the `record` target to `fuzz/seeds/`, of the `http` target to
//! `fuzz/seeds/http/`. The input layout is in
//! `src/lib.rs`; every seed's name ends with the verdict it must get
//! (`-alive`, `-starting`, `-dead`), which a test of `src/lib.rs` checks.
//! The `crash-*` seeds are inputs the fuzzer found, kept as they were.

use liveness_fuzz::{BootChoice, ContainerChoice, Header, InstanceChoice, NameChoice, seal};

/// Seconds as the header's nanoseconds.
fn secs(secs: f64) -> i64 {
    (secs * 1e9) as i64
}

/// Seconds as the header's milliseconds.
fn millis(secs: i32) -> i32 {
    secs * 1000
}

/// The fields of a version-2 record, as text.
#[derive(Clone)]
struct Body {
    boot: &'static str,
    container: &'static str,
    owner: String,
    state: String,
}

impl Body {
    /// `worker`'s heartbeat, written in a container started at tick 442800.
    fn beat() -> Body {
        Body {
            boot: "f86e3547-df5a-488c-8a65-76d77dfd2159",
            container: "mnt=4026532650 pidns=4026531836 init=442800",
            owner: "name=\"worker\" inst=-".to_owned(),
            state: "state=beating".to_owned(),
        }
    }

    fn state(self, state: &str) -> Body {
        Body {
            state: state.to_owned(),
            ..self
        }
    }

    fn owner(self, owner: &str) -> Body {
        Body {
            owner: owner.to_owned(),
            ..self
        }
    }

    fn text(&self) -> Vec<u8> {
        format!(
            "liveness/2 at=2026-11-25T05:21:02.123456789Z boot={} up=12345.678901234 \
             pid=4242 start=1234500 {} {} {}",
            self.boot, self.container, self.owner, self.state
        )
        .into_bytes()
    }
}

/// A record the first version wrote.
const FIRST_VERSION: &[u8] = b"liveness/1 at=2026-11-25T05:33:13.653893694Z boot=f86e3547-df5a-488c-8a65-76d77dfd2159 up=00000000759.746978020 inc=00000000effffff8:000000000000000e pid=0000003073 crc=8b3e3126\n";

/// The seeds: name, header, file (a body when the header seals).
fn seeds() -> Vec<(String, Header, Vec<u8>)> {
    let beat = Body::beat().text();
    // Fresh and stale on the clock that counts; the other clock says the
    // opposite, so that measuring on the wrong one shows.
    let fresh = Header {
        boot_clock: secs(-10.0),
        wall: secs(3600.0),
        container_age: millis(-10),
        ..Header::default()
    };
    let stale = Header {
        boot_clock: secs(1.0),
        wall: secs(-60.0),
        ..fresh
    };
    let fresh_on_wall = Header {
        boot: BootChoice::Another,
        container: ContainerChoice::Unknown,
        wall: secs(-10.0),
        boot_clock: secs(3600.0),
        ..fresh
    };
    let stale_on_wall = Header {
        wall: secs(1.0),
        boot_clock: secs(-60.0),
        ..fresh_on_wall
    };
    let unsealed = |header: Header| Header {
        seal: false,
        ..header
    };
    let mut seeds = vec![
        ("beat-fresh-same-boot-alive", fresh, beat.clone()),
        ("beat-stale-same-boot-dead", stale, beat.clone()),
        ("beat-fresh-other-boot-alive", fresh_on_wall, beat.clone()),
        ("beat-stale-other-boot-dead", stale_on_wall, beat.clone()),
        (
            "beat-fresh-boot-unknown-alive",
            Header {
                boot: BootChoice::Unknown,
                ..fresh_on_wall
            },
            beat.clone(),
        ),
        (
            "beat-fresh-nil-boot-alive",
            Header {
                boot: BootChoice::Nil,
                ..fresh_on_wall
            },
            beat.clone(),
        ),
        (
            "beat-on-max-age-alive",
            Header {
                boot_clock: 0,
                ..fresh
            },
            beat.clone(),
        ),
        (
            "beat-1ns-past-max-age-dead",
            Header {
                boot_clock: 1,
                ..stale
            },
            beat.clone(),
        ),
        (
            "beat-1s-ahead-alive",
            Header {
                boot_clock: secs(-91.0),
                ..fresh
            },
            beat.clone(),
        ),
        (
            "beat-2s-ahead-dead",
            Header {
                boot_clock: secs(-92.0),
                ..fresh
            },
            beat.clone(),
        ),
        ("beat-fresh-unsealed-alive", unsealed(fresh), seal(&beat)),
        (
            "beat-torn-dead",
            unsealed(fresh),
            seal(&beat)[..600].to_vec(),
        ),
        ("beat-bad-check-dead", unsealed(fresh), {
            let mut file = seal(&beat);
            file[40] ^= 1;
            file
        }),
        (
            "beat-nil-boot-record-fresh-on-wall-alive",
            Header {
                boot: BootChoice::Record,
                ..fresh_on_wall
            },
            Body {
                boot: "00000000-0000-0000-0000-000000000000",
                ..Body::beat()
            }
            .text(),
        ),
        (
            "timestamp-record-fresh-alive",
            Header {
                container: ContainerChoice::Record,
                ..fresh_on_wall
            },
            Body {
                container: "mnt=- pidns=- init=-",
                ..Body::beat()
            }
            .owner("name=- inst=-")
            .text(),
        ),
    ];
    let extended = |by: &str| {
        Body::beat()
            .state(&format!("state=extended for={by} why=\"reindexing\""))
            .text()
    };
    seeds.extend([
        (
            "extended-running-alive",
            Header {
                boot_clock: secs(-1.0),
                ..fresh
            },
            extended("600.000000000"),
        ),
        ("extended-ran-out-dead", stale, extended("600.000000000")),
        (
            "extended-past-max-extend-dead",
            stale,
            extended("7200.000000000"),
        ),
        (
            "extended-without-max-extend-alive",
            Header {
                max_extend: None,
                boot_clock: secs(-1.0),
                ..fresh
            },
            extended("7200.000000000"),
        ),
        (
            "extended-shorter-than-max-age-alive",
            Header {
                boot_clock: secs(-1.0),
                ..fresh
            },
            extended("10.000000000"),
        ),
        (
            "failed-dead",
            fresh,
            Body::beat()
                .state("state=failed why=\"lost the schema\"")
                .text(),
        ),
        (
            "pool-record-dead",
            fresh,
            Body::beat()
                .owner("name=\"worker\" inst=-")
                .state("state=pool size=4")
                .text(),
        ),
        (
            "other-component-dead",
            fresh,
            Body::beat().owner("name=\"indexer\" inst=-").text(),
        ),
        (
            "other-instance-dead",
            Header {
                instance: InstanceChoice::Next,
                ..fresh
            },
            Body::beat().owner("name=\"worker\" inst=2").text(),
        ),
        (
            "instance-fresh-alive",
            fresh,
            Body::beat().owner("name=\"worker\" inst=2").text(),
        ),
        (
            "instance-max-fresh-alive",
            Header {
                instance: InstanceChoice::Max,
                ..fresh
            },
            Body::beat().owner("name=\"worker\" inst=4294967295").text(),
        ),
        (
            "any-component-fresh-alive",
            Header {
                name: NameChoice::Any,
                ..fresh
            },
            Body::beat().owner("name=\"indexer\" inst=-").text(),
        ),
        (
            "escaped-name-fresh-alive",
            Header {
                name: NameChoice::Record,
                ..fresh
            },
            Body::beat()
                .owner("name=\"w\\\"or\\\\k\\x0a\\u{202e}er\" inst=-")
                .text(),
        ),
        (
            "long-name-cut-fresh-alive",
            Header {
                name: NameChoice::Long,
                ..fresh
            },
            Body::beat()
                .owner(&format!("name=\"worker{}\" inst=-", "x".repeat(42)))
                .text(),
        ),
        (
            "long-name-whole-dead",
            Header {
                name: NameChoice::Long,
                ..fresh
            },
            Body::beat()
                .owner(&format!("name=\"worker{}\" inst=-", "x".repeat(50)))
                .text(),
        ),
    ]);
    // Another container: its PID 1 started `container age` ago on the
    // host's boot clock, 80 s after the record here.
    let other_container = Header {
        container: ContainerChoice::Another,
        ..fresh
    };
    seeds.extend([
        ("previous-container-starting", other_container, beat.clone()),
        (
            "previous-container-past-grace-dead",
            Header {
                container_age: millis(1),
                ..other_container
            },
            beat.clone(),
        ),
        (
            "previous-container-age-unknown-dead",
            Header {
                container_age_known: false,
                ..other_container
            },
            beat.clone(),
        ),
        (
            "previous-boot-starting",
            Header {
                boot: BootChoice::Another,
                ..fresh
            },
            beat.clone(),
        ),
        (
            // Started 85 s ago: the record, 80 s old, is a live container's.
            "another-live-container-dead",
            Header {
                container_age: millis(25),
                ..other_container
            },
            beat.clone(),
        ),
        (
            "writer-runs-in-another-container-fresh-alive",
            Header {
                writer_runs: true,
                ..other_container
            },
            beat.clone(),
        ),
        (
            "nested-mount-writer-runs-fresh-alive",
            Header {
                container: ContainerChoice::NestedMount,
                writer_runs: true,
                ..fresh
            },
            beat.clone(),
        ),
        (
            "nested-mount-writer-gone-starting",
            Header {
                container: ContainerChoice::NestedMount,
                ..fresh
            },
            beat.clone(),
        ),
    ]);
    seeds.extend([
        (
            "first-version-fresh-alive",
            unsealed(fresh),
            FIRST_VERSION.to_vec(),
        ),
        (
            "first-version-stale-dead",
            unsealed(stale),
            FIRST_VERSION.to_vec(),
        ),
        (
            "first-version-sealed-fresh-alive",
            fresh,
            liveness_fuzz::body(FIRST_VERSION).to_vec(),
        ),
        (
            "first-version-other-boot-fresh-alive",
            unsealed(fresh_on_wall),
            FIRST_VERSION.to_vec(),
        ),
    ]);
    let prior_art = |wall: f64| Header {
        wall: secs(wall),
        ..unsealed(fresh_on_wall)
    };
    seeds.extend([
        (
            "prior-art-fresh-alive",
            prior_art(-10.0),
            b"1700000000.5\n".to_vec(),
        ),
        (
            "prior-art-stale-dead",
            prior_art(1.0),
            b"1700000000.5\n".to_vec(),
        ),
        (
            "prior-art-future-dead",
            prior_art(-92.0),
            b"1700000000.5".to_vec(),
        ),
        (
            "prior-art-exponent-fresh-alive",
            prior_art(-10.0),
            b" 1.7e9 ".to_vec(),
        ),
        ("prior-art-nan-dead", prior_art(-10.0), b"nan\n".to_vec()),
        ("garbage-dead", prior_art(-10.0), b"hello\n".to_vec()),
        (
            "other-version-dead",
            prior_art(-10.0),
            b"liveness/3 at=2025-11-25T05:21:02Z\n".to_vec(),
        ),
        ("empty-starting", unsealed(fresh), vec![]),
        (
            "empty-past-grace-dead",
            Header {
                container_age: millis(1),
                ..unsealed(fresh)
            },
            vec![],
        ),
        (
            "missing-starting",
            Header {
                missing: true,
                ..fresh
            },
            vec![],
        ),
        (
            "missing-at-grace-dead",
            Header {
                missing: true,
                container_age: 0,
                ..fresh
            },
            vec![],
        ),
        (
            "missing-age-unknown-dead",
            Header {
                missing: true,
                container_age_known: false,
                ..fresh
            },
            vec![],
        ),
    ]);
    seeds
        .into_iter()
        .map(|(name, header, file)| (name.to_owned(), header, file))
        .collect()
}

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    std::fs::create_dir_all(&dir)?;
    for (name, header, file) in seeds() {
        std::fs::write(dir.join(name), header.input(&file))?;
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
