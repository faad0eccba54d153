#!/usr/bin/env python3
"""Turn models/<name>.json into the C header compiled into minerscan.

The JSON holds: name, version, schema_hash, threshold, strict_threshold,
bias, and features: a list of {name, weight, mean, scale} in schema order.
"""
import json
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src) as f:
        m = json.load(f)
    feats = m["features"]
    with open(out, "w") as f:
        f.write("/* generated from %s by models/gen_header.py; do not edit */\n" % src.split("/")[-1])
        f.write("#define MS_MODEL_NAME %s\n" % json.dumps(m["name"]))
        f.write("#define MS_MODEL_VERSION %s\n" % json.dumps(m["version"]))
        f.write("#define MS_MODEL_SCHEMA_HASH %s\n" % json.dumps(m["schema_hash"]))
        f.write("#define MS_MODEL_THRESHOLD %r\n" % float(m["threshold"]))
        f.write("#define MS_MODEL_STRICT_THRESHOLD %r\n" % float(m["strict_threshold"]))
        f.write("#define MS_MODEL_BIAS %r\n" % float(m["bias"]))
        f.write("#define MS_MODEL_DIM %d\n" % len(feats))
        f.write("static const char *const ms_model_feature_names[MS_MODEL_DIM + 1] = {\n")
        for x in feats:
            f.write("  %s,\n" % json.dumps(x["name"]))
        f.write("  0};\n")
        for key in ("weight", "mean", "scale"):
            f.write("static const double ms_model_%s[MS_MODEL_DIM + 1] = {\n" % key)
            for x in feats:
                f.write("  %r,\n" % float(x[key]))
            f.write("  0};\n")


if __name__ == "__main__":
    main()
