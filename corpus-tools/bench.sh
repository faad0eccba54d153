#!/bin/bash
# bench.sh - what features + model cost in a real scan.
#
#   corpus-tools/bench.sh [--build DIR] [--runs N] [PATH]     (PATH: /usr/bin)
#
# Builds a second copy of minerscan with models/none.json (no model: the
# engine then skips feature extraction and scoring) next to the normal
# build, warms the page cache, then times `minerscan -j 2 -f jsonl -o
# /dev/null PATH` with and without the model, alternating, N runs each
# (default 5), and prints the medians and the slowdown.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$src/build
runs=5
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
done
target=${1:-/usr/bin}
nomodel=$build-nomodel
if [ ! -d "$nomodel" ]; then
    meson setup "$nomodel" "$src" -Dmodel=none.json > /dev/null
fi
ninja -C "$nomodel" -j 2 scanner/minerscan > /dev/null
ninja -C "$build" -j 2 scanner/minerscan > /dev/null
on=$build/scanner/minerscan
off=$nomodel/scanner/minerscan
"$off" --version | grep -q "model none" || { echo "bench.sh: $off still has a model" >&2; exit 2; }

run() { # binary -> seconds
    local t0 t1
    t0=$(date +%s.%N)
    "$1" -j 2 --no-progress -f jsonl -o /dev/null "$target" > /dev/null 2>&1 || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run "$off" > /dev/null # warm the page cache
ons=() offs=()
for ((i = 0; i < runs; i++)); do
    offs+=("$(run "$off")")
    ons+=("$(run "$on")")
done
m_off=$(printf '%s\n' "${offs[@]}" | median)
m_on=$(printf '%s\n' "${ons[@]}" | median)
files=$(find "$target" -xdev -type f | wc -l)
bytes=$(du -sb "$target" | cut -f1)
echo "target: $target ($files files, $((bytes / 1048576)) MiB), $runs runs each, -j 2"
echo "without model: ${offs[*]} s (median $m_off s)"
echo "with model:    ${ons[*]} s (median $m_on s)"
echo "slowdown: $(echo "scale=2; 100 * ($m_on - $m_off) / $m_off" | bc) %"
