#!/usr/bin/env bash
# The httpGet check at its floor, with a kubelet-shaped client: Go's
# net/http as the kubelet's prober uses it (scripts/kubelet-client/main.go:
# no keep-alive, one fresh connection per check), against, in alternating
# rounds of one run,
#
#   (i)   `Probe::serve_http` (two components on tmpfs),
#   (ii)  a blocking server writing a fixed response (the floor),
#   (iii) a plain axum `/healthz` on a current-thread tokio runtime
#         (scripts/axum-healthz, a cargo project of its own, built here).
#
# Budgets (liveness/benches/http.rs): serve_http's CPU per request ≤ 1.5 ×
# the floor's and below axum's, and ≤ 50 µs. Exits 1 over budget.
#
#   scripts/bench-http.sh            # needs go (apt-get install golang-go)
#                                    # and crates.io for axum's first build
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "missing go: apt-get install golang-go" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== building the Go client ($(go version | cut -d' ' -f3)) and the axum server" >&2
(cd scripts/kubelet-client && GO111MODULE=off GOCACHE="$work/gocache" go build -o "$work/kubelet-client" main.go)
cargo build --release --quiet --manifest-path scripts/axum-healthz/Cargo.toml --target-dir target/axum

echo "== cargo bench -p liveness --features http --bench http, Go client" >&2
LIVENESS_BENCH_CLIENT="$work/kubelet-client" \
    LIVENESS_BENCH_AXUM="$PWD/target/axum/release/axum-healthz" \
    cargo bench -q -p liveness --features http --bench http
