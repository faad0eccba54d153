#!/usr/bin/env bash
# Measure UPX unpacking (issue 10): for every format x method, how many
# packed miner-like programs minerscan reports malicious (found/total); the
# cost of ms_upx_candidate over all files of a tree against reading them;
# and unpack throughput on the packed programs.
#
#   tests/bench/upx.sh [BUILD_DIR] [TREE]        (default: build /usr/bin)
#
# Needs UPX (`upx` on PATH, else ../shared/tools/upx beside the project),
# cc with gcc-multilib, mingw-w64 (both targets). The programs are compiled
# here from a few lines of C holding XMRig's strings; nothing is run.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
tree=${2:-/usr/bin}
ms=$build/scanner/minerscan
[ -x "$ms" ] || { echo "bench: build first: $ms missing" >&2; exit 2; }
ninja -C "$build" tests/upx-bench >/dev/null
bench=$build/tests/upx-bench
upx=$(command -v upx || true)
[ -n "$upx" ] || upx=../shared/tools/upx
[ -x "$upx" ] || { echo "bench: UPX not found" >&2; exit 2; }

work=$(mktemp -d /tmp/ms-bench-upx-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/packed"
python3 - "$work/prog.c" <<'P'
import sys
s = ('#include <stdio.h>\nstatic const char *const s[] = {"XMRig", "xmrig.com", "donate-over-proxy", '
     '"enable nicehash.com support", "cn-lite/0"};\n'
     '__attribute__((noinline)) unsigned f0(unsigned x) { return x * 2654435761u; }\n'
     '__attribute__((noinline)) unsigned f1(unsigned x) { return x ^ (x >> 7); }\n')
for i in range(2, 300):
    s += ('__attribute__((noinline)) unsigned f%d(unsigned x) { return x & 1 ? f%d(x + %d) : f%d(x ^ %du) + 1; }\n'
          % (i, i - 1, i, i // 2, i * 7))
s += ('int main(int argc, char **argv) { (void)argv; if (argc > 99) for (unsigned i = 0; i < 5; i++) puts(s[i]);'
      ' return (int)(f299((unsigned)argc) & 1); }\n')
open(sys.argv[1], "w").write(s)
P
declare -A cc=([elf64]="cc" [elf64-static]="cc -static" [elf32]="cc -m32" [elf32-static]="cc -m32 -static"
               [pe64]="x86_64-w64-mingw32-gcc -s" [pe32]="i686-w64-mingw32-gcc")
formats=(elf64 elf64-static elf32 elf32-static pe64 pe32)
methods=(--nrv2b --nrv2d --nrv2e --lzma -9 --best)
found_all=0; total_all=0
printf '%-14s' "found/total"; printf ' %-7s' "${methods[@]}"; echo
for f in "${formats[@]}"; do
  ${cc[$f]} -O1 -o "$work/$f" "$work/prog.c"
  [ -f "$work/$f" ] || mv "$work/$f.exe" "$work/$f"
  printf '%-14s' "$f"
  for m in "${methods[@]}"; do
    p=$work/packed/$f$m
    "$upx" -q "$m" -o "$p" "$work/$f" >/dev/null 2>&1 || "$upx" -q --force "$m" -o "$p" "$work/$f" >/dev/null
    n=$({ "$ms" -f jsonl "$p" || true; } | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin for r in [json.loads(l)]
          if r.get("type") == "object" and r["path"].endswith("!upx") and r["verdict"] == "malicious"))')
    found_all=$((found_all + n)); total_all=$((total_all + 1))
    printf ' %-7s' "$n/1"
  done
  echo
done
echo "found: $found_all/$total_all packed programs malicious through their !upx member"
"$bench" candidate "$tree" >/dev/null   # warm the cache
"$bench" candidate "$tree"
"$bench" unpack "$work"/packed/*
