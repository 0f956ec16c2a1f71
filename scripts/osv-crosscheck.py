#!/usr/bin/env python3
"""Independent cross-check of `sbom audit` findings (development aid).

    scripts/osv-crosscheck.py SBOM.json OSV_DIR AUDIT.json

SBOM.json is our lossless JSON (`sbom scan -o json=FILE`), AUDIT.json the output of
`sbom audit --format json`. Re-evaluates every OSV record of OSV_DIR against the SBOM's
Debian and PyPI packages with other implementations of the version orderings (dpkg
--compare-versions, pip's vendored `packaging`) and the OSV spec's algorithm, and
prints the (package, record) pairs on which the two disagree. Exit 1 on disagreement.
"""
import functools
import glob
import json
import re
import subprocess
import sys

from pip._vendor.packaging.version import InvalidVersion, Version


@functools.lru_cache(maxsize=None)
def dpkg_lt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def cmp(eco, a, b):
    if a == b:
        return 0
    if eco == "deb":
        return -1 if dpkg_lt(a, b) else (1 if dpkg_lt(b, a) else 0)
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return (a > b) - (a < b)
    return (va > vb) - (va < vb)


def affected(eco, v, aff):
    for rg in aff.get("ranges", []):
        if rg.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        evs = rg.get("events", [])
        key = functools.cmp_to_key(lambda x, y: order(eco, x, y))
        vuln = False
        limits = []
        for e in sorted(evs, key=key):
            if "introduced" in e:
                if e["introduced"] == "0" or cmp(eco, v, e["introduced"]) >= 0:
                    vuln = True
            elif "fixed" in e:
                if cmp(eco, v, e["fixed"]) >= 0:
                    vuln = False
            elif "last_affected" in e:
                if cmp(eco, v, e["last_affected"]) > 0:
                    vuln = False
            elif "limit" in e:
                limits.append(e["limit"])
        if vuln and (not limits or any(l == "*" or cmp(eco, v, l) < 0 for l in limits)):
            return True
    return any(cmp(eco, x, v) == 0 for x in aff.get("versions", []))


def order(eco, x, y):
    vx, vy = list(x.values())[0], list(y.values())[0]
    zx, zy = ("introduced" in x and vx == "0"), ("introduced" in y and vy == "0")
    if zx or zy:
        return (zy - zx) if not (zx and zy) else 0
    return cmp(eco, vx, vy)


def pep503(n):
    return re.sub(r"[-_.]+", "-", n).lower()


def main():
    sbom = json.load(open(sys.argv[1]))
    recs = [json.load(open(f)) for f in glob.glob(sys.argv[2] + "/**/*.json", recursive=True)]
    release = (sbom.get("distro") or {}).get("version_id", "").split(".")[0]
    expect = set()
    for p in sbom["packages"]:
        if p["ecosystem"] == "pypi":
            eco, name, ver, want = "pypi", pep503(p["name"]), p["version"], lambda e: e == "PyPI"
        elif p["ecosystem"] == "deb":
            eco, name = "deb", p.get("source_name") or p["name"]
            ver = p.get("source_version") or p["version"]
            want = lambda e: e == f"Debian:{release}"
        else:
            continue
        for r in recs:
            if r.get("withdrawn"):
                continue
            for a in r.get("affected", []):
                pk = a.get("package", {})
                n = pep503(pk.get("name", "")) if eco == "pypi" else pk.get("name")
                if want(pk.get("ecosystem")) and n == name and affected(eco, ver, a):
                    expect.add((p["id"], r["id"]))
    got = set()
    for f in json.load(open(sys.argv[3]))["vulnerabilities"]["findings"]:
        for rid in f["records"]:
            got.add((f["package"]["bom_ref"], rid))
    for x in sorted(expect - got):
        print("MISSING", *x)
    for x in sorted(got - expect):
        print("EXTRA", *x)
    print(f"{len(expect)} expected (package, record) pairs, {len(got)} reported")
    sys.exit(1 if expect != got else 0)


if __name__ == "__main__":
    main()
