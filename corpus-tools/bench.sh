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
quiet() { # run a build step; its output only if it fails
    local out
    out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$src/build
runs=5
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) break ;;
    esac
done
target=${1:-/usr/bin}
nomodel=$build-nomodel
if [ ! -d "$nomodel" ]; then
    quiet meson setup "$nomodel" "$src" -Dmodel=none.json
fi
quiet ninja -C "$nomodel" -j 2 scanner/minerscan
quiet ninja -C "$build" -j 2 scanner/minerscan
on=$build/scanner/minerscan
off=$nomodel/scanner/minerscan
"$off" --version | grep -q "model none" || { echo "bench.sh: $off still has a model" >&2; exit 2; }

# The files are passed by name (one process, one argument each) so the
# figure does not depend on the walker.
mapfile -d '' files < <(find "$target" -xdev -type f -print0 | sort -z)
run() { # binary -> "wall cpu" seconds (cpu = user + sys of the scan)
    local TIMEFORMAT='%R %U %S' t
    t=$({ time "$1" -j 2 --no-progress -f jsonl -o /dev/null "${files[@]}" > /dev/null 2>&1; } 2>&1 || true)
    echo "$t" | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run "$off" > /dev/null # warm the page cache
on_w=() on_c=() off_w=() off_c=()
for ((i = 0; i < runs; i++)); do
    read -r w c < <(run "$off"); off_w+=("$w"); off_c+=("$c")
    read -r w c < <(run "$on"); on_w+=("$w"); on_c+=("$c")
done
med() { printf '%s\n' "$@" | median; }
bytes=$(du -sb "$target" | cut -f1)
echo "target: $target (${#files[@]} files, $((bytes / 1048576)) MiB), $runs runs each, -j 2"
echo "without model: wall ${off_w[*]} s (median $(med "${off_w[@]}")), cpu ${off_c[*]} s (median $(med "${off_c[@]}"))"
echo "with model:    wall ${on_w[*]} s (median $(med "${on_w[@]}")), cpu ${on_c[*]} s (median $(med "${on_c[@]}"))"
pct() { echo "scale=2; 100 * ($1 - $2) / $2" | bc; }
echo "slowdown: wall $(pct "$(med "${on_w[@]}")" "$(med "${off_w[@]}")") %, cpu $(pct "$(med "${on_c[@]}")" "$(med "${off_c[@]}")") %"
