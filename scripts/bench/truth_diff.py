"""Expected package changes between two bench releases, from their truth folders.

Run by scripts/bench-image.sh with the image's own Python (it needs `packaging`
for PEP 440 ordering and `dpkg --compare-versions` for Debian ordering), reading
one concatenated stream on stdin: lines "FILE<TAB>RELEASE<TAB>row..." and writing
TSV rows: kind, ecosystem, name, old version, new version, where.
kind is added, removed, upgraded or downgraded. Python names are compared after
PEP 503 normalisation; `where` is the architecture (deb) or the site-packages root.
"""

import re
import subprocess
import sys

from packaging.version import Version

ROOTS = {
    "pip-venv.tsv": "/var/lib/kolla/venv/lib/python3.11/site-packages",
    "pip-system.tsv": "/usr/lib/python3/dist-packages",
}


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def load(stream):
    rel = {"old": {}, "new": {}}
    for line in stream:
        f, side, *row = line.rstrip("\n").split("\t")
        if f == "dpkg.tsv":
            name, version, arch = row[0], row[1], row[2]
            rel[side][("deb", name, arch)] = (name, version)
        elif f in ROOTS:
            name, version = row[0], row[1]
            rel[side][("pypi", norm(name), ROOTS[f])] = (name, version)
        elif f == "pip-other.tsv":
            name, version, where = row[0], row[1], row[2]
            rel[side][("pypi", norm(name), where)] = (name, version)
    return rel["old"], rel["new"]


def deb_lt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def main():
    old, new = load(sys.stdin)
    rows = []
    for key in sorted(set(old) | set(new)):
        eco, _, where = key
        if key not in new:
            rows.append(("removed", eco, old[key][0], old[key][1], "", where))
        elif key not in old:
            rows.append(("added", eco, new[key][0], "", new[key][1], where))
        elif old[key][1] != new[key][1]:
            a, b = old[key][1], new[key][1]
            up = deb_lt(a, b) if eco == "deb" else Version(a) < Version(b)
            rows.append(("upgraded" if up else "downgraded", eco, new[key][0], a, b, where))
    for r in rows:
        print("\t".join(r))


main()
