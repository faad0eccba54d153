#!/usr/bin/env bash
# Benchmark: minerscan against yara with the same rule files over the same
# trees, in one run, warm cache; plus the plain read throughput of those
# files, the end-to-end time of one small file, and peak memory.
#
#   tests/bench/scan.sh [BUILD_DIR] [TREE...]
#
# Prints one line per measurement. Needs: yara, GNU time (package "time").
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}; shift || true
trees=("$@")
((${#trees[@]})) || trees=(/usr/bin /usr/sbin /usr/lib/x86_64-linux-gnu)
ms=$build/scanner/minerscan
[ -x "$ms" ] || { echo "bench: build first: $ms missing" >&2; exit 2; }
command -v yara >/dev/null || { echo "bench: yara missing (apt-get install yara)" >&2; exit 2; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

# The same rule sources minerscan compiled in: signatures/*.yar plus the
# rules generated from data lists in the build directory.
rules=(signatures/*.yar)
for g in "$build"/signatures/*.yar; do [ -e "$g" ] && rules+=("$g"); done

files=$(find "${trees[@]}" -xdev -type f 2>/dev/null | wc -l)
bytes=$(find "${trees[@]}" -xdev -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s}')
mib=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b/1048576}')
echo "trees: ${trees[*]}: $files files, $mib MiB; ${#rules[@]} rule files"

# warm the cache
find "${trees[@]}" -xdev -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true

t() { # label, command...: prints seconds, throughput and peak RSS
  local label=$1; shift
  local tf; tf=$(mktemp)
  /usr/bin/time -o "$tf" -f '%e %M' "$@" > /dev/null 2>&1 || true
  local out; out=$(tail -1 "$tf"); rm -f "$tf"
  local s=${out% *} kb=${out#* }
  awk -v l="$label" -v s="$s" -v kb="$kb" -v mib="$mib" \
    'BEGIN {printf "%-40s %7.2f s  %7.1f MiB/s  peak %6.1f MB\n", l, s, (s > 0 ? mib / s : 0), kb / 1024}'
}

readall() { find "$@" -xdev -type f -print0 2>/dev/null | xargs -0 -P 2 -n 256 cat > /dev/null 2>&1; true; }
yara_all() { for d in "${trees[@]}"; do yara -r -p 2 -w "${rules[@]}" "$d" || true; done; }
export -f readall

t "read all files (cat, 2 procs)" bash -c "$(declare -f readall); readall ${trees[*]}"
t "yara -r -p 2 (same rules)" bash -c "$(declare -p rules trees); $(declare -f yara_all); yara_all"
t "minerscan -j2" "$ms" -j2 --no-progress "${trees[@]}"
t "minerscan -j2 --all (hash every file)" "$ms" -j2 --all --no-progress "${trees[@]}"

small=$(mktemp)
printf '#!/bin/sh\necho hello\n' > "$small"
start=$(date +%s.%N)
for _ in $(seq 20); do "$ms" --no-progress "$small" > /dev/null; done
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" 'BEGIN {printf "%-40s %7.1f ms per run (20 runs)\n", "one small file, end to end", (b - a) * 1000 / 20}'
rm -f "$small"
