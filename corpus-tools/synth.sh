#!/bin/bash
# synth.sh - SYNTHETIC miner-like programs, compiled (never run) to widen a
# positive set that public registries keep tiny.
#
#   corpus-tools/synth.sh [--cache DIR] [--count N]
#
# These are not miners: each is a small C program that holds what a miner
# holds at rest (Stratum method names, pool URLs, algorithm ids, hash-rate
# units, huge-page and MSR strings, option names, the round constants of the
# hash functions) and calls what a miner calls (thread affinity, huge pages,
# sockets), with random benign filler around it. They are labelled
# kind=synthetic in $CACHE/synthetic.tsv and every figure built on them is
# reported apart from the real samples. Five families, so that
# leave-one-family-out has something to leave out:
#   syn-rx      RandomX-style CPU miner (Linux ELF and Windows PE)
#   syn-cn      CryptoNight-style CPU miner
#   syn-gpu     GPU miner (kawpow/ethash, OpenCL/CUDA names)
#   syn-dropper a small loader: pool URL, wallet, persistence, few miner words
#   syn-argon   Argon2/chukwa miner
# and one benign control family, syn-control (label benign): the same
# generator, compilers, flags, filler, API calls and (sometimes) the same
# hash-function tables, but no mining content. Without it a model can learn
# "built by this script" instead of "holds what a miner holds".
set -euo pipefail

cache=${XDG_CACHE_HOME:-$HOME/.cache}/minerscan-corpus
count=12
while [ $# -gt 0 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "synth.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$cache/synthetic/src"
cache=$(cd "$cache" && pwd)
out=$cache/synthetic
manifest=$cache/synthetic.tsv
RANDOM=4242 # reproducible corpus: $RANDOM is only read in this shell (bash
             # reseeds it in subshells, and pipes and <() are subshells)

pick() { # SEED K ARG...: K of the arguments, chosen by SEED
    local seed=$1 k=$2; shift 2
    printf '%s\n' "$@" | shuf -n "$k" --random-source=<(yes "$seed")
}

cstr() { printf '    "%s",\n' "$@"; }

family_strings() { # FAMILY SEED
    local seed=$2
    case $1 in
    syn-rx) pick "$seed" 14 "mining.submit" "mining.subscribe" "mining.authorize" "keepalived" \
        "stratum+tcp://pool.example.net:3333" "stratum+ssl://xmr.example.org:443" "rx/0" "rx/wow" \
        "rx/arq" "randomx" "RandomX init dataset" "huge pages %s %u/%u" "1gb-pages" "msr register values" \
        "wrmsr" "/dev/cpu/%u/msr" "speed 10s/60s/15m %s H/s" "max %s H/s" "accepted (%u/%u) diff %u" \
        "donate-level" "cpu-priority" "max-threads-hint" "rig-id" "new job from %s diff %u algo %s" \
        "monero" "XMR" "--algo" "use pool %s" ;;
    syn-cn) pick "$seed" 12 "mining.submit" "mining.notify" "stratum+tcp://%s:%d" "cn/r" "cn/half" "cn/fast" \
        "cn-lite" "cryptonight" "CryptoNight" "hashrate: %.1f H/s" "kH/s" "accepted share" "rejected share" \
        "large pages" "SeLockMemoryPrivilege" "donate" "xmr-stak" "--donate-level" "nicehash" \
        "seed_hash" "job_id" "wallet address" ;;
    syn-gpu) pick "$seed" 12 "eth_submitWork" "eth_submitLogin" "eth_getWork" "eth_submitHashrate" \
        "mining.subscribe" "mining.set_target" "kawpow" "ethash" "etchash" "progpow" "autolykos" \
        "stratum+tcp://%s" "MH/s" "GH/s" "OpenCL platform %s" "CUDA device %d" "nvml" "amdgpu" "cl_khr_fp16" \
        "ravencoin" "ethereum" "dev fee" "devfee" "GPU #%d %.2f MH/s" ;;
    syn-dropper) pick "$seed" 8 "stratum+tcp://%s:%d" "pool.example.org:14444" "/tmp/.x" "/dev/shm/.cache" \
        "crontab -l" "ld.so.preload" "nohup %s >/dev/null 2>&1 &" "chattr +i" "pkill -9 xmrig" \
        "kill -9 %d" "curl -fsSL %s | sh" "-o stratum+tcp://%s -u %s -p x" "--donate-level 1" \
        "schtasks /create /tn %s" "monero" "miner" "Software\\Microsoft\\Windows\\CurrentVersion\\Run" ;;
    syn-control) pick "$seed" 10 "listening on %s:%d" "worker %d exited" "compressing %s" "sha512: %s" \
        "aes-256-gcm" "checksum mismatch" "pinned thread %d to cpu %d" "using huge buffers" \
        "connected to %s" "sent %zu bytes" "backup complete" "scheduler: %d jobs" "rate %.1f MB/s" ;;
    syn-argon) pick "$seed" 10 "argon2/chukwa" "argon2/wrkz" "argon2" "turtlecoin" "mining.submit" "login" \
        "stratum+tcp://%s" "H/s" "kH/s" "hashrate %.2f" "accepted" "difficulty %llu" "cpu-affinity" \
        "huge pages" "donate-level" "wallet" ;;
    esac
}

filler() { # COUNT SEED
    pick "$2" "$1" "usage: %s [options]" "error: cannot open %s" "version %d.%d.%d" "config file not found" \
        "Copyright (C) the authors" "out of memory" "invalid argument: %s" "connection closed" \
        "timeout after %d ms" "reading %s" "writing %s" "GET %s HTTP/1.1" "Host: %s" "json parse error" \
        "http://example.com/" "https://example.org/api" "%s: %s" "debug" "info" "warning" "signal %d" \
        "thread %d started" "loading plugin %s" "cache miss" "retrying in %d s" "user agent: %s"
}

keccak='0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL'
aes='0x63,0x7c,0x77,0x7b,0xf2,0x6b,0x6f,0xc5,0x30,0x01,0x67,0x2b,0xfe,0xd7,0xab,0x76'
rx='0xb4f44917u, 0xdbb5552bu, 0x62716609u, 0x6daca553u, 0x0da1dc4eu, 0x1725d378u'
groestl='0xc632f4a5f497a5c6ULL'
blake2b='0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL'

gen_source() { # family target(elf|pe) idx
    local fam=$1 tgt=$2
    echo "/* synthetic miner-like fixture ($fam), never run */"
    if [ "$tgt" = elf ]; then
        echo '#define _GNU_SOURCE'
        echo '#include <pthread.h>'
        echo '#include <sched.h>'
        echo '#include <sys/mman.h>'
        echo '#include <sys/socket.h>'
        echo '#include <netdb.h>'
    else
        echo '#include <winsock2.h>'
        echo '#include <windows.h>'
    fi
    echo '#include <stdio.h>'
    echo '#include <stdint.h>'
    local seed_mine=$RANDOM seed_fill=$RANDOM nfill=$((RANDOM % 18 + 2))
    echo 'static const char *s_mine[] = {'
    family_strings "$fam" "$seed_mine" | while IFS= read -r s; do cstr "$s"; done
    echo '};'
    echo 'static const char *s_fill[] = {'
    filler "$nfill" "$seed_fill" | while IFS= read -r s; do cstr "$s"; done
    echo '};'
    case $fam in
    syn-rx) echo "static const uint32_t t_rx[] = {$rx};"; echo "static const uint64_t t_b2[] = {$blake2b};" ;;
    syn-cn) echo "static const uint64_t t_k[] = {$keccak};"; echo "static const unsigned char t_s[] = {$aes};"
        echo "static const uint64_t t_g[] = {$groestl};" ;;
    syn-gpu) echo "static const uint64_t t_k[] = {$keccak};" ;;
    syn-argon) echo "static const uint64_t t_b2[] = {$blake2b};" ;;
    syn-control) case $((RANDOM % 4)) in
        0) echo "static const uint64_t t_k[] = {$keccak};" ;;
        1) echo "static const uint64_t t_b2[] = {$blake2b};" ;;
        2) echo "static const unsigned char t_s[] = {$aes};" ;;
        *) echo "static const int t_none = 0;" ;;
        esac ;;
    esac
    # filler code of random size
    local nf=$((RANDOM % 40 + 1)) i
    for ((i = 0; i < nf; i++)); do
        echo "int f$i(int x) { int y = x * $RANDOM; for (int k = 0; k < (x & 15); k++) y ^= (y << $((i % 7 + 1))) + k * $RANDOM; return y; }"
    done
    echo 'int main(int argc, char **argv) {'
    echo '    int acc = 0;'
    for ((i = 0; i < nf; i++)); do echo "    acc += f$i(argc);"; done
    echo '    if (argc > 99) {'
    echo '        for (unsigned i = 0; i < sizeof(s_mine) / sizeof(s_mine[0]); i++) printf(s_mine[i], argv[0], acc);'
    echo '        for (unsigned i = 0; i < sizeof(s_fill) / sizeof(s_fill[0]); i++) puts(s_fill[i]);'
    case $fam in
    syn-rx | syn-argon) echo '        printf("%llx", (unsigned long long)t_b2[argc & 1]);' ;;
    syn-gpu) echo '        printf("%llx", (unsigned long long)t_k[argc & 3]);' ;;
    syn-cn) echo '        printf("%llx %d %llx", (unsigned long long)t_k[argc & 3], t_s[argc & 15], (unsigned long long)t_g[0]);' ;;
    syn-control) echo '        printf("%p", (void *)&s_mine);' ;;
    esac
    [ "$fam" = syn-rx ] && echo '        printf("%x", t_rx[argc % 6]);'
    if [ "$tgt" = elf ]; then
        [ $((RANDOM % 4)) != 0 ] && echo '        { cpu_set_t c; CPU_ZERO(&c); CPU_SET(argc, &c); sched_setaffinity(0, sizeof(c), &c); pthread_setaffinity_np(pthread_self(), sizeof(c), &c); }'
        [ $((RANDOM % 3)) != 0 ] && echo '        { void *p = mmap(0, 1 << 21, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0); madvise(p, 1 << 21, MADV_HUGEPAGE); }'
        [ $((RANDOM % 4)) != 0 ] && echo '        { struct addrinfo *ai; getaddrinfo(argv[1], "3333", 0, &ai); int s = socket(AF_INET, SOCK_STREAM, 0); connect(s, ai->ai_addr, ai->ai_addrlen); }'
    else
        [ $((RANDOM % 4)) != 0 ] && echo '        SetThreadAffinityMask(GetCurrentThread(), 1);'
        [ $((RANDOM % 3)) != 0 ] && echo '        { HANDLE t; TOKEN_PRIVILEGES tp; OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &t); LookupPrivilegeValueA(0, "SeLockMemoryPrivilege", &tp.Privileges[0].Luid); AdjustTokenPrivileges(t, 0, &tp, 0, 0, 0); VirtualAlloc(0, GetLargePageMinimum(), MEM_COMMIT | MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE); }'
        [ $((RANDOM % 4)) != 0 ] && echo '        { WSADATA w; WSAStartup(0x202, &w); SOCKET s = socket(AF_INET, SOCK_STREAM, 0); connect(s, 0, 0); }'
    fi
    echo '    }'
    echo '    return acc & 1;'
    echo '}'
}

: > "$manifest.new"
rm -f "$out"/*.line
build_one() { # src bin tgt flags fam k
    local src=$1 bin=$2 tgt=$3 flags=$4 fam=$5 k=$6 sum
    if [ "$tgt" = elf ]; then
        gcc $flags -o "$bin" "$src" -lpthread 2> /dev/null || { echo "synth.sh: gcc failed on $src" >&2; return; }
    else
        x86_64-w64-mingw32-gcc $flags -Wl,--no-insert-timestamp -o "$bin" "$src" -lws2_32 -ladvapi32 2> /dev/null ||
            { echo "synth.sh: mingw failed on $src" >&2; return; }
    fi
    chmod a-x "$bin"
    sum=$(sha256sum "$bin" | cut -d' ' -f1)
    local label=miner
    [ "$fam" = syn-control ] && label=benign
    printf '%s\t%s\t%s\t%s\t%s\tsynthetic\tsynth:%s\t%s\n' "$sum" "$label" "$fam" "$tgt" "$sum" "$fam-$k" "$bin" > "$bin.line"
}
jobs_n=0
for fam in syn-rx syn-cn syn-gpu syn-dropper syn-argon syn-control; do
    n_k=$count
    [ $fam = syn-control ] && n_k=$((count * 3))
    for ((k = 0; k < n_k; k++)); do
        tgt=elf
        [ $((k % 3)) = 2 ] && tgt=pe
        src=$out/src/$fam-$k.c
        bin=$out/$fam-$k.$tgt
        gen_source "$fam" "$tgt" > "$src"
        flags="-O$((RANDOM % 3))"
        [ $((RANDOM % 2)) = 0 ] && flags="$flags -s"
        [ "$tgt" = elf ] && [ $((RANDOM % 3)) = 0 ] && flags="$flags -static"
        build_one "$src" "$bin" "$tgt" "$flags" "$fam" "$k" &
        jobs_n=$((jobs_n + 1))
        [ $((jobs_n % 2)) = 0 ] && wait
    done
done
wait
for fam in syn-rx syn-cn syn-gpu syn-dropper syn-argon syn-control; do
    for ((k = 0; k < count * 3; k++)); do
        for l in "$out/$fam-$k".*.line; do [ -e "$l" ] && cat "$l" >> "$manifest.new"; done
    done
done
rm -f "$out"/*.line
n=$(grep -c . "$manifest.new" || true)
{ printf '#sha256\tlabel\tfamily\tformat\tgroup\tkind\tsource\tpath\n'; cat "$manifest.new"; } > "$manifest"
rm -f "$manifest.new"
echo "synth.sh: $n synthetic samples in $manifest"
