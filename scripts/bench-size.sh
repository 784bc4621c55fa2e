#!/usr/bin/env bash
# The consumer-side probe binary's size: `worker-liveness` (two components),
# the workspace's release profile, stripped, dynamic, as the budget counts it
# (DESIGN.md §5: ≤ 512 KiB). With `cargo bloat` installed it also says what
# the bytes are: per crate, and the largest functions of the probe's own code
# (a build with symbols kept, in target/bloat, the same profile otherwise).
#
#   scripts/bench-size.sh       # cargo install cargo-bloat (optional)
#
# Exits 1 over the budget.
set -euo pipefail
cd "$(dirname "$0")/.."

budget_kib=512

echo "== cargo build --release --bin worker-liveness (the workspace's release profile)" >&2
cargo build --release --quiet --bin worker-liveness
probe=${CARGO_TARGET_DIR:-target}/release/worker-liveness
bytes=$(stat -c %s "$probe")

if cargo bloat --version >/dev/null 2>&1; then
    echo "== what the bytes are: cargo bloat, symbols kept (CARGO_PROFILE_RELEASE_STRIP=false)" >&2
    bloat() {
        CARGO_PROFILE_RELEASE_STRIP=false cargo bloat --release --bin worker-liveness \
            --target-dir target/bloat "$@" 2>/dev/null
    }
    bloat --crates -n 12
    bloat -n 15 --filter liveness
    readelf -SW "$probe" | python3 -c '
import re, sys
sizes = {}
for line in sys.stdin:
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m:
        sizes[m.group(1)] = int(m.group(2), 16)
print("sections of the stripped binary:", ", ".join(
    f"{name} {size / 1024:.1f} KiB" for name, size in sorted(sizes.items(), key=lambda x: -x[1])[:6]))
'
else
    echo "(cargo bloat is not installed: cargo install cargo-bloat, for what the bytes are)" >&2
fi

python3 - "$bytes" "$budget_kib" <<'PY'
import sys
size, budget = int(sys.argv[1]) / 1024, int(sys.argv[2])
ok = size <= budget
print(f"budget: probe binary (two components, release, stripped) ≤ {budget} KiB: "
      f"{size:.1f} KiB  {'ok' if ok else 'OVER'}")
sys.exit(0 if ok else 1)
PY
