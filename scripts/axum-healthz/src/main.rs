//! `GET /healthz` → `200 ok`, served by axum on a current-thread tokio
//! runtime, on 127.0.0.1 and a port of the system's choice, which it prints
//! on stdout. Runs until killed.

use axum::{Router, routing::get};

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("{}", listener.local_addr().expect("address"));
        let app = Router::new().route("/healthz", get(|| async { "ok" }));
        axum::serve(listener, app).await.expect("serve");
    });
}
