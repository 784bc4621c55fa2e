# Sourced by the benchmarks that run containers.

# Exits 2 unless run as root with every tool of "$@" on PATH; `$install`
# names the packages to install.
require_root_and() {
    [[ $(id -u) == 0 ]] || { echo "the container runtime needs root: sudo $0" >&2; exit 2; }
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install $install" >&2; exit 2; }
    done
}

# Builds the binaries named in "$@" (cargo's
# `--bin NAME` / `--example NAME` arguments) static-PIE, as the README
# builds a probe (the workspace's release profile, `+crt-static` with the
# default relocation model, relative relocations packed), and sets `bin` to
# the directory they land in. Needs `target`, the host's target triple.
build_static_pie() {
    echo "== building static-PIE binaries (the workspace's release profile, as the README builds them)" >&2
    RUSTFLAGS="-C target-feature=+crt-static -C link-arg=-Wl,-z,pack-relative-relocs" \
        cargo build --release --quiet "$@" --target "$target" --target-dir target/static-pie
    bin=target/static-pie/$target/release
}
