#!/usr/bin/env bash
# The static libraries that -Dportable=true links, beyond tests/setup.sh
# (as root, Debian 12). libyara-dev, libmagic-dev, libarchive-dev,
# libssl-dev, libxml2-dev, nettle-dev and liblzma/libbz2/zlib's -dev
# packages already carry their .a files; libarchive's static link
# (pkg-config --static --libs libarchive) also needs -lzstd -llz4 -lacl,
# whose .a files are in these three. libicu-dev gives icu-uc.pc, whose
# version names the ICU symbols scanner/portable.c stands in for.
set -euo pipefail

pkgs=(libzstd-dev liblz4-dev libacl1-dev libicu-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup-portable: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup-portable: static libraries present"
