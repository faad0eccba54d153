#!/usr/bin/env python3
"""Turn models/<name>.json into the C header compiled into minerscan.

The JSON holds: name, version, schema_version, schema_hash, threshold,
strict_threshold, bias, provenance, and features: a list of
{name, weight, mean, scale} in feature-schema order (models/FEATURES.md).
The header is checked here so that a hand-edited model cannot build into a
scanner that silently scores garbage: thresholds in (0, 1], finite numbers,
positive scales, unique feature names. Whether the schema matches the
feature code is checked at run time (the engine refuses a model whose
schema_hash differs from ms_features_schema_hash()) and by test_features.
"""
import json
import math
import sys


def fail(msg):
    sys.stderr.write("gen_header.py: %s\n" % msg)
    sys.exit(1)


def num(x, what):
    try:
        v = float(x)
    except (TypeError, ValueError):
        fail("%s is not a number: %r" % (what, x))
    if not math.isfinite(v):
        fail("%s is not finite" % what)
    return v


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src) as f:
        m = json.load(f)
    feats = m.get("features", [])
    t = num(m["threshold"], "threshold")
    st = num(m["strict_threshold"], "strict_threshold")
    if not (0 < t <= 1 and 0 < st <= 1):
        fail("thresholds must be in (0, 1]")
    names = [x["name"] for x in feats]
    if len(set(names)) != len(names):
        fail("duplicate feature names")
    with open(out, "w") as f:
        f.write("/* generated from %s by models/gen_header.py; do not edit */\n" % src.split("/")[-1])
        f.write("#define MS_MODEL_NAME %s\n" % json.dumps(m["name"]))
        f.write("#define MS_MODEL_VERSION %s\n" % json.dumps(m["version"]))
        f.write("#define MS_MODEL_SCHEMA_HASH %s\n" % json.dumps(m["schema_hash"]))
        f.write("#define MS_MODEL_THRESHOLD %r\n" % t)
        f.write("#define MS_MODEL_STRICT_THRESHOLD %r\n" % st)
        f.write("#define MS_MODEL_BIAS %r\n" % num(m["bias"], "bias"))
        f.write("#define MS_MODEL_DIM %d\n" % len(feats))
        f.write("static const char *const ms_model_feature_names[MS_MODEL_DIM + 1] = {\n")
        for x in feats:
            f.write("  %s,\n" % json.dumps(x["name"]))
        f.write("  0};\n")
        for key in ("weight", "mean", "scale"):
            f.write("static const double ms_model_%s[MS_MODEL_DIM + 1] = {\n" % key)
            for x in feats:
                v = num(x[key], "%s of %s" % (key, x["name"]))
                if key == "scale" and v <= 0:
                    fail("scale of %s must be positive" % x["name"])
                f.write("  %r,\n" % v)
            f.write("  0};\n")


if __name__ == "__main__":
    main()
