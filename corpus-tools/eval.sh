#!/bin/bash
# eval.sh - the model report for any labelled directory.
#
#   corpus-tools/eval.sh [--build DIR] [--label miner|benign] [--family NAME]
#                        [--exclude MANIFEST]... [--out REPORT.md] [--keep DIR] PATH...
#
# Every ELF and PE file under PATH is scored by the model compiled into the
# build (feature code and weights of that build), and the report gives ROC
# AUC, TPR at FPR 1e-3 and 1e-4, recall per family and the false positives
# at the shipped threshold, plus the highest-scoring benign files.
#
# Labels: with --label, every file under PATH gets it (family: --family, or
# the top directory name). Without it, PATH must hold miner/ and/or benign/
# subdirectories; under miner/, the first directory level names the family
# (miner/xmrig/..., miner/kinsing/...).
# --exclude drops files whose sha256 is in a manifest (e.g. the corpus the
# model was trained on), so the figures are on files the model never saw.
# --keep DIR keeps the manifest and feature table there, so that the same
# features can be fed to ms-train to retrain on your own corpus:
#   build/corpus-tools/ms-train --json models/miner.json DIR/features.tsv OURS.tsv
# Nothing under PATH is executed or modified.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build
label=
family=
out=
keep=
excludes=()
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --family) family=$2; shift 2 ;;
    --exclude) excludes+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "eval.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: eval.sh [options] PATH..." >&2; exit 2; }
for t in ms-extract ms-train; do
    [ -x "$build/corpus-tools/$t" ] || { echo "eval.sh: $build/corpus-tools/$t not built (ninja -C $build)" >&2; exit 2; }
done
case $label in "" | miner | benign) ;; *) echo "eval.sh: --label miner or benign" >&2; exit 2 ;; esac

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
manifest=$work/manifest.tsv
printf '#sha256\tlabel\tfamily\tformat\tgroup\tkind\tsource\tpath\n' > "$manifest"

# list ROOT LABEL FAMILY: manifest lines for the ELF/PE files below ROOT
# (ms-extract --list: the scanner's own magic check, one process).
list() {
    "$build/corpus-tools/ms-extract" --list "$1" "$2" "$3" self real "file:$1/"
}

# families: one per first-level directory under miner/ (files directly
# under miner/ get the family "miner")
list_families() {
    local root=$1 d
    for d in "$root"/*; do
        if [ -d "$d" ]; then list "$d" miner "$(basename "$d")"; fi
    done
    find "$root" -maxdepth 1 -type f -print0 | while IFS= read -r -d '' f; do
        "$build/corpus-tools/ms-extract" --list "$f" miner miner self real "file:" || true
    done
}

for p in "$@"; do
    p=$(cd "$p" && pwd)
    if [ -n "$label" ]; then
        list "$p" "$label" "${family:-$(basename "$p")}" >> "$manifest"
    else
        [ -d "$p/miner" ] || [ -d "$p/benign" ] ||
            { echo "eval.sh: $p has neither miner/ nor benign/; use --label" >&2; exit 2; }
        [ -d "$p/miner" ] && list_families "$p/miner" >> "$manifest"
        [ -d "$p/benign" ] && list "$p/benign" benign benign >> "$manifest"
    fi
done

"$build/corpus-tools/ms-extract" -o "$work/features.tsv" "$manifest"
excl=$work/exclude.txt
: > "$excl"
for e in "${excludes[@]+"${excludes[@]}"}"; do cut -f1 "$e" >> "$excl"; done
args=(--eval-only --title "minerscan model evaluation: $*")
[ -s "$excl" ] && args+=(--exclude "$excl")
[ -n "$out" ] && args+=(--report "$out")
"$build/corpus-tools/ms-train" "${args[@]}" "$work/features.tsv"
[ -n "$keep" ] || rm -rf "$work"
