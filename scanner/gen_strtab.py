#!/usr/bin/env python3
"""gen_strtab.py - a table of strings kept out of the binary's plain bytes.

    gen_strtab.py PREFIX IN.tsv OUT.h

IN.tsv: one entry per line, "STRING" or "STRING<TAB>C-EXPRESSION", the
expression optionally followed by " @NAME" (then OUT.h defines
p_AT_NAME, the entry's index, so code names an entry without its text);
'#' starts a comment line; in STRING, \\t \\n \\\\ and \\xHH are escapes.
OUT.h defines, for PREFIX p:
    p_count                       the number of entries
    p_blob[]                      the strings, each NUL-terminated, back to
                                  back, XOR-ed with scanner/obscure.h's
                                  keystream (ms_obscure)
    p_off[]                       each string's offset in the blob
    p_EXTRA (when any line has a second column): an initializer list of the
                                  C expressions, in order
The scanner decodes the blob once per handle (ms_strtab_decode). Signature
data (miner tokens, pool names, protocol methods) stored plain made the
installed minerscan match its own rules and anybody's (issue 9).
"""
import sys

MASK = (1 << 64) - 1
SEED = 0x6d696e657273636e


def block(i):
    z = (SEED + (i + 1) * 0x9e3779b97f4a7c15) & MASK
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
    return z ^ (z >> 31)


def obscure(data):
    out = bytearray(data)
    for i in range(len(out)):
        out[i] ^= (block(i // 8) >> (8 * (i % 8))) & 0xFF
    return bytes(out)


def unescape(s):
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"t": b"\t", "n": b"\n", "\\": b"\\"}.get(n, n.encode())
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    prefix, src, dst = sys.argv[1:]
    strings, extra, names = [], [], []
    with open(src, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            s, _, x = line.partition("\t")
            b = unescape(s)
            if not b or b"\0" in b:
                sys.exit(f"{src}:{n}: empty string or a NUL in it")
            x, _, name = x.partition("@")
            if name:
                names.append((name.strip(), len(strings)))
            strings.append(b)
            extra.append(x.strip())
    blob, offs = bytearray(), []
    for b in strings:
        offs.append(len(blob))
        blob += b + b"\0"
    enc = obscure(bytes(blob))
    out = [f"/* generated from {src.split('/')[-1]} by scanner/gen_strtab.py; do not edit */",
           "#include <stddef.h>", "#include <stdint.h>",
           f"#define {prefix}_count {len(strings)}u",
           f"static const uint8_t {prefix}_blob[{len(enc)}] = {{"]
    for i in range(0, len(enc), 24):
        out.append("    " + ",".join(str(c) for c in enc[i:i + 24]) + ",")
    out.append("};")
    out.append(f"static const uint32_t {prefix}_off[{len(offs)}] = {{")
    for i in range(0, len(offs), 16):
        out.append("    " + ",".join(str(o) for o in offs[i:i + 16]) + ",")
    out.append("};")
    for name, i in names:
        out.append(f"#define {prefix}_AT_{name} {i}u")
    if any(extra):
        out.append(f"#define {prefix}_EXTRA {{" + ", ".join(x or "0" for x in extra) + "}")
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
