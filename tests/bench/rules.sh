#!/usr/bin/env bash
# Third-party-sized rule sets (issue 11): load time and hit parity with the
# yara CLI on the same rules and files.
#
#   tests/bench/rules.sh [BUILD_DIR] [N...]      (default: build 1000 3000 10000)
#
# For each N, gen_rules.py writes N signature-base-shaped rules (vendor
# subfolders, scores, externals) and 200 files that some of them match.
# Load time: a run over one empty file, sources compiled each time, then
# the compiled form (yarac / --save-rules, loaded with yara -C /
# --compiled-rules); median of 5 runs each. Parity: both tools scan the
# 200 files with the same rules and the same fixed external values (-d:
# yara sets externals per run, minerscan per object unless -d fixes them)
# and the sets of (file, rule) hits are compared.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build
sizes=()
for a in "$@"; do if [ -d "$a/scanner" ]; then build=$a; else sizes+=("$a"); fi; done
((${#sizes[@]})) || sizes=(1000 3000 10000)
ms=$build/scanner/minerscan
[ -x "$ms" ] || { echo "bench: build first: $ms missing" >&2; exit 2; }
command -v yara >/dev/null && command -v yarac >/dev/null || { echo "bench: yara and yarac needed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
defs=(-d filename=x -d filepath=x -d extension=x -d filetype=x -d owner=x)
: > "$work/empty"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t5() { for _ in 1 2 3 4 5; do s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); done | median; }
for n in "${sizes[@]}"; do
  r=$work/r$n t=$work/t$n
  python3 tests/bench/gen_rules.py "$n" "$r" "$t" >/dev/null
  mapfile -t files < <(find "$r" -name '*.yar' | sort)
  yarac "${defs[@]}" "${files[@]}" "$work/y$n.yarc" 2>/dev/null
  "$ms" --no-builtin-rules --rules "$r" --save-rules "$work/m$n.yarc" >/dev/null
  ys=$(t5 yara -w "${defs[@]}" "${files[@]}" "$work/empty")
  ms_=$(t5 "$ms" --no-progress --no-builtin-rules --rules "$r" "$work/empty")
  yc=$(t5 yara -w -C "${defs[@]}" "$work/y$n.yarc" "$work/empty")
  mc=$(t5 "$ms" --no-progress --no-builtin-rules --compiled-rules "$work/m$n.yarc" "$work/empty")
  echo "$n rules (${#files[@]} files in $(find "$r" -mindepth 1 -maxdepth 1 -type d | wc -l) vendor folders): sources: yara $ys ms, minerscan $ms_ ms; compiled: yara -C $yc ms, minerscan --compiled-rules $mc ms"
  { yara -w -N -r "${defs[@]}" "${files[@]}" "$t" || true; } | awk '{print $2 "\t" $1}' | sort -u > "$work/yh"
  { "$ms" --no-progress --all --no-builtin-rules "${defs[@]}" --rules "$r" -f jsonl "$t" || true; } | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("type") == "object" and not r.get("is_member"):
        for h in r.get("rules", []):
            print(r["path"] + "\t" + h["rule"])' | sort -u > "$work/mh"
  echo "  hits: yara $(wc -l < "$work/yh"), minerscan $(wc -l < "$work/mh"), only yara $(comm -23 "$work/yh" "$work/mh" | wc -l), only minerscan $(comm -13 "$work/yh" "$work/mh" | wc -l), over $(ls "$t" | wc -l) files"
done
