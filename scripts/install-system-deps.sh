#!/bin/sh
# System packages the multipath lab, its tests, the benchmarks and the demo need (Debian/Ubuntu).
# Idempotent: installs only what is missing, and does nothing (quickly) when everything is present.
set -eu

PACKAGES="iproute2 nftables iperf3 mptcpize curl python3 procps kmod"

missing=""
for pkg in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $pkg"
  fi
done

if [ -z "$missing" ]; then
  echo "install-system-deps: all present ($PACKAGES)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing:$missing" >&2
  echo "install-system-deps: run as root (or: sudo apt-get install -y --no-install-recommends$missing)" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: apt-get not found; install by hand:$missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "install-system-deps: installed:$missing"
