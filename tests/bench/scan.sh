#!/usr/bin/env bash
# Benchmark: minerscan against yara on the same rules over the same trees,
# measured fairly (issue 12), in one run, warm cache.
#
#   tests/bench/scan.sh [BUILD_DIR] [--pairs N] [--quick] [--no-usr] [--no-survey] [TREE...]
#
# - yara runs with -N: it follows symbolic links unless told not to, and
#   under /usr/lib every library is reached again through its .so links;
#   minerscan does not follow them. One yara call per tree, -p 2, and
#   minerscan -j2 over all trees, as a user would run each.
# - Each comparison is PAIRS pairs run alternately (yara, minerscan, yara,
#   minerscan ...): the ratio of each pair is printed, then the medians and
#   the ratio of the medians. Noise on a shared machine moves single runs by
#   tens of percent; alternation puts both sides under the same noise.
# - Rule sets: the built-in sources (signatures/*.yar and the generated
#   pools.yar), and a third-party-sized set of GENERATED_RULES rules made
#   here (gen_rules.py, shaped like signature-base: vendor folders,
#   scores, externals) added to them, so both tools run the same rules.
# - Also: the whole of /usr once each (time, peak RSS), files per second on
#   a tree of small files, minerscan -j1 against -j2, one small file end to
#   end. --quick: one pair, no /usr, fewer small files, no atom survey;
#   --no-survey: no atom survey (it takes minutes).
#
# Prints one line per measurement. Needs yara and GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build
pairs=3
quick=0
no_usr=0
no_survey=0
trees=()
while (($#)); do
  case $1 in
  --pairs) pairs=$2; shift 2 ;;
  --quick) quick=1; pairs=1; shift ;;
  --no-usr) no_usr=1; shift ;;
  --no-survey) no_survey=1; shift ;;
  -*) echo "bench: unknown option $1" >&2; exit 2 ;;
  *) if [ ${#trees[@]} -eq 0 ] && [ -d "$1/scanner" ]; then build=$1; else trees+=("$1"); fi; shift ;;
  esac
done
((${#trees[@]})) || trees=(/usr/bin /usr/sbin /usr/lib/x86_64-linux-gnu)
ms=$build/scanner/minerscan
[ -x "$ms" ] || { echo "bench: build first: $ms missing" >&2; exit 2; }
command -v yara >/dev/null || { echo "bench: yara missing (apt-get install yara)" >&2; exit 2; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

builtin=(signatures/*.yar)
for g in "$build"/signatures/*.yar; do [ -e "$g" ] && builtin+=("$g"); done
generated=${GENERATED_RULES:-3000}
python3 tests/bench/gen_rules.py "$generated" "$work/third-party" "$work/targets" > /dev/null
mapfile -t tp_files < <(find "$work/third-party" -name '*.yar' | sort)
ydefs=(-d filename=x -d filepath=x -d extension=x -d filetype=x -d owner=x)

files=$(find "${trees[@]}" -xdev -type f 2>/dev/null | wc -l)
bytes=$(find "${trees[@]}" -xdev -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s}')
mib=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b/1048576}')
echo "trees: ${trees[*]}: $files files, $mib MiB; built-in: ${#builtin[@]} rule files; third-party: $generated generated rules"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
find "${trees[@]}" -xdev -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true

# run LABEL CMD...: prints "wall cpu rss_mb" of one run to stdout
run() {
  local tf; tf=$(mktemp)
  /usr/bin/time -o "$tf" -f '%e %U %S %M' "$@" > /dev/null 2>&1 || true
  tail -1 "$tf" | awk '{printf "%.2f %.2f %.1f\n", $1, $2 + $3, $4 / 1024}'
  rm -f "$tf"
}

yara_trees() { # options and rule files..., then -- trees
  local r=() ; while [ "$1" != -- ]; do r+=("$1"); shift; done; shift
  for d in "$@"; do yara -N -r -p 2 -w "${r[@]}" "$d" || true; done
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# compare LABEL "yara command" "minerscan command": PAIRS alternated pairs
compare() {
  local label=$1 ycmd=$2 mcmd=$3 yw=() mw=() i
  echo "== $label"
  for ((i = 1; i <= pairs; i++)); do
    read -r yws ycpu yrss < <(run bash -c "$ycmd")
    read -r mws mcpu mrss < <(run bash -c "$mcmd")
    yw+=("$yws"); mw+=("$mws")
    awk -v i="$i" -v a="$yws" -v ac="$ycpu" -v ar="$yrss" -v b="$mws" -v bc="$mcpu" -v br="$mrss" \
      'BEGIN {printf "  pair %d: yara %6.2f s (cpu %6.2f, %5.0f MB)  minerscan %6.2f s (cpu %6.2f, %5.0f MB)  yara/minerscan %.2f\n", i, a, ac, ar, b, bc, br, (b > 0 ? a / b : 0)}'
  done
  local ym mm
  ym=$(printf '%s\n' "${yw[@]}" | median); mm=$(printf '%s\n' "${mw[@]}" | median)
  awk -v a="$ym" -v b="$mm" -v mib="$mib" \
    'BEGIN {printf "  median: yara %.2f s, minerscan %.2f s (%.0f MiB/s): minerscan is %.2fx as fast as yara -N\n", a, b, (b > 0 ? mib / b : 0), (b > 0 ? a / b : 0)}'
}

q() { printf '%q ' "$@"; }
yb="$(declare -f yara_trees); yara_trees $(q "${builtin[@]}") -- $(q "${trees[@]}")"
mb="$(q "$ms") -j2 --no-progress -f jsonl $(q "${trees[@]}")"
compare "built-in rules: yara -N -r -p 2 vs minerscan -j2" "$yb" "$mb"

yt="$(declare -f yara_trees); yara_trees $(q "${ydefs[@]}" "${builtin[@]}" "${tp_files[@]}") -- $(q "${trees[@]}")"
mt="$(q "$ms") -j2 --no-progress -f jsonl --rules $(q "$work/third-party") $(q "${trees[@]}")"
compare "built-in + $generated third-party rules" "$yt" "$mt"

# What the cut rule sets give (scanner/ruleprune.h): the same run with
# them and without (MINERSCAN_RULE_CUT=off), pairs alternated.
echo "== cut rule sets (built-in + $generated third-party rules): minerscan vs MINERSCAN_RULE_CUT=off"
cw=(); ow=()
for ((i = 1; i <= pairs; i++)); do
  read -r cws ccpu _ < <(run bash -c "$mt")
  read -r ows ocpu _ < <(run env MINERSCAN_RULE_CUT=off bash -c "$mt")
  cw+=("$cws"); ow+=("$ows")
  awk -v i="$i" -v a="$cws" -v ac="$ccpu" -v b="$ows" -v bc="$ocpu" \
    'BEGIN {printf "  pair %d: cut %6.2f s (cpu %6.2f)  off %6.2f s (cpu %6.2f)  off/cut %.2f\n", i, a, ac, b, bc, (a > 0 ? b / a : 0)}'
done
awk -v a="$(printf '%s\n' "${cw[@]}" | median)" -v b="$(printf '%s\n' "${ow[@]}" | median)" \
  'BEGIN {printf "  median: cut %.2f s, off %.2f s: %.2fx\n", a, b, (a > 0 ? b / a : 0)}'

# Would a prefilter on libyara's atoms let minerscan skip libyara? Only
# where objects hold none of them (tests/bench/atom_survey.c). Not with
# --quick: with the third-party set it takes minutes.
if ((!quick && !no_survey)) && ninja -C "$build" tests/atom-survey >/dev/null 2>&1; then
  echo "== objects holding at least one libyara atom (built-in rules, then + $generated third-party)"
  "$build/tests/atom-survey" "${builtin[@]}" -- "${trees[@]}" | sed 's/^/  /'
  "$build/tests/atom-survey" "${builtin[@]}" "${tp_files[@]}" -- "${trees[@]}" | sed 's/^/  /'
fi

echo "== thread scaling (minerscan, built-in rules)"
for j in 1 2; do
  read -r w c r < <(run "$ms" -j$j --no-progress -f jsonl "${trees[@]}")
  echo "  -j$j: $w s wall, $c s cpu, $r MB"
done

nsmall=20000; ((quick)) && nsmall=5000
mkdir -p "$work/small"
python3 - "$work/small" "$nsmall" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
words = "the of and to in is for on that by this with config server user path value file data".split()
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 200))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "w") as f:
        f.write(" ".join(random.choice(words) for _ in range(random.randint(20, 300))) + "\n")
EOF
echo "== $nsmall small files (1-2 KB text)"
read -r yws _ _ < <(run bash -c "yara -N -r -p 2 -w $(q "${builtin[@]}") $(q "$work/small")")
read -r mws _ _ < <(run "$ms" -j2 --no-progress -f jsonl "$work/small")
awk -v n="$nsmall" -v a="$yws" -v b="$mws" 'BEGIN {printf "  yara %.2f s (%.0f files/s), minerscan %.2f s (%.0f files/s)\n", a, n / a, b, n / b}'

if ((!quick && !no_usr)); then
  ufiles=$(find /usr -xdev -type f 2>/dev/null | wc -l)
  echo "== the whole of /usr ($ufiles files), once each"
  read -r yws ycpu yrss < <(run bash -c "yara -N -r -p 2 -w $(q "${builtin[@]}") /usr")
  read -r mws mcpu mrss < <(run "$ms" -j2 --no-progress -f jsonl /usr)
  echo "  yara -N: $yws s (cpu $ycpu, peak $yrss MB); minerscan: $mws s (cpu $mcpu, peak $mrss MB)"
fi

small=$(mktemp)
printf '#!/bin/sh\necho hello\n' > "$small"
start=$(date +%s.%N)
for _ in $(seq 20); do "$ms" --no-progress "$small" > /dev/null; done
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" 'BEGIN {printf "== one small file, end to end: %.1f ms per run (20 runs)\n", (b - a) * 1000 / 20}'
rm -f "$small"
