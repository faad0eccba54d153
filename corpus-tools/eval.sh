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
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# list ROOT LABEL FAMILY-OR-EMPTY: manifest lines for the ELF/PE files below ROOT
list() {
    local root=$1 lab=$2 fam=$3 f mime fmt sum fm rel
    while IFS= read -r -d '' f && IFS= read -r mime; do
        case $mime in
        *x-executable | *x-sharedlib | *x-pie-executable | *x-object) fmt=elf ;;
        *x-dosexec | *portable-executable) fmt=pe ;;
        *) continue ;;
        esac
        rel=${f#"$root"/}
        fm=$fam
        [ -n "$fm" ] || fm=${rel%%/*}
        [ "$fm" != "$rel" ] || fm=$(basename "$root")
        sum=$(sha256sum -- "$f" | cut -d' ' -f1)
        printf '%s\t%s\t%s\t%s\t%s\treal\tfile:%s\t%s\n' "$sum" "$lab" "$fm" "$fmt" "$sum" "$f" "$f"
    done < <(find "$root" -xdev -type f -size +63c -print0 2> /dev/null | sort -z |
        xargs -0 -r file -N -0 --mime-type -- 2> /dev/null)
}

for p in "$@"; do
    p=$(cd "$p" && pwd)
    if [ -n "$label" ]; then
        list "$p" "$label" "${family:-$(basename "$p")}" >> "$manifest"
    else
        [ -d "$p/miner" ] || [ -d "$p/benign" ] ||
            { echo "eval.sh: $p has neither miner/ nor benign/; use --label" >&2; exit 2; }
        [ -d "$p/miner" ] && list "$p/miner" miner "" >> "$manifest"
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
