//! An async worker on tokio: beat from the task that does the work.
//!
//! `beat()` never blocks for long (a clock read, or one small write at most
//! once per interval), so calling it in the task is fine. Beating from a
//! separate task on a timer would be wrong: it goes on beating while the
//! worker task is wedged (a lost wake-up, a deadlocked lock), and the probe
//! would vouch for a service that does nothing.
//!
//! `cargo run --example async-worker` runs for a few seconds, printing the
//! probe's verdict as it goes.

use std::time::Duration;

use liveness::Liveness;

/// The async loop; `ASYNC_WORKER_LIVENESS_PATH` moves its heartbeat.
#[derive(Liveness)]
#[liveness(max_age = "2s", env = "ASYNC_WORKER_LIVENESS_PATH")]
struct AsyncWorker;

async fn handle_next_job(n: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(100)).await; // await a queue, say
    n + 1
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), liveness::Error> {
    let mut done = 0;
    while done < 30 {
        done = handle_next_job(done).await;
        AsyncWorker::beat()?; // in the loop that does the work
        if done % 10 == 0 {
            println!("{done} jobs: {}", AsyncWorker::check());
        }
    }
    Ok(())
}
