//! The probes on the service's own axum router, through `Probe::respond`:
//! `/livez`, `/livez/startup` and `/metrics` answered exactly as
//! `Probe::serve_http` answers them, on the port the service already has.
//!
//! ```sh
//! cargo run --example axum                   # serves on 127.0.0.1:8080
//! curl -i localhost:8080/livez
//! curl -H 'Accept: application/json' localhost:8080/livez
//! curl localhost:8080/metrics
//! ```
//!
//! `AXUM_ADDR` sets the address (`127.0.0.1:0` picks a port);
//! `AXUM_LIVENESS_PATH` moves the heartbeat. The address served is printed
//! on stderr: `axum: serving http://ADDR/livez`.

use std::time::Duration;

use axum::{
    Router,
    extract::{Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use liveness::{Component, Liveness, Probe};

/// The service's loop.
#[derive(Liveness)]
#[liveness(max_age = "10s", env = "AXUM_LIVENESS_PATH")]
struct Worker;

/// Any path the probe answers: its status, type and body, as they are.
async fn probes(State(probe): State<Probe>, request: Request) -> Response {
    let accept = request.headers().get(header::ACCEPT);
    let answer = probe.respond(request.uri().path(), accept.and_then(|a| a.to_str().ok()));
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let headers = [
        (header::CONTENT_TYPE, answer.content_type().to_owned()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    (status, headers, answer.into_body()).into_response()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let probe = Probe::new([Component::of::<Worker>()]);
    let app = Router::new()
        .route("/", get(|| async { "the service's own routes\n" }))
        .route("/livez", get(probes))
        .route("/livez/startup", get(probes))
        .route("/metrics", get(probes))
        .with_state(probe);

    tokio::spawn(async {
        loop {
            if let Err(error) = Worker::beat() {
                eprintln!("axum: {error}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await; // one unit of work
        }
    });

    let addr = std::env::var("AXUM_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("axum: serving http://{}/livez", listener.local_addr()?);
    axum::serve(listener, app).await
}
