#!/usr/bin/env python3
"""Write a rule set shaped like the public ones (issue 11) and files that
some of its rules match, for tests/bench/rules.sh.

  gen_rules.py N RULES_DIR TARGET_DIR [SEED]

N rules in files of 100 under vendor subfolders (as signature-base and
reversinglabs lay them out), each with author/description/reference/date
metadata and a signature-base score, 2-6 strings (text, nocase, wide,
hex with jumps and wildcards, regexes) and the conditions such sets use
(N of them, filesize, uint16 headers, and the Loki/THOR external
variables filename and extension in one rule of 20). TARGET_DIR gets 200
files, each holding the strings of a few rules (so some match and some
only nearly do) among random bytes.
"""
import os
import random
import sys

n = int(sys.argv[1])
rdir, tdir = sys.argv[2], sys.argv[3]
rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 11)
letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"


def word(lo=8, hi=16):
    return "".join(rnd.choice(letters) for _ in range(rnd.randint(lo, hi)))


rules = []  # (name, [(kind, text, bytes)], condition)
for i in range(n):
    strs = []
    for k in range(rnd.randint(2, 6)):
        kind = rnd.choice(["text", "text", "nocase", "wide", "hex", "regex"])
        w = word()
        if kind == "hex":
            b = bytes(rnd.randrange(256) for _ in range(rnd.randint(8, 11)))
            hx = " ".join("%02X" % c for c in b[:3]) + " ?? " + " ".join("%02X" % c for c in b[4:6]) + \
                " [1-4] " + " ".join("%02X" % c for c in b[6:])
            strs.append(("hex", "{ %s }" % hx, b[:6] + b"\x00\x00" + b[6:]))
        elif kind == "regex":
            strs.append(("regex", "/%s[0-9]{2,4}%s/" % (w[:6], w[6:]), (w[:6] + "123" + w[6:]).encode()))
        elif kind == "wide":
            strs.append(("wide", '"%s" wide ascii' % w, w.encode("utf-16-le")))
        elif kind == "nocase":
            strs.append(("nocase", '"%s" nocase' % w, w.upper().encode()))
        else:
            strs.append(("text", '"%s"' % w, w.encode()))
    c = rnd.choice(["any", "two", "all", "size", "mz"] * 4 + ["ext"])
    if c == "any":
        cond = "any of them"
    elif c == "two":
        cond = "2 of them"
    elif c == "all":
        cond = "all of them"
    elif c == "size":
        cond = "filesize < 2MB and any of them"
    elif c == "mz":
        cond = "uint16(0) == 0x5a4d and any of them"
    else:
        cond = 'any of them and (extension == ".bin" or filename contains "target")'
    rules.append(("gen_rule_%05d" % i, strs, cond, c))

os.makedirs(rdir, exist_ok=True)
for f in range(0, n, 100):
    sub = os.path.join(rdir, "vendor%d" % (f // 1000), "set%03d" % (f // 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "rules.yar"), "w") as out:
        for name, strs, cond, _ in rules[f:f + 100]:
            out.write("rule %s : generated\n{\n  meta:\n" % name)
            out.write('    author = "bench"\n    description = "generated rule %s"\n' % name)
            out.write('    reference = "https://example.org/%s"\n    date = "2024-01-01"\n' % name)
            out.write("    score = %d\n  strings:\n" % rnd.choice([40, 50, 60, 65, 70, 75, 80, 85, 100]))
            for k, (_, text, _) in enumerate(strs):
                out.write("    $s%d = %s\n" % (k, text))
            out.write("  condition:\n    %s\n}\n\n" % cond)

os.makedirs(tdir, exist_ok=True)
for t in range(200):
    body = bytearray(rnd.randbytes(rnd.randint(2000, 20000)))
    if t % 10 == 0:
        body[0:2] = b"MZ"
    for name, strs, cond, c in rnd.sample(rules, 4):
        pick = strs if rnd.random() < 0.5 else strs[:1]
        for _, _, b in pick:
            at = rnd.randrange(2, len(body))
            body[at:at] = b
    name = "target%03d%s" % (t, ".bin" if t % 3 == 0 else ".dat")
    with open(os.path.join(tdir, name), "wb") as out:
        out.write(body)
