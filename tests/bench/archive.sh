#!/usr/bin/env bash
# Benchmark: scanning a .tar.gz of a tree against scanning the tree itself,
# next to the cost of decompressing the tarball alone (issue 3). The
# archive's members go through the same pipeline as files, so the
# difference should be close to the decompression cost.
#
#   tests/bench/archive.sh [BUILD_DIR] [TREE]      (default: build /usr/bin)
#
# An archive is one work item: its members are read and scanned by one
# worker, in order. So the -j2 figures also show what a single big archive
# loses in parallelism; the -j1 figures compare like with like.
# Needs GNU time (package "time"). Writes one tarball under /tmp, removed
# on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
tree=${2:-/usr/bin}
ms=$build/scanner/minerscan
[ -x "$ms" ] || { echo "bench: build first: $ms missing" >&2; exit 2; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

work=$(mktemp -d /tmp/ms-bench-archive-XXXXXX)
trap 'rm -rf "$work"' EXIT
tgz=$work/tree.tar.gz
tar -C "$(dirname "$tree")" -czf "$tgz" "$(basename "$tree")" 2>/dev/null || true

files=$(find "$tree" -xdev -type f 2>/dev/null | wc -l)
bytes=$(find "$tree" -xdev -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s}')
mib=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b/1048576}')
tmib=$(awk -v b="$(stat -c %s "$tgz")" 'BEGIN {printf "%.0f", b/1048576}')
echo "tree: $tree: $files files, $mib MiB; tarball: $tmib MiB gzip"

# warm the cache
find "$tree" -xdev -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true
cat "$tgz" > /dev/null

t() { # label, command...: prints seconds and peak RSS. GNU time writes to
  # its own file (-o): the command's output and exit status are not ours.
  local label=$1; shift
  local tf out
  tf=$(mktemp "$work/time-XXXXXX")
  /usr/bin/time -o "$tf" -f '%e %M' "$@" > /dev/null 2>&1 || true
  out=$(tail -1 "$tf")
  local s=${out% *} kb=${out#* }
  awk -v l="$label" -v s="$s" -v kb="$kb" -v mib="$mib" \
    'BEGIN {printf "%-44s %7.2f s  %7.1f MiB/s  peak %6.1f MB\n", l, s, (s > 0 ? mib / s : 0), kb / 1024}'
}

t "gzip -dc tarball | cat > /dev/null" bash -c "gzip -dc '$tgz' | cat > /dev/null"
t "minerscan -j2 --no-progress tarball" "$ms" -j2 --no-progress "$tgz"
t "minerscan -j2 --no-progress $tree" "$ms" -j2 --no-progress "$tree"
t "minerscan -j1 --no-progress tarball" "$ms" -j1 --no-progress "$tgz"
t "minerscan -j1 --no-progress $tree" "$ms" -j1 --no-progress "$tree"
