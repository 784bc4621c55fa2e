//! `--k8s --ready`: a `readinessProbe` the Kubernetes API types accept,
//! running `--ready` (or `httpGet` of the path the server answers
//! readiness on), fast to leave and to come back, beside the unchanged
//! livenessProbe.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use k8s_openapi::api::core::v1::Probe;
use liveness::{Component, Liveness};

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/tmp/liveness-k8s-ready-test/api")]
struct Api;

fn k8s(probe: liveness::Probe, args: &[&str]) -> (String, serde_yaml_ng::Value) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = probe.run_with(args, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let text = String::from_utf8(out).unwrap();
    let doc = serde_yaml_ng::from_str(&text).unwrap();
    (text, doc)
}

fn probe_of(doc: &serde_yaml_ng::Value, kind: &str) -> Probe {
    serde_yaml_ng::from_value(doc[kind].clone()).unwrap()
}

fn slow() -> Component {
    Component::new("slow", "/tmp/liveness/slow", Duration::from_secs(60))
}

#[test]
fn k8s_ready_adds_an_exec_readiness_probe_fast_to_leave_and_to_come_back() {
    let args = ["--k8s", "--ready", "--command", "/usr/bin/slow-liveness"];
    let (text, doc) = k8s(liveness::Probe::new([slow()]), &args);
    let liveness = probe_of(&doc, "livenessProbe");
    let ready = probe_of(&doc, "readinessProbe");
    assert_eq!(
        ready.exec.unwrap().command.unwrap(),
        ["/usr/bin/slow-liveness", "--ready"]
    );
    assert_eq!(
        (liveness.period_seconds, liveness.failure_threshold),
        (Some(20), Some(3))
    );
    assert_eq!(
        (
            ready.period_seconds,
            ready.failure_threshold,
            ready.success_threshold
        ),
        (Some(5), Some(1), Some(1))
    );
    assert!(text.contains("Unready is never"), "{text}");
    // Without --ready, no readinessProbe.
    let (_, doc) = k8s(liveness::Probe::new([slow()]), &["--k8s"]);
    assert!(doc.get("readinessProbe").is_none());
    // A short max_age gives a shorter period, never below 1 s.
    let quick = Component::new("quick", "/tmp/liveness/quick", Duration::from_secs(3));
    let (_, doc) = k8s(liveness::Probe::new([quick]), &["--k8s", "--ready"]);
    assert_eq!(probe_of(&doc, "readinessProbe").period_seconds, Some(1));
}

/// `GET path` on the server at `addr`: the status code.
fn get(addr: std::net::SocketAddr, path: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response[9..12].parse().unwrap()
}

#[test]
fn k8s_ready_http_probes_the_path_the_server_answers_readiness_on() {
    let _ = std::fs::remove_dir_all("/tmp/liveness-k8s-ready-test");
    Api::beat_now().unwrap();
    for (http_path, expected) in [
        ("/livez", "/readyz"),
        ("/api/livez", "/api/readyz"),
        ("/health", "/health/ready"),
    ] {
        let probe = || liveness::Probe::new([Component::of::<Api>()]).http_path(http_path);
        let (_, doc) = k8s(probe(), &["--k8s", "--ready", "--http", "8080"]);
        let ready = probe_of(&doc, "readinessProbe");
        let path = ready.http_get.unwrap().path.unwrap();
        assert_eq!(path, expected);
        let server = probe().serve_http("127.0.0.1:0").unwrap();
        assert_eq!(get(server.local_addr(), &path), 200, "{path}");
        Api::unready("warming").unwrap();
        assert_eq!(get(server.local_addr(), &path), 503, "{path}");
        Api::ready().unwrap();
    }
    std::fs::remove_dir_all("/tmp/liveness-k8s-ready-test").unwrap();
}
