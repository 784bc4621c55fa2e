//! The heartbeat's costs, each next to its physical floor in the same run:
//!
//! - `beat()` in a hot loop, of the type and of a pool instance, against one
//!   `Instant::now()`; budget 0.3×, also with 2 threads: the throttle runs on
//!   a coarse clock (`CLOCK_REALTIME_COARSE`, read from the vDSO's data page
//!   without the precise clock's counter read), so a skipped beat costs less
//!   than a precise clock read. Off Linux the throttle reads the precise
//!   clock and this budget is not met. With 2 threads beating one type,
//!   the figure is CPU time per call, counted by each thread, on both
//!   sides (see `threaded`);
//! - `ready()` and a pool instance's `unready(reason)` that repeat the
//!   current state (and write nothing) against `beat()`; budget 1×;
//! - `beat_now()` against one `pwrite` of a same-sized record to the same
//!   file system; budget 4×; on the disk (`/var/tmp`) and on tmpfs (`/dev/shm`).
//!
//! Rounds alternate between the two sides and the medians are compared, so
//! a noisy neighbour slows both. Exits 1 when a figure is over budget. Run
//! with `cargo bench -p liveness --bench beat`.

use std::{
    fs::File, hint::black_box, os::unix::fs::FileExt, process::ExitCode, sync::Barrier,
    time::Instant,
};

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/var/tmp/liveness-bench/hot")]
struct Hot;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/var/tmp/liveness-bench/disk")]
struct OnDisk;

#[derive(Liveness)]
#[liveness(max_age = "90s", path = "/dev/shm/liveness-bench/tmpfs")]
struct OnTmpfs;

const ROUNDS: usize = 31;
/// `beat()` that skips, over one `Instant::now()` (DESIGN.md §5).
const HOT_BUDGET: f64 = 0.3;
const HOT_ITERS: u32 = 1_000_000;
/// `unready`/`ready` that change nothing, over `beat()`.
const READY_BUDGET: f64 = 1.0;
const WRITE_ITERS: u32 = 20_000;

/// Nanoseconds per call of `f`, over `iters` calls.
fn per_call(iters: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Alternates `floor` and `subject` for `ROUNDS` rounds; prints the ratio
/// of the medians and whether it is within `budget`.
fn compare(
    what: &str,
    budget: f64,
    mut floor: impl FnMut() -> f64,
    mut subject: impl FnMut() -> f64,
) -> bool {
    let [f, s] = medians([&mut floor, &mut subject]);
    report(what, budget, s, f)
}

/// The median of each side's figures over `ROUNDS` rounds, the sides taking
/// turns within each round, after a round to warm up.
fn medians<const N: usize>(mut sides: [&mut dyn FnMut() -> f64; N]) -> [f64; N] {
    for side in &mut sides {
        side();
    }
    let mut figures: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    for _ in 0..ROUNDS {
        for (side, figures) in sides.iter_mut().zip(&mut figures) {
            figures.push(side());
        }
    }
    figures.map(median)
}

/// Prints `subject` against `floor` and whether it is within `budget`.
fn report(what: &str, budget: f64, s: f64, f: f64) -> bool {
    let ratio = s / f;
    let ok = ratio <= budget;
    println!(
        "{what:<44} {s:>9.1} ns vs {f:>9.1} ns  = {ratio:>5.2}x  (budget {budget}x) {}",
        if ok { "ok" } else { "OVER" }
    );
    ok
}

/// The calling thread's CPU time in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`):
/// what it ran, without the time another process held its core.
fn thread_cpu_ns() -> f64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    now.tv_sec as f64 * 1e9 + now.tv_nsec as f64
}

/// Runs `f` on `threads` threads at once; the CPU time per call, over all
/// the threads' calls. Each thread counts its own CPU time, not the wall
/// clock: with two busy threads on two cores, any other task preempts one
/// of them, and a thread's wall time would count that wait as the cost of
/// its calls (the shorter the loop, the larger its share).
fn threaded(threads: usize, iters: u32, f: impl Fn() + Sync) -> f64 {
    let barrier = Barrier::new(threads);
    let cpu = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = thread_cpu_ns();
                    for _ in 0..iters {
                        f();
                    }
                    thread_cpu_ns() - start
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum::<f64>()
    });
    cpu / (threads as f64 * f64::from(iters))
}

fn clock_read() {
    black_box(Instant::now());
}

fn hot_loops() -> bool {
    Hot::beat_now().unwrap();
    Hot::pool_size(4).unwrap();
    let instance = Hot::instance(3);
    instance.beat_now().unwrap();
    let mut ok = compare(
        "beat() in a hot loop vs Instant::now()",
        HOT_BUDGET,
        || per_call(HOT_ITERS, clock_read),
        || per_call(HOT_ITERS, || black_box(Hot::beat()).unwrap()),
    );
    ok &= compare(
        "instance beat() in a hot loop vs Instant::now()",
        HOT_BUDGET,
        || per_call(HOT_ITERS, clock_read),
        || per_call(HOT_ITERS, || black_box(instance.beat()).unwrap()),
    );
    // `unready`/`ready` that repeat the state write nothing: side by side
    // with `beat()`, budget 1× (DESIGN.md §8).
    ok &= compare(
        "ready() repeated vs beat()",
        READY_BUDGET,
        || per_call(HOT_ITERS, || black_box(Hot::beat()).unwrap()),
        || per_call(HOT_ITERS, || black_box(Hot::ready()).unwrap()),
    );
    instance.unready("rebalancing").unwrap();
    ok &= compare(
        "instance unready(reason) repeated vs beat()",
        READY_BUDGET,
        || per_call(HOT_ITERS, || black_box(instance.beat()).unwrap()),
        || {
            per_call(HOT_ITERS, || {
                black_box(instance.unready(black_box("rebalancing"))).unwrap()
            })
        },
    );
    ok &= compare(
        "beat() on 2 threads vs Instant::now() on 2",
        HOT_BUDGET,
        || threaded(2, HOT_ITERS, clock_read),
        || threaded(2, HOT_ITERS, || black_box(Hot::beat()).unwrap()),
    );
    ok
}

/// A file next to `path` holding one record, for the `pwrite` floor.
fn pwrite_floor(path: &std::path::Path) -> (File, Vec<u8>) {
    let record = std::fs::read(path).unwrap();
    let file = File::create(path.with_extension("floor")).unwrap();
    file.write_all_at(&record, 0).unwrap();
    (file, record)
}

/// `beat_now()` against one `pwrite`, and, for scale, the system calls of
/// a guarded write alone (`flock`, `pread` of the record, `pwrite`,
/// `flock` to unlock; no budget).
fn writes<T: Liveness>(what: &str) -> bool {
    use rustix::fs::{FlockOperation, flock};
    T::beat_now().unwrap();
    let (floor, record) = pwrite_floor(&T::path());
    let guarded = File::options()
        .read(true)
        .write(true)
        .open(T::path().with_extension("floor"))
        .unwrap();
    let mut read = [0; 1025];
    let [f, s, calls] = medians([
        &mut || {
            per_call(WRITE_ITERS, || {
                floor.write_all_at(black_box(&record), 0).unwrap();
            })
        },
        &mut || per_call(WRITE_ITERS, || T::beat_now().unwrap()),
        &mut || {
            per_call(WRITE_ITERS, || {
                flock(&guarded, FlockOperation::LockExclusive).unwrap();
                black_box(guarded.read_at(&mut read, 0).unwrap());
                guarded.write_all_at(black_box(&record), 0).unwrap();
                flock(&guarded, FlockOperation::Unlock).unwrap();
            })
        },
    ]);
    let ok = report(what, 4.0, s, f);
    println!(
        "  of which the guarded write's system calls {calls:>9.1} ns = {:>5.2}x",
        calls / f
    );
    ok
}

fn main() -> ExitCode {
    // `cargo bench` passes --bench; `cargo test --benches` would too, with
    // nothing to gain from running this: only run when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return ExitCode::SUCCESS;
    }
    let mut ok = hot_loops();
    ok &= writes::<OnDisk>("beat_now() vs pwrite, ext4 (/var/tmp)");
    ok &= writes::<OnTmpfs>("beat_now() vs pwrite, tmpfs (/dev/shm)");
    for path in [OnDisk::path(), OnTmpfs::path(), Hot::path()] {
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
    println!(
        "{}",
        if ok {
            "all within budget"
        } else {
            "SOME OVER BUDGET"
        }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
