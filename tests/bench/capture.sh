#!/usr/bin/env bash
# Throughput of the capture reader (issue 14): record a few hundred MB of
# mixed loopback traffic (bulk transfers, HTTP, Stratum sessions of both
# dialects, TLS) with tcpdump, then time minerscan on it against
# `tcpdump -r FILE -w /dev/null` (libpcap's own read) and
# `tcpdump -nn -r FILE > /dev/null` (read and print).
#   tests/bench/capture.sh [BUILD_DIR] [MB] [SEG]   (as root; loopback only)
# SEG 1400 gives Ethernet-sized packets (see capture_traffic.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
mb=${2:-300}
seg=${3:-65536}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/capture_traffic.py" "$work/mixed.pcap" "$mb" "$seg"
echo "packets: $(tcpdump -r "$work/mixed.pcap" 2>/dev/null | wc -l)"
ls -l "$work/mixed.pcap"
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
cat "$work/mixed.pcap" > /dev/null # page cache
echo "tcpdump -r -w /dev/null: $(t tcpdump -r "$work/mixed.pcap" -w /dev/null) s"
echo "tcpdump -nn -r > /dev/null: $(t tcpdump -nn -r "$work/mixed.pcap") s"
echo "minerscan (all stages): $(t "$build/scanner/minerscan" --max-filesize 2G -f jsonl "$work/mixed.pcap") s"
if [ -x "$build/tests/capture_read" ]; then
  echo "capture reader alone: $(t "$build/tests/capture_read" "$work/mixed.pcap") s"
fi
"$build/scanner/minerscan" --max-filesize 2G "$work/mixed.pcap" | head -20
