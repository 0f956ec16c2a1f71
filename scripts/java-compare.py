#!/usr/bin/env python3
"""Java components found by sbom, syft and trivy against the truth Python's zipfile reads.

    scripts/java-compare.py TRUTH.json ours.cdx.json [syft.cdx.json] [trivy.cdx.json] [--skip PREFIX]

The truth (scripts/java_fixtures.py truth): every pom.properties in every archive, nested
ones too, is one expected Maven component (pkg:maven/GROUP/ARTIFACT@VERSION), once per
place it occurs. An archive with no pom.properties expects one component too (any purl).
Per tool: expected found, expected missing, and what else it reports (multisets of purls
without qualifiers), with the locations of the differences as the tool states them.
"""
import collections
import json
import sys


def components(path):
    doc = json.load(open(path))
    out, stack = [], list(doc.get("components", []))
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.get("components", []))
    return out


def prop(c, *names):
    for p in c.get("properties", []):
        if p.get("name") in names:
            return p.get("value")
    return None


def location(c):
    return (prop(c, "sbom:metadata_path", "syft:metadata:virtualPath", "aquasecurity:trivy:FilePath")
            or prop(c, "syft:location:0:path") or "?")


def java(c):
    purl = c.get("purl") or ""
    if purl.startswith("pkg:maven/"):
        return True
    return prop(c, "sbom:java:identified_by") is not None or prop(c, "syft:package:type") == "java-archive"


def main():
    args = [a for a in sys.argv[1:]]
    skip = []
    while "--skip" in args:
        i = args.index("--skip")
        skip.append(args[i + 1])
        del args[i:i + 2]
    truth = json.load(open(args[0]))["archives"]
    keep = lambda loc: not any(loc.lstrip("/").startswith(s) for s in skip)
    expected = collections.Counter()
    bare = 0
    for a in truth:
        if not keep(a["location"]):
            continue
        if not a["poms"]:
            bare += 1
        for p in a["poms"]:
            expected[f"pkg:maven/{p['groupId']}/{p['artifactId']}@{p['version']}"] += 1
    print(f"truth: {sum(expected.values())} pom.properties in {len(truth)} archives, "
          f"{bare} archives without one")
    for path in args[1:]:
        tool = path.rsplit("/", 1)[-1].split(".")[0]
        found = collections.Counter()
        where = collections.defaultdict(list)
        for c in components(path):
            if not java(c) or not keep(location(c)):
                continue
            purl = (c.get("purl") or f"(no purl) {c.get('name')}").split("?")[0]
            found[purl] += 1
            where[purl].append(location(c))
        hit = expected & found
        missing = expected - found
        extra = found - expected
        print(f"\n{tool}: {sum(found.values())} Java components; expected found "
              f"{sum(hit.values())}/{sum(expected.values())}; missing {sum(missing.values())}; "
              f"other {sum(extra.values())}")
        for purl, n in sorted(missing.items()):
            print(f"  missing {n}x {purl}")
        for purl, n in sorted(extra.items()):
            locs = sorted(set(where[purl]))
            print(f"  other   {n}x {purl}  at {locs[0]}" + (f" (+{len(locs) - 1} more)" if len(locs) > 1 else ""))


if __name__ == "__main__":
    main()
