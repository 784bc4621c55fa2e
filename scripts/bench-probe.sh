#!/usr/bin/env bash
# Measures the probe binary as the kubelet runs it, side by side with
# /bin/true (the floor of any exec probe), an empty Rust program (the floor
# of any Rust binary), and `python3 -c pass` (the floor of any Python probe):
# median wall time and ratios (hyperfine), peak RSS (/usr/bin/time), size,
# and what the dynamic loader costs (LD_DEBUG=statistics, and the same
# programs built static-PIE, which skip it).
#
# The builds: the workspace's release profile, dynamic (the budgets'
# reference); the static-PIE build the README documents (`+crt-static`, the
# default relocation model: address randomisation kept; its relative
# relocations packed, `-z pack-relative-relocs`, binutils 2.38+); and, for
# comparison, the position-dependent static build the README used to
# recommend (`-C relocation-model=static`, no randomisation).
#
#   scripts/bench-probe.sh            # needs hyperfine and GNU time, valgrind
#                                     # for instruction counts (optional):
#                                     # apt-get install hyperfine time python3 valgrind
# Environment: RUNS (default 2000), WARMUP (default 200), ROUNDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-2000}
warmup=${WARMUP:-200}
target=$(rustc -vV | sed -n 's/^host: //p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in hyperfine /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install hyperfine time python3" >&2; exit 2; }
done

echo "== building (release profile of the workspace)" >&2
cargo build --release --quiet --bin worker-liveness
cp target/release/worker-liveness "$work/probe-dynamic"
# The static-PIE build the README documents, and the empty main built so.
RUSTFLAGS="-C target-feature=+crt-static -C link-arg=-Wl,-z,pack-relative-relocs" \
    cargo build --release --quiet --bin worker-liveness --example empty --target "$target" --target-dir target/static-pie
cp "target/static-pie/$target/release/worker-liveness" "$work/probe-static-pie"
cp "target/static-pie/$target/release/examples/empty" "$work/rust-empty-static-pie"
# The position-dependent static build, for comparison.
RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
    cargo build --release --quiet --bin worker-liveness --target "$target" --target-dir target/static
cp "target/static/$target/release/worker-liveness" "$work/probe-static"
# The floor of a Rust binary: an empty main (examples/empty.rs), same profile.
cargo build --release --quiet --example empty
cp target/release/examples/empty "$work/rust-empty"
file "$work/probe-static-pie" | grep -q 'static-pie linked' || { echo "not a static-PIE build: $(file "$work/probe-static-pie")" >&2; exit 1; }
readelf -d "$work/probe-static-pie" | grep -q '(RELR)' || echo "note: the linker did not pack relative relocations (binutils < 2.38?)" >&2

# A worker beats for the whole run, so every probe judges fresh heartbeats
# (its common case): one write per 300 ms, no measurable load.
export WORKER_LIVENESS_PATH="$work/worker" INDEXER_LIVENESS_PATH="$work/indexer"
cargo build --release --quiet --bin worker
target/release/worker --period 300 2>/dev/null &
worker=$!
trap 'kill $worker 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
"$work/probe-dynamic" >&2 || { echo "the probe should say alive here" >&2; exit 1; }

# hyperfine runs one command's runs back to back; a drifting neighbour would
# then favour one command. So: ROUNDS rounds, each running every command
# runs/ROUNDS times, and the statistics over all rounds together.
rounds=${ROUNDS:-10}
echo "== wall time: $runs runs each in $rounds rounds (python3: $((runs / 20))), $(nproc) cores" >&2
for round in $(seq "$rounds"); do
    hyperfine -N --style none --warmup "$((warmup / rounds + 1))" --runs "$((runs / rounds))" \
        --export-json "$work/times-$round.json" \
        -n /bin/true /bin/true \
        -n rust-empty "$work/rust-empty" \
        -n rust-empty-static-pie "$work/rust-empty-static-pie" \
        -n probe "$work/probe-dynamic" \
        -n "probe -V" "$work/probe-dynamic -V" \
        -n probe-static-pie "$work/probe-static-pie" \
        -n probe-static "$work/probe-static" >/dev/null
done
hyperfine -N --style none --warmup 5 --runs "$((runs / 20))" \
    --export-json "$work/python.json" \
    -n "python3 -c pass" "python3 -c pass" >/dev/null

python3 - "$work" <<'PY'
import json, os, subprocess, sys
work = sys.argv[1]
import glob, statistics
results = {}
for path in sorted(glob.glob(f"{work}/times-*.json")) + [f"{work}/python.json"]:
    for r in json.load(open(path))["results"]:
        acc = results.setdefault(r["command"], {"times": [], "user": [], "system": []})
        acc["times"] += r["times"]
        acc["user"].append(r["user"])
        acc["system"].append(r["system"])
for acc in results.values():
    acc["median"] = statistics.median(acc["times"])
    acc["user"] = statistics.mean(acc["user"])
    acc["system"] = statistics.mean(acc["system"])
floor = results["/bin/true"]["median"]
def rss(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    return int(out.stderr.strip().splitlines()[-1])
cmds = {"/bin/true": ["/bin/true"], "rust-empty": [f"{work}/rust-empty"],
        "probe": [f"{work}/probe-dynamic"], "probe -V": [f"{work}/probe-dynamic", "-V"],
        "probe-static": [f"{work}/probe-static"],
        "probe-static-pie": [f"{work}/probe-static-pie"],
        "rust-empty-static-pie": [f"{work}/rust-empty-static-pie"],
        "python3 -c pass": ["python3", "-c", "pass"]}
print(f"{'command':<22}{'median':>10}{'× true':>8}{'user+sys':>10}{'peak RSS':>10}{'size':>10}")
print(f"{'':<40}{'(mean)':>10}{'(median)':>10}")
for name, r in results.items():
    cpu = r["user"] + r["system"]
    size = ""
    path = cmds[name][0]
    if path.startswith(work) and len(cmds[name]) == 1:
        size = f"{os.path.getsize(path) / 1024:.0f} KiB"
    peak = sorted(rss(cmds[name]) for _ in range(51))[25]  # the median run's
    print(f"{name:<22}{r['median'] * 1e3:>8.3f}ms{r['median'] / floor:>8.2f}{cpu * 1e3:>8.3f}ms{peak:>6} KiB{size:>10}")
empty = results["rust-empty"]["median"]
rss_probe = sorted(rss(cmds["probe"]) for _ in range(51))
rss_empty = sorted(rss(cmds["rust-empty"]) for _ in range(51))
# DESIGN.md §5, each against its floor measured in this same run.
budgets = [
    ("probe median ≤ 1.1 × empty Rust main", results["probe"]["median"] / empty, 1.1),
    ("  (its floor: the same binary, -V, × empty main)", results["probe -V"]["median"] / empty, float("inf")),
    ("static-PIE probe median ≤ 1.0 × /bin/true", results["probe-static-pie"]["median"] / floor, 1.0),
    ("  (static, no PIE, × /bin/true)", results["probe-static"]["median"] / floor, float("inf")),
    ("  (static-PIE probe × static-PIE empty main)",
     results["probe-static-pie"]["median"] / results["rust-empty-static-pie"]["median"], float("inf")),
    ("probe peak RSS ≤ 1.25 × empty main (medians of 51)", rss_probe[25] / rss_empty[25], 1.25),
    ("probe size ≤ 512 KiB (dynamic, stripped)", os.path.getsize(cmds["probe"][0]) / 1024, 512),
]
print()
over = False
for what, value, limit in budgets:
    over |= value > limit
    print(f"{what:<52}{value:>10.2f}  {'ok' if value <= limit else 'OVER'}")
print(f"{'probe peak RSS, median and largest of 51 (KiB)':<52}{rss_probe[25]:>10}{rss_probe[-1]:>8}")
# The dynamic loader's part: what it reports it spent (cycles) and did,
# for the empty main and the probe, next to the same programs built
# static-PIE (no loader; the program relocates itself).
def loader(cmd):
    env = dict(os.environ, LD_DEBUG="statistics")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env).stderr
    # Lines read "<pid>: <key>: <value>".
    pick = lambda key: next((l.split(key, 1)[1].strip(" :\t") for l in out.splitlines() if key in l), "?")
    return pick("total startup time in dynamic loader"), pick("time needed for relocation"), \
        pick("number of relocations"), pick("number of relative relocations")
for name in ("rust-empty", "probe"):
    total, reloc_time, relocs, relative = loader(cmds[name])
    print(f"ld.so, {name}: {total} in the loader, {reloc_time} relocating;"
          f" {relocs} symbol + {relative} relative relocations")
dyn_extra = results["probe"]["median"] - results["rust-empty"]["median"]
pie_extra = results["probe-static-pie"]["median"] - results["rust-empty-static-pie"]["median"]
print(f"probe minus empty main: dynamic {dyn_extra * 1e6:.0f} µs, static-PIE {pie_extra * 1e6:.0f} µs"
      f" (the difference, {(dyn_extra - pie_extra) * 1e6:.0f} µs, is loading the probe's larger binary"
      f" and libraries through ld.so)")
# Instructions, a figure that does not move with the neighbours' load
# (valgrind's callgrind counts them; apt-get install valgrind).
def instructions(cmd):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                         capture_output=True, text=True)
    refs = [line for line in out.stderr.splitlines() if "refs:" in line]
    return int(refs[-1].split()[-1].replace(",", "")) if refs else None
if subprocess.run(["which", "valgrind"], capture_output=True).returncode == 0:
    ir = {name: instructions(cmds[name])
          for name in ("rust-empty", "probe", "probe-static-pie", "probe-static", "/bin/true")}
    print("\ninstructions per run (callgrind): " + ", ".join(f"{k} {v:,}" for k, v in ir.items()))
probe_cpu = results["probe"]["user"] + results["probe"]["system"]
py_cpu = results["python3 -c pass"]["user"] + results["python3 -c pass"]["system"]
pods, period = 10_000, 10
print(f"\nfleet: {pods} pods probed every {period} s = {pods / period:.0f} probe runs/s")
print(f"  probe:           {pods / period * probe_cpu:.2f} CPU-seconds per second")
print(f"  python3 -c pass: {pods / period * py_cpu:.2f} CPU-seconds per second (any Python probe pays at least this)")
sys.exit(1 if over else 0)
PY
