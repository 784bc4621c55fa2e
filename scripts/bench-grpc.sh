#!/usr/bin/env bash
# A kubelet `grpc` check beside an exec probe, in one run: the node CPU of
#
#   (a) `runc exec` of the static probe into a running container, from
#       scripts/bench-exec.sh (a floor of an exec probe: without the
#       kubelet's CRI call and containerd around it);
#   (e) a `grpc.health.v1` Check answered by `Probe::serve_grpc` inside the
#       service: the server's thread and a tonic client process that
#       connects per check, from liveness/benches/grpc.rs, which also
#       holds the server beside an `httpGet` server of the same probe.
#
# Budgets: (e) >= 100 x less node CPU than (a); the gRPC server <= 5 x the
# httpGet server per check (the benchmark's own). Exits 1 over budget.
#
#   scripts/bench-grpc.sh        # as root; needs runc and python3
# Environment: RUNS, ROUNDS as for scripts/bench-exec.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== (a): scripts/bench-exec.sh" >&2
# Its own budgets are not this script's: read (a) whatever it exits with.
exec_table=$(scripts/bench-exec.sh || true)
echo "$exec_table" >&2
exec_ms=$(python3 -c '
import re, sys
for line in sys.stdin:
    if line.startswith("(a) runc exec"):
        print(re.findall(r"([0-9.]+) ms", line)[1])
' <<<"$exec_table")
[[ -n $exec_ms ]] || { echo "scripts/bench-exec.sh printed no (a) row" >&2; exit 1; }

echo "== (e): cargo bench -p liveness --features grpc --bench grpc" >&2
set +e
bench=$(cargo bench -q -p liveness --features grpc --bench grpc 2>/dev/null)
bench_ok=$?
set -e
echo "$bench" >&2
grpc=$(grep '^grpc-check ' <<<"$bench" || true)
[[ -n $grpc ]] || { echo "the grpc benchmark printed no figures" >&2; exit 1; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$grpc"; }

python3 - "$exec_ms" "$(field server_us)" "$(field client_us)" "$bench_ok" <<'PY'
import sys
exec_ms, server_us, client_us, bench_ok = map(float, sys.argv[1:])
grpc_ms = (server_us + client_us) / 1000
ratio = exec_ms / grpc_ms
print(f"(a) runc exec, static probe      {exec_ms:8.3f} ms of CPU per check")
print(f"(e) grpc, server + tonic client  {grpc_ms:8.3f} ms  ({server_us:.1f} + {client_us:.1f} us)")
ok = ratio >= 100 and bench_ok == 0
print(f"budget: (e) >= 100 x less node CPU than (a): {ratio:.0f} x;"
      f" grpc server <= 5 x httpGet's: {'ok' if bench_ok == 0 else 'OVER'}"
      f"  {'ok' if ok else 'OVER'}")
sys.exit(0 if ok else 1)
PY
