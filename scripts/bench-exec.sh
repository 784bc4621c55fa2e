#!/usr/bin/env bash
# What one liveness check costs the node, side by side in one run:
#
#   (a) `runc exec` of the static probe into a running container, as
#       containerd runs an exec probe for the kubelet;
#   (b) `runc exec` of a static no-op (examples/empty.rs) into the same
#       container: the runtime's own floor;
#   (c) the static probe run directly, without a runtime;
#   (d) an `httpGet` check answered by the service itself: the server's and
#       the client's CPU, measured by liveness/benches/http.rs (see "(d)").
#
# CPU is user + sys of everything the check runs: each command is the child
# of a driver that collects its rusage with wait4(2), which covers every
# descendant it reaped. `runc exec` reaps `runc init`, the stages it forks and
# the process in the container (it is their subreaper), so all of it counts,
# also the part charged to the container's cgroup. Not counted: the kubelet
# and containerd (CRI call, shim) around `runc exec`, so (a) and (b) are
# floors of a real exec probe: scripts/bench-containerd.sh measures those.
#
# The container: a read-only root file system holding only the static
# binaries (`/worker`, `/worker-liveness`, `/empty`), `runc spec`'s defaults
# otherwise, uid 65532, no TTY, a host directory bind-mounted read-write at
# /tmp/liveness as an emptyDir is, the example worker beating into it.
#
#   scripts/bench-exec.sh           # as root; needs runc and python3:
#                                   # apt-get install runc python3
# Environment: RUNS (runs per command, default 500), ROUNDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-500}
rounds=${ROUNDS:-10}
pods=10000 period=10 # the fleet: pods, probed every period seconds

source scripts/bench-lib.sh
install="runc python3" require_root_and runc python3

target=$(rustc -vV | sed -n 's/^host: //p')
work=$(mktemp -d)
id=liveness-bench-$$
state=$work/state
cleanup() {
    runc --root "$state" kill "$id" KILL 2>/dev/null || true
    runc --root "$state" delete --force "$id" 2>/dev/null || true
    [[ -n ${host_worker:-} ]] && kill "$host_worker" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

build_static_pie --bin worker --bin worker-liveness --example empty

echo "== starting container $id (read-only rootfs, uid 65532)" >&2
rootfs=$work/rootfs heartbeats=$work/heartbeats bundle=$work/bundle
mkdir -p "$rootfs"/{proc,dev,sys,tmp/liveness} "$heartbeats" "$bundle" "$state"
cp "$bin/worker" "$bin/worker-liveness" "$bin/examples/empty" "$rootfs/"
chown 65532:65532 "$heartbeats"
runc spec --bundle "$bundle"
python3 - "$bundle/config.json" "$rootfs" "$heartbeats" <<'PY'
import json, sys
path, rootfs, heartbeats = sys.argv[1:]
spec = json.load(open(path))
spec["root"] = {"path": rootfs, "readonly": True}
spec["process"].update(terminal=False, user={"uid": 65532, "gid": 65532},
                       args=["/worker", "--period", "300"])
spec["mounts"].append({"destination": "/tmp/liveness", "type": "bind", "source": heartbeats,
                       "options": ["rbind", "rw", "nosuid", "nodev"]})
json.dump(spec, open(path, "w"), indent=2)
PY
runc --root "$state" run --detach --bundle "$bundle" "$id" </dev/null >"$work/stdout" 2>"$work/stderr"

# (c) judges heartbeats of a worker beating on the host, as (a) does in the
# container: both see fresh heartbeats of their own container, the common case.
export WORKER_LIVENESS_PATH=$work/host/worker INDEXER_LIVENESS_PATH=$work/host/indexer
"$bin/worker" --period 300 2>/dev/null &
host_worker=$!
sleep 1
runc --root "$state" exec "$id" /worker-liveness >&2 || { echo "the probe should say alive in the container" >&2; exit 1; }
"$bin/worker-liveness" >&2 || { echo "the probe should say alive on the host" >&2; exit 1; }

# Rows of the table: name, median wall (ms), mean CPU per check (ms).
rows=$work/rows
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$rows"; }

echo "== $runs runs per command in $rounds rounds, $(nproc) cores, $(runc --version | head -1)" >&2
python3 - "$runs" "$rounds" >"$work/measured" <<PY
import os, statistics, sys, time
runs, rounds = int(sys.argv[1]), int(sys.argv[2])
runc = ["runc", "--root", "$state", "exec", "$id"]
commands = {
    "(a) runc exec, static probe": runc + ["/worker-liveness"],
    "(b) runc exec, static no-op": runc + ["/empty"],
    "(c) static probe, no runtime": ["$bin/worker-liveness"],
}
null = [(os.POSIX_SPAWN_OPEN, fd, "/dev/null", os.O_RDWR, 0) for fd in (0, 1, 2)]
def once(argv):
    """Wall time and user + sys of argv and every descendant it reaped."""
    begin = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=null)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - begin
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv} failed: {status}")
    return wall, usage.ru_utime + usage.ru_stime
walls = {name: [] for name in commands}
cpus = {name: [] for name in commands}
for argv in commands.values():  # warm-up
    for _ in range(5):
        once(argv)
# Rounds, each running every command: a drifting neighbour slows all alike.
for _ in range(rounds):
    for name, argv in commands.items():
        for _ in range(runs // rounds):
            wall, cpu = once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
for name in commands:
    print(f"{name}\t{statistics.median(walls[name]) * 1e3:.3f}\t{statistics.mean(cpus[name]) * 1e3:.3f}")
PY
while IFS=$'\t' read -r name wall cpu; do
    row "$name" "$wall" "$cpu"
done <"$work/measured"

# ---- (d) httpGet ----------------------------------------------------------
# The kubelet's GET /livez answered by `Probe::serve_http` inside the
# service: no exec, no runtime. Its own benchmark measures, in one run, the
# server thread's CPU per request (thread CPU clock over 10,000 requests)
# and the CPU of one client process that opens a fresh connection per check,
# as the kubelet does; a check costs the node both.
echo "== (d) httpGet: cargo bench -p liveness --features http --bench http" >&2
http=$(cargo bench -q -p liveness --features http --bench http 2>/dev/null | grep '^http-check ' || true)
[[ -n $http ]] || { echo "the http benchmark printed no figures" >&2; exit 1; }
echo "$http" >&2
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$http"; }
ms() { python3 -c "print(f'{($1) / 1000:.4f}')"; }
row "(d) httpGet, server + client" "$(ms "$(field wall_us)")" "$(ms "$(field server_us) + $(field client_us)")"
row "(d') httpGet, server side only" "$(ms "$(field wall_us)")" "$(ms "$(field server_us)")"
# ---------------------------------------------------------------------------

python3 - "$rows" "$pods" "$period" <<'PY'
import sys
path, pods, period = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [(name, float(wall), float(cpu)) for name, wall, cpu in
        (line.rstrip("\n").split("\t") for line in open(path))]
checks = pods / period
base = rows[0][2]
print(f"{'check':<34}{'median wall':>13}{'CPU/check':>12}{'÷ CPU':>9}{'fleet':>12}")
print(f"{'':<34}{'':>13}{'(mean)':>12}{'of (a)':>9}{'(cores)':>12}")
for name, wall, cpu in rows:
    print(f"{name:<34}{wall:>10.3f} ms{cpu:>9.3f} ms{base / cpu:>9.1f}{checks * cpu / 1e3:>12.3f}")
print(f"\nfleet: {pods} pods probed every {period:g} s = {checks:.0f} checks/s;"
      f" cores = checks/s × CPU per check")
http = next(cpu for name, _, cpu in rows if name.startswith("(d) "))
server = next(cpu for name, _, cpu in rows if name.startswith("(d') "))
ok = base / http >= 100 and server <= 0.050
print(f"budget: (d) >= 100 x less node CPU than (a): {base / http:.0f} x;"
      f" server <= 50 us per request: {server * 1e3:.1f} us  {'ok' if ok else 'OVER'}")
sys.exit(0 if ok else 1)
PY
