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

/// A seed: its name, the header, the file (a body when the header seals).
type Seed = (&'static str, Header, Vec<u8>);

/// `header` after `change`: one line of a table of seeds.
fn with(header: Header, change: impl FnOnce(&mut Header)) -> Header {
    let mut header = header;
    change(&mut header);
    header
}

/// `header` with a file that is written as it is, not sealed.
fn unsealed(header: Header) -> Header {
    with(header, |h| h.seal = false)
}

/// The headers the seeds start from.
#[derive(Clone, Copy)]
struct Clocks {
    /// Fresh on the boot clock, the one that counts; the wall clock says
    /// stale, so that measuring on the wrong clock shows.
    fresh: Header,
    /// Stale on the boot clock, fresh on the wall clock.
    stale: Header,
    /// In another boot, where the wall clock counts: fresh on it.
    fresh_on_wall: Header,
    /// In another boot: stale on the wall clock.
    stale_on_wall: Header,
}

impl Clocks {
    fn new() -> Clocks {
        let fresh = Header {
            boot_clock: secs(-10.0),
            wall: secs(3600.0),
            container_age: millis(-10),
            ..Header::default()
        };
        let fresh_on_wall = Header {
            boot: BootChoice::Another,
            container: ContainerChoice::Unknown,
            wall: secs(-10.0),
            boot_clock: secs(3600.0),
            ..fresh
        };
        Clocks {
            fresh,
            stale: with(fresh, |h| (h.boot_clock, h.wall) = (secs(1.0), secs(-60.0))),
            fresh_on_wall,
            stale_on_wall: with(fresh_on_wall, |h| {
                (h.wall, h.boot_clock) = (secs(1.0), secs(-60.0));
            }),
        }
    }
}

/// `worker`'s heartbeat, judged on either clock.
fn beat_clocks(c: Clocks) -> Vec<Seed> {
    let beat = Body::beat().text();
    let on_wall = |boot| with(c.fresh_on_wall, |h| h.boot = boot);
    let ahead = |by| with(c.fresh, |h| h.boot_clock = secs(by));
    vec![
        ("beat-fresh-same-boot-alive", c.fresh, beat.clone()),
        ("beat-stale-same-boot-dead", c.stale, beat.clone()),
        ("beat-fresh-other-boot-alive", c.fresh_on_wall, beat.clone()),
        ("beat-stale-other-boot-dead", c.stale_on_wall, beat.clone()),
        (
            "beat-fresh-boot-unknown-alive",
            on_wall(BootChoice::Unknown),
            beat.clone(),
        ),
        (
            "beat-fresh-nil-boot-alive",
            on_wall(BootChoice::Nil),
            beat.clone(),
        ),
        (
            "beat-on-max-age-alive",
            with(c.fresh, |h| h.boot_clock = 0),
            beat.clone(),
        ),
        (
            "beat-1ns-past-max-age-dead",
            with(c.stale, |h| h.boot_clock = 1),
            beat.clone(),
        ),
        ("beat-1s-ahead-alive", ahead(-91.0), beat.clone()),
        ("beat-2s-ahead-dead", ahead(-92.0), beat),
    ]
}

/// `worker`'s heartbeat as a file: sealed by hand, torn, corrupt; and
/// the fields a record may leave unknown.
fn beat_files(c: Clocks) -> Vec<Seed> {
    let sealed = seal(&Body::beat().text());
    let mut bad_check = sealed.clone();
    bad_check[40] ^= 1;
    let nil_boot = Body {
        boot: "00000000-0000-0000-0000-000000000000",
        ..Body::beat()
    };
    let timestamp = Body {
        container: "mnt=- pidns=- init=-",
        ..Body::beat()
    }
    .owner("name=- inst=-");
    vec![
        (
            "beat-fresh-unsealed-alive",
            unsealed(c.fresh),
            sealed.clone(),
        ),
        ("beat-torn-dead", unsealed(c.fresh), sealed[..600].to_vec()),
        ("beat-bad-check-dead", unsealed(c.fresh), bad_check),
        (
            "beat-nil-boot-record-fresh-on-wall-alive",
            with(c.fresh_on_wall, |h| h.boot = BootChoice::Record),
            nil_boot.text(),
        ),
        (
            "timestamp-record-fresh-alive",
            with(c.fresh_on_wall, |h| h.container = ContainerChoice::Record),
            timestamp.text(),
        ),
    ]
}

/// Records in another state than beating.
fn states(c: Clocks) -> Vec<Seed> {
    let extended = |by: &str| {
        Body::beat()
            .state(&format!("state=extended for={by} why=\"reindexing\""))
            .text()
    };
    let running = with(c.fresh, |h| h.boot_clock = secs(-1.0));
    let unbounded = with(running, |h| h.max_extend = None);
    let state = |state: &str| Body::beat().state(state).text();
    vec![
        ("extended-running-alive", running, extended("600.000000000")),
        ("extended-ran-out-dead", c.stale, extended("600.000000000")),
        (
            "extended-past-max-extend-dead",
            c.stale,
            extended("7200.000000000"),
        ),
        (
            "extended-without-max-extend-alive",
            unbounded,
            extended("7200.000000000"),
        ),
        (
            "extended-shorter-than-max-age-alive",
            running,
            extended("10.000000000"),
        ),
        (
            "failed-dead",
            c.fresh,
            state("state=failed why=\"lost the schema\""),
        ),
        ("pool-record-dead", c.fresh, state("state=pool size=4")),
    ]
}

/// Records of other components and instances, and names that need care.
fn owners(c: Clocks) -> Vec<Seed> {
    let owner = |owner: &str| Body::beat().owner(owner).text();
    let named = |name| with(c.fresh, |h| h.name = name);
    let long = |len| format!("name=\"worker{}\" inst=-", "x".repeat(len));
    vec![
        (
            "other-component-dead",
            c.fresh,
            owner("name=\"indexer\" inst=-"),
        ),
        (
            "other-instance-dead",
            with(c.fresh, |h| h.instance = InstanceChoice::Next),
            owner("name=\"worker\" inst=2"),
        ),
        (
            "instance-fresh-alive",
            c.fresh,
            owner("name=\"worker\" inst=2"),
        ),
        (
            "instance-max-fresh-alive",
            with(c.fresh, |h| h.instance = InstanceChoice::Max),
            owner("name=\"worker\" inst=4294967295"),
        ),
        (
            "any-component-fresh-alive",
            named(NameChoice::Any),
            owner("name=\"indexer\" inst=-"),
        ),
        (
            "escaped-name-fresh-alive",
            named(NameChoice::Record),
            owner("name=\"w\\\"or\\\\k\\x0a\\u{202e}er\" inst=-"),
        ),
        (
            "long-name-cut-fresh-alive",
            named(NameChoice::Long),
            owner(&long(42)),
        ),
        (
            "long-name-whole-dead",
            named(NameChoice::Long),
            owner(&long(50)),
        ),
    ]
}

/// A record from another container or boot, and whether its writer runs.
fn containers(c: Clocks) -> Vec<Seed> {
    let beat = Body::beat().text();
    // Another container: its PID 1 started `container age` ago on the
    // host's boot clock, 80 s after the record here.
    let other = with(c.fresh, |h| h.container = ContainerChoice::Another);
    let nested = with(c.fresh, |h| h.container = ContainerChoice::NestedMount);
    let runs = |header| with(header, |h| h.writer_runs = true);
    vec![
        ("previous-container-starting", other, beat.clone()),
        (
            "previous-container-past-grace-dead",
            with(other, |h| h.container_age = millis(1)),
            beat.clone(),
        ),
        (
            "previous-container-age-unknown-dead",
            with(other, |h| h.container_age_known = false),
            beat.clone(),
        ),
        (
            "previous-boot-starting",
            with(c.fresh, |h| h.boot = BootChoice::Another),
            beat.clone(),
        ),
        (
            // Started 85 s ago: the record, 80 s old, is a live container's.
            "another-live-container-dead",
            with(other, |h| h.container_age = millis(25)),
            beat.clone(),
        ),
        (
            "writer-runs-in-another-container-fresh-alive",
            runs(other),
            beat.clone(),
        ),
        (
            "nested-mount-writer-runs-fresh-alive",
            runs(nested),
            beat.clone(),
        ),
        ("nested-mount-writer-gone-starting", nested, beat),
    ]
}

/// Records of the first version.
fn first_version(c: Clocks) -> Vec<Seed> {
    let first = FIRST_VERSION.to_vec();
    vec![
        (
            "first-version-fresh-alive",
            unsealed(c.fresh),
            first.clone(),
        ),
        ("first-version-stale-dead", unsealed(c.stale), first.clone()),
        (
            "first-version-sealed-fresh-alive",
            c.fresh,
            liveness_fuzz::body(FIRST_VERSION).to_vec(),
        ),
        (
            "first-version-other-boot-fresh-alive",
            unsealed(c.fresh_on_wall),
            first,
        ),
    ]
}

/// Files of other programs: a float of seconds (prior art), garbage,
/// another version.
fn foreign(c: Clocks) -> Vec<Seed> {
    let prior_art = |wall: f64| with(unsealed(c.fresh_on_wall), |h| h.wall = secs(wall));
    let other_version = b"liveness/3 at=2025-11-25T05:21:02Z\n".to_vec();
    vec![
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
        ("other-version-dead", prior_art(-10.0), other_version),
    ]
}

/// An empty file, and none at all.
fn empty(c: Clocks) -> Vec<Seed> {
    let missing = with(c.fresh, |h| h.missing = true);
    vec![
        ("empty-starting", unsealed(c.fresh), vec![]),
        (
            "empty-past-grace-dead",
            with(unsealed(c.fresh), |h| h.container_age = millis(1)),
            vec![],
        ),
        ("missing-starting", missing, vec![]),
        (
            "missing-at-grace-dead",
            with(missing, |h| h.container_age = 0),
            vec![],
        ),
        (
            "missing-age-unknown-dead",
            with(missing, |h| h.container_age_known = false),
            vec![],
        ),
    ]
}

/// The seeds of the `record` target.
fn seeds() -> Vec<Seed> {
    let c = Clocks::new();
    [
        beat_clocks,
        beat_files,
        states,
        owners,
        containers,
        first_version,
        foreign,
        empty,
    ]
    .into_iter()
    .flat_map(|group| group(c))
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
