//! A queue consumer with a pool of worker tasks on tokio, each beating a
//! heartbeat of its own, and its probe as a subcommand: when one task
//! wedges, the probe names it.
//!
//! ```sh
//! cargo run --bin pool -- --wedge 2 --after 2 &   # task 2 wedges after 2 s
//! cargo run --bin pool -- probe                   # consumer[2]: dead: ...
//! ```
//!
//! `pool [--tasks N] [--period MS] [--wedge I] [--after SECONDS]`: N tasks
//! (default 4) each handle a job every `--period` milliseconds (default 100)
//! and beat; task I stops (awaits a future that never completes, as a lost
//! wake-up does) after `--after` seconds, while the others go on. Were all
//! four to beat one shared component, the probe would never notice.

use std::{process::ExitCode, time::Duration};

use liveness::{Component, Liveness, Probe};
use liveness_examples::Consumer;

struct Options {
    tasks: u32,
    period: Duration,
    wedge: Option<u32>,
    after: Duration,
}

fn options(args: impl Iterator<Item = String>) -> Option<Options> {
    let mut options = Options {
        tasks: 4,
        period: Duration::from_millis(100),
        wedge: None,
        after: Duration::ZERO,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let value = args.next()?;
        match arg.as_str() {
            "--tasks" => options.tasks = value.parse().ok()?,
            "--period" => options.period = Duration::from_millis(value.parse().ok()?),
            "--wedge" => options.wedge = Some(value.parse().ok()?),
            "--after" => options.after = Duration::from_secs_f64(value.parse().ok()?),
            _ => return None,
        }
    }
    Some(options)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "probe") {
        return Probe::new([Component::of::<Consumer>()])
            .subcommand("probe")
            .version(env!("CARGO_PKG_VERSION"))
            .run(args.skip(1));
    }
    let Some(options) = options(args) else {
        eprintln!(
            "usage: pool [--tasks N] [--period MS] [--wedge I] [--after SECONDS] | pool probe [...]"
        );
        return ExitCode::from(2);
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime")
        .block_on(consume(options));
    ExitCode::SUCCESS
}

async fn consume(options: Options) {
    // This container runs instances 0..tasks; the probe judges each.
    if let Err(error) = Consumer::pool_size(options.tasks) {
        eprintln!("consumer: {error}");
    }
    let started = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..options.tasks)
        .map(|i| {
            let me = Consumer::instance(i); // an owned handle, moved into the task
            let wedges = options.wedge == Some(i);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(options.period).await; // one job
                    if wedges && started.elapsed() >= options.after {
                        eprintln!("consumer[{i}]: wedged");
                        std::future::pending::<()>().await;
                    }
                    if let Err(error) = me.beat() {
                        eprintln!("consumer[{i}]: {error}");
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}
