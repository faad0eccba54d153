#!/usr/bin/env python3
"""Add up the Criterion results of meson test logs and print one line:
'N passed, N failed, N skipped'. Exit 1 if anything failed or crashed."""
import json
import re
import sys

syn = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
passed = failed = skipped = 0
meson_failed = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        print("summarize: %s: %s" % (path, e))
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        m = syn.findall(out)
        if m:
            tested, p, f, c = map(int, m[-1])
            passed += p
            failed += f + c
            skips = re.findall(r"^\[SKIP\] (.*)$", out, re.M)
            skipped += len(skips)
            for sk in skips:
                print("skipped: %s" % sk)
        elif t.get("result") == "OK":
            passed += 1
        elif t.get("result") == "SKIP":
            skipped += 1
        if t.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
            meson_failed += 1
            if not m:
                failed += 1
print("tests: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or meson_failed else 0)
