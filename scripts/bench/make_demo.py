#!/usr/bin/env python3
"""Write the small demo image (testdata/demo/) from the bench image's rootfs.

Usage: make_demo.py R1_ROOTFS R2_ROOTFS OUTDIR
Called by scripts/make-demo-image.sh. Only metadata files are copied (dpkg status
stanzas, info/*.list, copyright files, os-release, *.dist-info / *.egg-info), never
binaries. Output is deterministic for the same inputs: sorted tar entries, fixed
mtimes, uid/gid 0, gzip without a timestamp, zstd at a fixed level.

Layers: 1 base debs (gzip), 2 python debs (zstd), 3 keystone venv (gzip),
4 removals and an upgrade with whiteouts (uncompressed tar).
"""

import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile

MTIME = int(os.environ.get("SOURCE_DATE_EPOCH", "1735689600"))
CREATED = "2025-01-01T00:00:00Z"
VENV_SITE = "var/lib/kolla/venv/lib/python3.11/site-packages"
SYS_SITE = "usr/lib/python3/dist-packages"

LAYER1_DEBS = ["base-files", "libc6", "bash", "dpkg", "coreutils", "zlib1g", "gcc-12-base", "libgcc-s1",
               "libssl3", "debian-archive-keyring", "mawk"]
LAYER2_DEBS = ["python3", "python3-minimal", "python3.11", "python3-venv", "python3-yaml", "libyaml-0-2",
               "python3-six", "openssl", "ca-certificates", "less"]
REMOVED_DEB = "less"
# (rootfs, dist-info folder) for the venv layer; six comes from r2 (1.16.0), upgraded in layer 4.
VENV_R1 = ["keystone-25.0.0.dist-info", "PyMySQL-1.1.1.dist-info", "iso8601-2.1.0.dist-info",
           "PasteDeploy-3.1.0.dist-info", "repoze_lru-0.8.dist-info", "certifi-2026.10.19.post1.dist-info",
           "idna-3.20.dist-info", "blinker-1.9.0.dist-info", "itsdangerous-2.2.0.dist-info",
           "pyyaml-6.0.4.dist-info"]
VENV_R2 = ["six-1.16.0.dist-info"]
REMOVED_PIP = "PyMySQL-1.1.1.dist-info"
UPGRADE_FROM, UPGRADE_TO = "six-1.16.0.dist-info", "six-1.17.0.dist-info"   # to: from r1
COPYRIGHT_MAX = 20000


class Layer:
    """An in-memory tree: path -> ("file", bytes, mode) | ("symlink", target) | ("dir",)."""

    def __init__(self, comment):
        self.comment = comment
        self.entries = {}

    def add_dirs(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.entries.setdefault("/".join(parts[:i]), ("dir",))

    def file(self, path, data, mode=0o644):
        self.add_dirs(path)
        self.entries[path] = ("file", data, mode)

    def symlink(self, path, target):
        self.add_dirs(path)
        self.entries[path] = ("symlink", target)

    def whiteout(self, path):
        d, _, base = path.rpartition("/")
        self.file(f"{d}/.wh.{base}" if d else f".wh.{base}", b"", 0o644)

    def copy_from(self, root, rel):
        src = os.path.join(root, rel)
        if os.path.islink(src):
            self.symlink(rel, os.readlink(src))
        elif os.path.isdir(src):
            self.add_dirs(rel + "/x")
            for name in sorted(os.listdir(src)):
                if name != "__pycache__":
                    self.copy_from(root, f"{rel}/{name}")
        else:
            with open(src, "rb") as f:
                self.file(rel, f.read(), os.stat(src).st_mode & 0o777)

    def tar(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            for path in sorted(self.entries):
                e = self.entries[path]
                ti = tarfile.TarInfo(path)
                ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "root", "root"
                if e[0] == "dir":
                    ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                    t.addfile(ti)
                elif e[0] == "symlink":
                    ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, e[1], 0o777
                    t.addfile(ti)
                else:
                    ti.size, ti.mode = len(e[1]), e[2]
                    t.addfile(ti, io.BytesIO(e[1]))
        return buf.getvalue()


def stanzas(root):
    with open(os.path.join(root, "var/lib/dpkg/status"), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for block in text.strip("\n").split("\n\n"):
        m = re.search(r"^Package: (.+)$", block, re.M)
        out[m.group(1)] = block + "\n"
    return out


def field(stanza, name):
    m = re.search(rf"^{name}: (.+)$", stanza, re.M)
    return m.group(1) if m else ""


def list_file(root, pkg):
    """var/lib/dpkg/info/PKG.list, or PKG:ARCH.list for Multi-Arch: same packages."""
    for cand in (f"{pkg}.list", f"{pkg}:amd64.list"):
        if os.path.exists(os.path.join(root, "var/lib/dpkg/info", cand)):
            return f"var/lib/dpkg/info/{cand}"
    sys.exit(f"make_demo: no file list for {pkg}")


def add_deb(layer, root, pkg):
    layer.copy_from(root, list_file(root, pkg))
    doc = f"usr/share/doc/{pkg}"
    if os.path.islink(os.path.join(root, doc)):
        layer.copy_from(root, doc)
    elif os.path.exists(os.path.join(root, doc, "copyright")) and \
            os.path.getsize(os.path.join(root, doc, "copyright")) <= COPYRIGHT_MAX:
        layer.copy_from(root, f"{doc}/copyright")


def owned_python(root, pkg):
    """Top-level *.dist-info / *.egg-info folders under SYS_SITE listed in PKG's file list."""
    with open(os.path.join(root, list_file(root, pkg)), encoding="utf-8") as f:
        paths = [p.strip().lstrip("/") for p in f]
    return sorted(p for p in paths if re.fullmatch(re.escape(SYS_SITE) + r"/[^/]+\.(dist|egg)-info", p))


def dist_name_version(root, folder):
    """Name and Version from a dist-info's METADATA or an egg-info's PKG-INFO."""
    for meta in ("METADATA", "PKG-INFO"):
        path = os.path.join(root, folder, meta)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                head = f.read().split("\n\n", 1)[0]
            return field(head, "Name"), field(head, "Version")
    sys.exit(f"make_demo: no METADATA in {folder}")


def status_file(st, names):
    return "".join(st[n] + "\n" for n in sorted(names)).encode()


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zst(data):
    return subprocess.run(["zstd", "-q", "-19", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def main():
    r1, r2, out = sys.argv[1:4]
    st = stanzas(r1)
    for p in LAYER1_DEBS + LAYER2_DEBS:
        if p not in st or "Status: install ok installed" not in st[p]:
            sys.exit(f"make_demo: {p} is not installed in {r1}")

    l1 = Layer("base: os-release, 11 debs (dpkg status, file lists, copyright)")
    l1.copy_from(r1, "usr/lib/os-release")
    l1.copy_from(r1, "etc/os-release")
    l1.file("var/lib/dpkg/status", status_file(st, LAYER1_DEBS))
    for p in LAYER1_DEBS:
        add_deb(l1, r1, p)

    l2 = Layer("apt: python3 and python3-* debs; their dist-info/egg-info under /usr/lib/python3")
    l2.file("var/lib/dpkg/status", status_file(st, LAYER1_DEBS + LAYER2_DEBS))
    system_python = []
    for p in LAYER2_DEBS:
        add_deb(l2, r1, p)
        for d in owned_python(r1, p):
            l2.copy_from(r1, d)
            system_python.append((p, d))

    l3 = Layer("venv: /var/lib/kolla/venv with keystone and friends (metadata only)")
    l3.copy_from(r1, "var/lib/kolla/venv/pyvenv.cfg")
    l3.copy_from(r1, "var/lib/kolla/venv/lib64")
    for d in VENV_R1:
        l3.copy_from(r1, f"{VENV_SITE}/{d}")
    for d in VENV_R2:
        l3.copy_from(r2, f"{VENV_SITE}/{d}")

    l4 = Layer(f"purge {REMOVED_DEB}, uninstall {REMOVED_PIP.split('-')[0]}, upgrade six (whiteouts)")
    final_debs = [p for p in LAYER1_DEBS + LAYER2_DEBS if p != REMOVED_DEB]
    l4.file("var/lib/dpkg/status", status_file(st, final_debs))
    l4.whiteout(f"var/lib/dpkg/info/{REMOVED_DEB}.list")
    l4.whiteout(f"usr/share/doc/{REMOVED_DEB}")
    l4.whiteout(f"{VENV_SITE}/{REMOVED_PIP}")
    l4.whiteout(f"{VENV_SITE}/{UPGRADE_FROM}")
    l4.copy_from(r1, f"{VENV_SITE}/{UPGRADE_TO}")

    layers = [(l1, "gzip"), (l2, "zstd"), (l3, "gzip"), (l4, "none")]
    media = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
             "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
             "none": "application/vnd.oci.image.layer.v1.tar"}
    blobs, descs, diff_ids, tars = {}, [], [], []
    for layer, comp in layers:
        raw = layer.tar()
        tars.append(raw)
        blob = {"gzip": gz, "zstd": zst, "none": lambda b: b}[comp](raw)
        blobs[sha(blob)] = blob
        descs.append({"mediaType": media[comp], "digest": sha(blob), "size": len(blob)})
        diff_ids.append(sha(raw))
    config = {
        "created": CREATED, "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/var/lib/kolla/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/usr/sbin/apache2ctl", "-DFOREGROUND"],
                   "Labels": {"org.opencontainers.image.title": "sbom demo (keystone metadata only)"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": CREATED, "created_by": l.comment} for l, _ in layers],
    }
    cfg = json.dumps(config, indent=2, sort_keys=True).encode() + b"\n"
    blobs[sha(cfg)] = cfg
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cfg),
                           "size": len(cfg)},
                "layers": descs}
    man = json.dumps(manifest, indent=2).encode() + b"\n"
    blobs[sha(man)] = man
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(man),
                            "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "demo"}}]}

    oci = os.path.join(out, "oci")
    os.makedirs(os.path.join(oci, "blobs/sha256"))
    with open(os.path.join(oci, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}\n')
    with open(os.path.join(oci, "index.json"), "w") as f:
        f.write(json.dumps(index, indent=2) + "\n")
    for d, b in blobs.items():
        with open(os.path.join(oci, "blobs/sha256", d.split(":")[1]), "wb") as f:
            f.write(b)

    # docker archive (docker save layout): uncompressed layers, config, manifest.json
    dbuf = io.BytesIO()
    with tarfile.open(fileobj=dbuf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def put(name, data):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), MTIME, 0o644
            t.addfile(ti, io.BytesIO(data))
        cfg_name = sha(cfg).split(":")[1] + ".json"
        put(cfg_name, cfg)
        names = []
        for raw in tars:
            names.append(sha(raw).split(":")[1] + ".tar")
            put(names[-1], raw)
        put("manifest.json", json.dumps([{"Config": cfg_name, "RepoTags": ["sbom/demo:demo"],
                                          "Layers": names}]).encode() + b"\n")
    with open(os.path.join(out, "demo-docker.tar"), "wb") as f:
        f.write(dbuf.getvalue())

    # expected packages after squashing: ecosystem, name, version, where, introduced in layer
    rows = []
    for p in final_debs:
        layer = 1 if p in LAYER1_DEBS else 2
        rows.append(("deb", field(st[p], "Package"), field(st[p], "Version"), field(st[p], "Architecture"),
                     str(layer), ""))
    for p, d in system_python:
        name, version = dist_name_version(r1, d)
        rows.append(("pypi", name, version, "/" + SYS_SITE, "2", f"owned by deb {p}"))
    for d in VENV_R1 + [UPGRADE_TO]:
        if d == REMOVED_PIP:
            continue
        name, version = dist_name_version(r1, f"{VENV_SITE}/{d}")
        rows.append(("pypi", name, version, "/" + VENV_SITE, "4" if d == UPGRADE_TO else "3", ""))
    rows.sort()
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        f.write("# ecosystem\tname\tversion\twhere (arch or site-packages)\tlayer\tnote\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    with open(os.path.join(out, "removed.tsv"), "w") as f:
        f.write("# ecosystem\tname\tversion\twhere\tlayer that removes it\n")
        f.write(f"deb\t{REMOVED_DEB}\t{field(st[REMOVED_DEB], 'Version')}\t"
                f"{field(st[REMOVED_DEB], 'Architecture')}\t4\n")
        n, v = dist_name_version(r1, f"{VENV_SITE}/{REMOVED_PIP}")
        f.write(f"pypi\t{n}\t{v}\t/{VENV_SITE}\t4\n")
        n, v = dist_name_version(r2, f"{VENV_SITE}/{UPGRADE_FROM}")
        f.write(f"pypi\t{n}\t{v}\t/{VENV_SITE}\t4 (replaced by a newer version)\n")
    for i, (layer, comp) in enumerate(layers, 1):
        print(f"layer {i} ({comp}): {len(layer.entries)} entries, {len(tars[i - 1])} bytes tar, "
              f"{descs[i - 1]['size']} bytes blob", file=sys.stderr)


main()
