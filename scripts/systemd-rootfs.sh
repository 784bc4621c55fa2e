#!/usr/bin/env bash
# Builds, once, the root file system in which the systemd watchdog test
# (tests/systemd.rs) boots systemd 252 as PID 1 under runc: Debian bookworm,
# `debootstrap --variant=minbase --include=systemd,systemd-sysv`, its docs,
# man pages and locales removed (about 100 MB). About 90 s of network the
# first time; afterwards it is reused.
#
#   scripts/systemd-rootfs.sh [DIR]    # as root; apt-get install debootstrap
#
# DIR defaults to target/systemd-rootfs. The rootfs is built in DIR.tmp and
# renamed to DIR only when complete, so an interrupted build is never taken
# for a finished one. Prints DIR. Environment: MIRROR (default: the first
# Debian mirror apt already uses here, else http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-target/systemd-rootfs}
if [[ -x $dir/sbin/init && -x $dir/bin/systemctl ]]; then
    echo "$dir"
    exit 0
fi
if ((EUID != 0)); then
    echo "systemd-rootfs.sh: debootstrap needs root (this is uid $EUID)" >&2
    exit 1
fi
command -v debootstrap >/dev/null || {
    echo "systemd-rootfs.sh: no debootstrap; apt-get install debootstrap" >&2
    exit 1
}

mirror=${MIRROR:-}
if [[ -z $mirror ]]; then
    mirror=$(grep -hsoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/* |
        grep -oE 'https?://[^ ]+' | head -n1 || true)
    mirror=${mirror:-http://deb.debian.org/debian}
fi

tmp=$dir.tmp
rm -rf -- "$tmp"
mkdir -p "$(dirname "$dir")"
debootstrap --variant=minbase --include=systemd,systemd-sysv \
    bookworm "$tmp" "$mirror" >&2
# What a booted test never reads.
rm -rf -- "$tmp"/usr/share/{doc,man,info,locale} "$tmp"/var/cache/apt/* \
    "$tmp"/var/lib/apt/lists/*
# Nothing that waits for hardware or a network in a container.
for unit in systemd-networkd-wait-online.service getty.target \
    console-getty.service systemd-timesyncd.service apt-daily.timer \
    apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$tmp/etc/systemd/system/$unit"
done
rm -rf -- "$dir"
mv -- "$tmp" "$dir"
echo "$dir"
