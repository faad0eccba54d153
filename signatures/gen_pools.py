#!/usr/bin/env python3
"""gen_pools.py - turn signatures/pools.txt into YARA rules.

    gen_pools.py POOLS.TXT TEMPLATE.YAR.IN OUT.YAR

OUT is the template (the static pool rules: stratum URLs, pool ports)
followed by one generated rule, mining_pool_host, with one literal string
per host. Literal strings give libyara good atoms (no "slowing down
scanning" warning), where one big alternation regex would not.
"""
import re
import sys

HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


def read_hosts(path):
    hosts, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            host = line.lower()
            if not HOST.match(host) or len(host) < 6:
                sys.exit(f"{path}:{n}: not a host name of 6 or more characters: {line!r}")
            if host not in seen:
                seen.add(host)
                hosts.append(host)
    if not hosts:
        sys.exit(f"{path}: no host names")
    return hosts


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    hosts = read_hosts(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        template = f.read()
    out = [template.rstrip("\n"), "", "/* generated from pools.txt: %d hosts */" % len(hosts)]
    out += [
        "rule mining_pool_host",
        "{",
        "    meta:",
        '        family = "pool"',
        '        category = "pool"',
        # low: a pool's name alone is what package descriptions, blocklists
        # and documentation hold (a pypi package "for api.ethermine.org");
        # beside another signal (a pool port, a dropper step) it is suspicious
        '        severity = "low"',
        '        description = "A known mining-pool host name (signatures/pools.txt)"',
        "    strings:",
    ]
    # not nocase: the case variants of 106 names made this one rule cost as
    # much of a scan as all the other built-in rules together (yara over
    # /usr/bin and /usr/lib/x86_64-linux-gnu: 7.4 s of CPU with nocase,
    # 5.3 s without); configs, command lines and binaries write pool
    # names in lower case
    for i, h in enumerate(hosts):
        out.append('        $h%d = "%s" ascii wide fullword' % (i, h))
    out += ["    condition:", "        any of them", "}", ""]
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
