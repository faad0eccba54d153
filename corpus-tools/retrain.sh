#!/bin/bash
# retrain.sh - the whole pipeline, in order, with the shipped settings:
# fetch, synth, augment, extract, train (models/miner.json, models/REPORT.md),
# rebuild, then the false-positive check over this machine's /usr with the
# new model (files seen in training excluded) and a full scan of the hard
# negatives (falsealarms.py), appended to the report.
#
#   corpus-tools/retrain.sh [--cache DIR] [--build DIR] [--skip-fetch]
set -euo pipefail
quiet() { # run a build step; its output only if it fails
    local out
    out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/minerscan-corpus
build=$src/build
fetch=1
while [ $# -gt 0 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --skip-fetch) fetch=0; shift ;;
    *) echo "retrain.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
t=$build/corpus-tools
quiet ninja -C "$build" -j 2
[ $fetch = 1 ] && "$here/fetch.sh" --cache "$cache" --build "$build"
[ -s "$cache/synthetic.tsv" ] || "$here/synth.sh" --cache "$cache"
"$t/ms-augment" -o "$cache/augmented.tsv" --dir "$cache/augmented" --hosts "$cache/manifest.tsv" \
    "$cache/manifest.tsv" "$cache/synthetic.tsv"
"$t/ms-extract" -o "$cache/features.tsv" "$cache/manifest.tsv" "$cache/synthetic.tsv" "$cache/augmented.tsv"
"$t/ms-train" --json "$src/models/miner.json" --report "$src/models/REPORT.md" "$cache/features.tsv"
quiet ninja -C "$build" -j 2
{
    echo
    echo "## False positives over this machine's /usr (files never used in training)"
    echo
    "$here/eval.sh" --build "$build" --label benign --family usr \
        --exclude "$cache/manifest.tsv" --exclude "$cache/synthetic.tsv" --exclude "$cache/augmented.tsv" /usr |
        sed -e '1,/^Model /{/^# /d}' -e 's/^## /### /'
    echo
    echo "## A full scan of the hard negatives (rules + model, corpus-tools/falsealarms.py)"
    echo
    python3 "$here/falsealarms.py" --cache "$cache" --build "$build" --json "$src/models/miner.json" --details
} >> "$src/models/REPORT.md"
echo "retrain.sh: models/miner.json and models/REPORT.md written; rebuild done"
