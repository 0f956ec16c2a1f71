#!/usr/bin/env python3
"""Generate a synthetic OSV database for benchmarking `sbom audit`.

    scripts/gen-osv.py OUTDIR [--records 100000] [--seed 1] [--zip]

Writes OUTDIR/<Ecosystem>/<ID>.json (one record per file, like the OSV exports) and,
with --zip, OUTDIR/all.zip holding the same files. Records look like real ones in size
and shape: PyPI records with ECOSYSTEM ranges (sometimes several intervals, GIT ranges
beside them, last_affected, explicit `versions` lists of 20-80 entries), Debian:11/12,
Ubuntu:22.04:LTS and Alpine:v3.20 records naming source packages with dpkg/apk
versions, aliases shared between records (CVE/GHSA), CVSS v3/v4 vectors or
database_specific severities, ~2% withdrawn.

Package names follow a fixed scheme so benchmark SBOMs can hit them:
PyPI `pypkg<N>` (N < 5000), Debian/Ubuntu source `debsrc<N>` (N < 4000),
Alpine origin `apksrc<N>` (N < 1000). Deterministic for a given seed.
"""
import argparse
import json
import os
import random
import zipfile

CVSS3 = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
]
CVSS4 = ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"]
WORDS = ("buffer overflow in the parser allows remote attackers to cause a denial of "
         "service or possibly execute arbitrary code via crafted input when handling "
         "malformed headers in requests processed by the library").split()


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def pep440(rng):
    v = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
    r = rng.random()
    if r < 0.05:
        v += f"rc{rng.randint(1, 3)}"
    elif r < 0.08:
        v += f".post{rng.randint(1, 3)}"
    return v


def dpkg(rng):
    v = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}-{rng.randint(1, 5)}"
    if rng.random() < 0.2:
        v = f"{rng.randint(1, 2)}:" + v
    if rng.random() < 0.4:
        v += f"~deb12u{rng.randint(1, 5)}"
    elif rng.random() < 0.3:
        v += f"+deb12u{rng.randint(1, 5)}"
    return v


def apk(rng):
    return f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}-r{rng.randint(0, 5)}"


def vkey(v):
    out = []
    for part in v.replace(":", ".").replace("-", ".").replace("~", ".").replace("+", ".").split("."):
        out.append((0, int(part)) if part.isdigit() else (1, part))
    return out


def record(rng, i):
    kind = rng.random()
    year = 2010 + rng.randint(0, 16)
    cve = f"CVE-{year}-{10000 + rng.randint(0, 899999)}"
    rec = {
        "schema_version": "1.6.0",
        "modified": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z",
        "published": f"{year}-01-01T00:00:00Z",
        "summary": text(rng, 8),
        "details": text(rng, rng.randint(40, 160)),
        "references": [
            {"type": "ADVISORY", "url": f"https://example.invalid/advisory/{cve}"},
            {"type": "WEB", "url": f"https://example.invalid/web/{i}"},
        ],
    }
    if kind < 0.45:
        name = f"pypkg{rng.randint(0, 4999)}"
        rec["id"] = f"PYSEC-{year}-{i}"
        rec["aliases"] = [cve] + ([f"GHSA-{i:04x}-synt-h{rng.randint(0, 999):03d}"] if rng.random() < 0.6 else [])
        vs = sorted({pep440(rng) for _ in range(rng.randint(4, 8))}, key=vkey)
        events = [{"introduced": rng.choice(["0", vs[0]])}, {"fixed": vs[-1]}]
        if rng.random() < 0.25 and len(vs) > 3:
            events = [{"introduced": vs[2]}, {"fixed": vs[3]}, {"introduced": "0"}, {"fixed": vs[1]}]
        elif rng.random() < 0.1:
            events = [{"introduced": "0"}, {"last_affected": vs[-1]}]
        ranges = [{"type": "ECOSYSTEM", "events": events}]
        if rng.random() < 0.3:
            ranges.insert(0, {"type": "GIT", "repo": f"https://example.invalid/{name}",
                              "events": [{"introduced": "0"}, {"fixed": f"{rng.getrandbits(160):040x}"}]})
        rec["affected"] = [{
            "package": {"ecosystem": "PyPI", "name": name, "purl": f"pkg:pypi/{name}"},
            "ranges": ranges,
            "versions": sorted({pep440(rng) for _ in range(rng.randint(20, 80))}, key=vkey),
        }]
        if rng.random() < 0.7:
            rec["severity"] = [{"type": "CVSS_V3", "score": rng.choice(CVSS3)}]
        elif rng.random() < 0.5:
            rec["severity"] = [{"type": "CVSS_V4", "score": rng.choice(CVSS4)}]
        folder = "PyPI"
    elif kind < 0.85:
        name = f"debsrc{rng.randint(0, 3999)}"
        eco = rng.choice(["Debian:12", "Debian:12", "Debian:11", "Ubuntu:22.04:LTS"])
        rec["id"] = ("DEBIAN-" if eco.startswith("Debian") else "UBUNTU-") + cve + f"-{i}"
        rec["aliases"] = [cve]
        events = [{"introduced": "0"}]
        if rng.random() < 0.8:
            events.append({"fixed": dpkg(rng)})
        rec["affected"] = [{
            "package": {"ecosystem": eco, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
            "ecosystem_specific": {"urgency": rng.choice(["low", "medium", "high", "unimportant"])},
        }]
        folder = eco.split(":")[0]
    elif kind < 0.93:
        name = f"apksrc{rng.randint(0, 999)}"
        rec["id"] = f"ALPINE-{cve}-{i}"
        rec["aliases"] = [cve]
        rec["affected"] = [{
            "package": {"ecosystem": "Alpine:v3.20", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": apk(rng)}]}],
        }]
        folder = "Alpine"
    else:
        # An ecosystem the tool does not match; loaded and counted, never indexed.
        rec["id"] = f"GHSA-npm-{i}"
        rec["aliases"] = [cve]
        rec["affected"] = [{
            "package": {"ecosystem": "npm", "name": f"npmpkg{rng.randint(0, 9999)}"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}],
        }]
        rec["database_specific"] = {"severity": rng.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"])}
        folder = "npm"
    if rng.random() < 0.02:
        rec["withdrawn"] = "2025-01-01T00:00:00Z"
    return folder, rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--zip", action="store_true", help="also write OUTDIR/all.zip")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    z = zipfile.ZipFile(os.path.join(a.out, "all.zip.tmp"), "w", zipfile.ZIP_DEFLATED) if a.zip else None
    made = set()
    for i in range(a.records):
        folder, rec = record(rng, i)
        d = os.path.join(a.out, folder)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        data = json.dumps(rec, indent=2)
        with open(os.path.join(d, rec["id"] + ".json"), "w") as f:
            f.write(data)
        if z:
            z.writestr(rec["id"] + ".json", data)
    if z:
        z.close()
        os.replace(os.path.join(a.out, "all.zip.tmp"), os.path.join(a.out, "all.zip"))


if __name__ == "__main__":
    main()
