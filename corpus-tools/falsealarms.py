#!/usr/bin/env python3
"""falsealarms.py - false alarms on the hard negatives, per category.

    corpus-tools/falsealarms.py [--cache DIR] [--build DIR] [--json MODEL.json]
                                [--details] [--out REPORT.md]

Scans what fetch.sh put under $CACHE/hard (one directory per Debian
package) and the CUDA toolkit directories the manifest names, with the
minerscan of the build (rules + model, `--all -f jsonl`), and prints one
Markdown table row per category (the CATEGORY of the manifest family
CATEGORY/PACKAGE):

  files       ELF/PE files of the category in the manifest (what the model scores)
  >= thr      of those, model score at or over the threshold (suspicious)
  >= strict   of those, at or over the strict threshold (malicious with no rule)
  objects     every object the full scan reported (members of archives too)
  malicious, suspicious, limit   the full scan's verdicts

--details lists every flagged object with its score and rules. The strict
threshold is read from the model JSON (default: models/miner.json, what the
build compiles in). Nothing scanned is executed; the scanner only reads.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import time


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.dirname(here)
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "minerscan-corpus"))
    ap.add_argument("--build", default=os.path.join(src, "build"))
    ap.add_argument("--json", default=os.path.join(src, "models", "miner.json"))
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()

    strict = json.load(open(a.json))["strict_threshold"]
    cat_files = collections.defaultdict(set)  # category -> scored file paths
    roots = collections.defaultdict(set)  # category -> directories to scan
    hard = os.path.join(a.cache, "hard")
    with open(os.path.join(a.cache, "manifest.tsv")) as m:
        for line in m:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) < 8 or "/" not in f[2] or f[1] != "benign":
                continue
            cat, pkg = f[2].split("/", 1)
            cat_files[cat].add(f[7])
            if f[6].startswith("deb:"):
                roots[cat].add(os.path.join(hard, pkg))
            elif f[6].startswith("file:"):
                roots[cat].add(f[6][5:].split(":", 1)[0].rstrip("/"))
    if not cat_files:
        sys.exit("falsealarms.py: no hard negatives in the manifest: run corpus-tools/fetch.sh "
                 "--hard-negatives-only")

    exe = os.path.join(a.build, "scanner", "minerscan")
    out = open(a.out, "w") if a.out else sys.stdout
    rows, details = [], []
    tot = collections.Counter()
    t_all = time.monotonic()
    for cat in sorted(cat_files):
        t0 = time.monotonic()
        p = subprocess.run([exe, "-j2", "--all", "--no-progress", "-f", "jsonl"] + sorted(roots[cat]),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
        secs = time.monotonic() - t0
        c = collections.Counter()
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            r = json.loads(line)
            if r.get("type") == "summary":
                c["objects"] = r["objects"]
                continue
            if r.get("type") != "object":
                continue
            v = r.get("verdict")
            c[v] += 1
            mod = r.get("model") or {}
            if r["path"] in cat_files[cat] and not r.get("is_member") and "score" in mod:
                c["scored"] += 1
                c["thr"] += mod["score"] >= mod["threshold"]
                c["strict"] += mod["score"] >= strict
            if v in ("malicious", "suspicious") or (mod.get("score", 0) >= mod.get("threshold", 2)):
                details.append((cat, v, mod.get("score"), [h["rule"] for h in r.get("rules", [])],
                                r["path"], r.get("reason") or ""))
        rows.append((cat, len(cat_files[cat]), c, secs))
        tot.update({k: c[k] for k in ("thr", "strict", "objects", "malicious", "suspicious", "limit")})
        tot["files"] += len(cat_files[cat])
        tot["scored"] += c["scored"]

    out.write("| category | files | scored | >= threshold | >= strict | objects | malicious | "
              "suspicious | limit | scan s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for cat, n, c, secs in rows:
        out.write("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %.1f |\n" % (
            cat, n, c["scored"], c["thr"], c["strict"], c["objects"], c["malicious"], c["suspicious"],
            c["limit"], secs))
    out.write("| **all** | %d | %d | %d | %d | %d | %d | %d | %d | %.1f |\n" % (
        tot["files"], tot["scored"], tot["thr"], tot["strict"], tot["objects"], tot["malicious"],
        tot["suspicious"], tot["limit"], time.monotonic() - t_all))
    if a.details and details:
        out.write("\n| category | verdict | score | rules | object | reason |\n|---|---|---:|---|---|---|\n")
        for cat, v, s, rules, path, reason in sorted(details):
            path = path.replace(a.cache + "/", "$C/")
            out.write("| %s | %s | %s | %s | %s | %s |\n" % (
                cat, v, "%.4f" % s if s is not None else "", " ".join(rules), path, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
