#!/usr/bin/env bash
# ThreadSanitizer over the whole suite (issue 15). The minerscan binary is
# built with -fsanitize=thread (build-tsan) and every test program of the
# strict build runs against it, so every scan the tests make (threads:
# walker, workers, writer, signals, --live's pool) runs under TSan. The
# test programs themselves are not TSan builds: Criterion's runner
# (BoxFort, not instrumented) dies of SEGV under TSan before a test runs.
# A report makes minerscan exit 66 (the test fails) and is counted here
# from the test logs; tests/tsan.supp lists the two reports about code TSan
# cannot see into. Tests that fail under TSan for other reasons (its memory
# overhead against the RSS bounds, LD_PRELOAD of the fault shim before the
# TSan runtime) are listed but are not reports.
# Usage: bash tests/run-tsan.sh [STRICT_BUILD]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
strict=${1:-build}
if [ -d build-tsan ]; then meson setup --reconfigure build-tsan >/dev/null; else
  CC=gcc meson setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug -Dwerror=true >/dev/null; fi
ninja -C build-tsan scanner/minerscan >/dev/null || exit 1
ninja -C "$strict" >/dev/null || exit 1
logs=$(mktemp -d)
export MINERSCAN=$root/build-tsan/scanner/minerscan MS_SOURCE_ROOT=$root MS_BUILD_ROOT=$root/$strict CI= MS_UNDER_TSAN=1
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp"
status=0
for t in "$strict"/tests/test_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  name=$(basename "$t")
  # the false-alarm gate scans whole trees of the machine: strict build only
  if timeout 3600 "$t" --jobs 2 --filter '!(*false_alarm*)' > "$logs/$name.log" 2>&1; then r=ok; else r=FAIL; status=1; fi
  n=$(grep -c "WARNING: ThreadSanitizer" "$logs/$name.log")
  echo "$name: $r, $n ThreadSanitizer reports ($(tail -1 "$logs/$name.log"))"
done
total=$(cat "$logs"/*.log | grep -c "WARNING: ThreadSanitizer")
echo "run-tsan: $total ThreadSanitizer reports in all; logs in $logs"
[ "$total" -eq 0 ] || status=1
exit $status
