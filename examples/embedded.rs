//! One binary for service and probe: `embedded probe` runs the probe, with
//! the same flags as a `liveness_main!` binary (`embedded probe --json`, ...).
//!
//! ```sh
//! cargo run --example embedded &             # the service
//! cargo run --example embedded -- probe      # the probe, as the kubelet runs it
//! ```

use std::{process::ExitCode, thread, time::Duration};

use liveness::{Component, Liveness, Probe};

/// The service's loop; `EMBEDDED_LIVENESS_PATH` moves its heartbeat.
#[derive(Liveness)]
#[liveness(max_age = "10s", env = "EMBEDDED_LIVENESS_PATH")]
struct Embedded;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|arg| arg == "probe") {
        return Probe::new([Component::of::<Embedded>()])
            .subcommand("probe")
            .version(env!("CARGO_PKG_VERSION"))
            .run(args);
    }
    eprintln!("embedded: beating to {}", Embedded::path().display());
    loop {
        thread::sleep(Duration::from_millis(500)); // one unit of work
        if let Err(error) = Embedded::beat() {
            eprintln!("embedded: {error}");
        }
    }
}
