#!/usr/bin/env python3
"""Seeds for the fuzz targets, from the repository's fixtures and small made-up files.

    scripts/fuzz-seeds.py [OUT]        # default: fuzz/seeds (not committed)

Writes OUT/<target>/<name>, in the input shape each entry point of crates/sbom-fuzz
expects (parts separated by SEPARATOR, a mode byte first for `layer` and `programs`).
The fuzzers start from these; what they find is minimised with `cargo fuzz cmin` into
fuzz/corpus/<target>/, which is committed (see docs/reliability.md, "Fuzzing").
Deterministic: the same fixtures give the same seeds.
"""
import glob
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "seeds"))
SEP = b"\n\x00\n"
LANG = os.path.join(ROOT, "testdata/langpkgs/rootfs")


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def join(*parts):
    return SEP.join(parts)


def small(paths, limit=64 * 1024):
    return [p for p in sorted(paths) if os.path.getsize(p) <= limit]


# ---------------------------------------------------------------- layers and images

def tar_of(files):
    """A plain tar of (name, bytes | ('dir',) | ('sym', target) | ('link', target))."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, what in files:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if isinstance(what, tuple):
                kind = what[0]
                info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE,
                             "link": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
                if kind in ("sym", "link"):
                    info.linkname = what[1]
                t.addfile(info)
            else:
                info.size = len(what)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(what))
    return buf.getvalue()


def layer_seeds():
    # The demo image's layers, as stored (gzip) and as plain tars.
    blobs = sorted(glob.glob(os.path.join(ROOT, "testdata/demo/oci/blobs/sha256/*")))
    for b in blobs:
        data = open(b, "rb").read()
        if data[:2] == b"\x1f\x8b":
            put("layer", "demo-gzip-" + os.path.basename(b)[:12], b"\x00" + data)
            put("layer", "demo-tar-" + os.path.basename(b)[:12], b"\x00" + gzip.decompress(data))
    status = read("testdata/java/rootfs/var/lib/dpkg/status")
    hostile = tar_of([
        ("etc/", ("dir",)),
        ("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
        ("var/lib/dpkg/status", status[:4000]),
        ("usr/lib/os-release", ("sym", "../../etc/os-release")),
        ("lib", ("sym", "usr/lib")),
        ("../escape", b"x"),
        ("/abs", b"x"),
        ("var/lib/dpkg/.wh.status", b""),
        ("etc/.wh..wh..opq", b""),
        ("x/hard", ("link", "etc/os-release")),
        ("x/fifo", ("fifo",)),
        ("opt/app.jar", read("testdata/java/rootfs/usr/share/java/commons-cli.jar")),
    ])
    # mode 0: as it is; 1: gzip; 2: zstd; 3: two gzip members (the harness compresses).
    for mode in range(4):
        put("layer", f"hostile-mode{mode}", bytes([mode]) + hostile)
    rng = random.Random(17)
    for i in range(24):
        put("layers", f"ops-{i:02}", bytes(rng.randrange(256) for _ in range(rng.randrange(8, 96))))
    # A base layer with os-release and status, a second deleting and replacing things.
    put("layers", "two-layers", bytes([2, 1, 0, 2, 10, 1, 0, 6, 10, 2, 13, 2, 4, 2, 0, 3]))


def image_seeds():
    """OCI layouts and docker archives, digests as `sha256:@N` placeholders."""
    root = os.path.join(ROOT, "testdata/demo/oci")
    index = json.load(open(os.path.join(root, "index.json")))
    mdesc = index["manifests"][0]
    manifest = json.load(open(os.path.join(root, "blobs/sha256", mdesc["digest"].split(":")[1])))
    config = open(os.path.join(root, "blobs/sha256", manifest["config"]["digest"].split(":")[1]), "rb").read()
    tiny_layer = gzip.compress(tar_of([("etc/os-release", b"ID=alpine\n")]), mtime=0)

    def layout(index_doc, manifest_doc):
        m = json.loads(json.dumps(manifest_doc))
        m["config"]["digest"] = "sha256:@2"
        m["layers"] = [dict(m["layers"][0], digest="sha256:@3")]
        i = json.loads(json.dumps(index_doc))
        for d in i["manifests"]:
            d["digest"] = "sha256:@1"
        return join(json.dumps(i, indent=1).encode(), json.dumps(m).encode(), config, tiny_layer)

    put("image_manifest", "oci-demo", layout(index, manifest))
    plat = json.loads(json.dumps(index))
    plat["manifests"][0]["platform"] = {"os": "linux", "architecture": "arm64", "variant": "v8"}
    put("image_manifest", "oci-arm64", layout(plat, manifest))
    nested = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
              "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:@1"}]}
    inner = json.loads(json.dumps(index))
    inner["manifests"][0]["digest"] = "sha256:@2"
    m = json.loads(json.dumps(manifest))
    m["config"]["digest"] = "sha256:@3"
    m["layers"] = []
    put("image_manifest", "oci-nested", join(json.dumps(nested).encode(), json.dumps(inner).encode(),
                                             json.dumps(m).encode(), config))
    docker = [{"Config": "blobs/sha256/@1", "RepoTags": ["demo:latest"], "Layers": ["blobs/sha256/@2"]}]
    put("image_manifest", "docker-archive", join(json.dumps(docker).encode(), config, tiny_layer))
    put("image_manifest", "schema1", join(b'{"manifests":[{"digest":"sha256:@1"}]}',
                                          b'{"schemaVersion":1,"fsLayers":[]}'))


# ---------------------------------------------------------------- OS packages

def dpkg_seeds():
    for name, base in [("java", "testdata/java/rootfs"), ("langpkgs", "testdata/langpkgs/rootfs")]:
        status = read(f"{base}/var/lib/dpkg/status")
        first = status.split(b"\n", 1)[0].split(b":", 1)[1].strip().decode()
        lists = glob.glob(os.path.join(ROOT, base, f"var/lib/dpkg/info/{first}*.list"))
        lst = open(lists[0], "rb").read() if lists else b"/.\n/usr\n"
        copyright = b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n" \
                    b"Files: *\nCopyright: 2024 Someone\nLicense: GPL-2+ with OpenSSL exception\n\n" \
                    b"License: GPL-2+ with OpenSSL exception\n text\n"
        put("dpkg", f"{name}-status", status[:60000])
        put("dpkg", f"{name}-all", join(status[:20000], b"", lst, copyright))
    put("dpkg", "distroless", join(b"", b"Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n"
                                        b"Source: openssl (3.0.11-1~deb12u2)\nStatus: install ok installed\n"))


def python_seeds():
    meta = (b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nSummary: YAML parser\n"
            b"Home-page: https://pyyaml.org/\nAuthor: Kirill Simonov\nLicense: MIT\n"
            b"Classifier: License :: OSI Approved :: MIT License\nRequires-Python: >=3.6\n"
            b"Requires-Dist: six (>=1.0) ; extra == \"x\"\nProject-URL: Source, https://github.com/yaml/pyyaml\n"
            b"License-Expression: MIT OR Apache-2.0\n\nLong description\n")
    record = b"yaml/__init__.py,sha256=abc,1234\nPyYAML-6.0.1.dist-info/METADATA,,\n../../../bin/x,,\n"
    direct = b'{"url": "file:///src/app", "dir_info": {"editable": true}}'
    pkginfo = b"Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n"
    put("python", "dist-info", join(meta, record, direct))
    put("python", "all", join(meta, record, direct, pkginfo, pkginfo, b"six>=1\n[extra]\nfoo\n"))
    put("python", "latin1", "Name: caf\u00e9\nVersion: 1.0\nAuthor: J\u00f6rg\n".encode("latin-1"))


def apk_seeds():
    db = (b"C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\n"
          b"U:https://musl.libc.org/\nL:MIT\no:musl\nm:Timo Teras <timo@alpinelinux.org>\nt:1695211015\n"
          b"c:9b2d2b2a\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\n"
          b"Z:Q1abc=\nR:libc.musl-x86_64.so.1\n\n"
          b"P:busybox\nV:1.36.1-r5\nA:x86_64\nL:GPL-2.0-only\nD:so:libc.musl-x86_64.so.1 !foo /bin/sh\n"
          b"o:busybox\nF:bin\nR:busybox\nF:etc\nR:securetty\n\n")
    put("apk", "installed", db)


def os_release_seeds():
    rels = {
        "debian": b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                  b'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
        "ubuntu": b'NAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n'
                  b'VERSION_ID="22.04"\nVERSION_CODENAME=jammy\n',
        "alpine": b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.1\n',
        "rocky": b'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
                 b'VERSION_ID="9.3"\nCPE_NAME="cpe:/o:rocky:rocky:9::baseos"\n',
        "ubi": b'NAME="Red Hat Enterprise Linux"\nVERSION="8.9 (Ootpa)"\nID="rhel"\nVERSION_ID="8.9"\n',
        "sles": b'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nID="sles"\n',
    }
    for n, r in rels.items():
        put("os_release", n, r)
    put("os_release", "debian-sid", join(b"", b'ID=debian\nPRETTY_NAME="Debian GNU/Linux trixie/sid"\n', b"trixie/sid\n"))
    put("os_release", "quoted", b"ID='deb\\'ian'\nVERSION_ID=\"1\\\"2\"\n# comment\nBAD LINE\n")


def rpm_seeds():
    for d in ["sqlite", "bdb", "bdb-be", "ndb", "sqlite-wal"]:
        base = os.path.join(ROOT, "testdata/rpm", d)
        if d.startswith("sqlite"):
            db = open(os.path.join(base, "rpmdb.sqlite"), "rb").read()
            wal = os.path.join(base, "rpmdb.sqlite-wal")
            put("rpm_sqlite", d, db + (open(wal, "rb").read() if os.path.exists(wal) else b""))
        elif d == "ndb":
            put("rpm_ndb", d, open(os.path.join(base, "Packages.db"), "rb").read())
        else:
            put("rpm_bdb", d, open(os.path.join(base, "Packages"), "rb").read())
    con = sqlite3.connect(os.path.join(ROOT, "testdata/rpm/sqlite/rpmdb.sqlite"))
    blobs = [bytes(r[0]) for r in con.execute("SELECT blob FROM Packages ORDER BY hnum")]
    for i, b in enumerate(blobs):
        put("rpm_header", f"header-{i}", b)
    put("rpm_header", "all", join(*blobs))


# ---------------------------------------------------------------- binaries

def elf(segments, size):
    """An ELF64 little-endian executable: (offset, size, flags) program headers."""
    b = bytearray(64)
    b[:4] = b"\x7fELF"
    b[4], b[5], b[6] = 2, 1, 1
    struct.pack_into("<HHI", b, 16, 2, 62, 1)
    struct.pack_into("<Q", b, 32, 64)
    struct.pack_into("<HHH", b, 52, 64, 56, len(segments))
    for off, sz, flags in segments:
        p = bytearray(56)
        struct.pack_into("<IIQQQQQQ", p, 0, 1, flags, off, 0x400000 + off, 0x400000 + off, sz, sz, 0x1000)
        b += p
    b += b"\x90" * (size - len(b))
    return bytes(b)


def uvarint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n == 0:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def go_blob(go, info):
    start = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6"
    end = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2"
    b = bytearray(b"\xff Go buildinf:") + bytes([8, 2])
    b += b"\x00" * (32 - len(b))
    for s in (go.encode(), start + info.encode() + end):
        b += uvarint(len(s)) + s
    return bytes(b)


def go_info():
    """Real build info: what `go version -m` prints of the installed gofmt."""
    try:
        out = subprocess.run(["go", "version", "-m", "/usr/lib/go-1.19/bin/gofmt"],
                             capture_output=True, text=True, check=True).stdout
        lines = [l.strip() for l in out.splitlines()[1:]]
        text = "".join("\t".join(l.split("\t")) + "\n" for l in lines if l)
        if text:
            return text
    except (OSError, subprocess.CalledProcessError):
        pass
    return "path\tcmd/gofmt\nbuild\t-compiler=gc\nbuild\tCGO_ENABLED=1\nbuild\tGOARCH=amd64\n"


def golang_seeds():
    info = ("path\texample.com/app/cmd/app\nmod\texample.com/app\t(devel)\t\n"
            "dep\tgolang.org/x/sys\tv0.20.0\th1:abc=\ndep\tgithub.com/old/lib\tv1.0.0\th1:def=\n"
            "=>\tgithub.com/fork/lib\tv1.0.1\th1:ghi=\n"
            "build\t-ldflags=\"-s -w -X main.version=1.4.2\"\nbuild\tCGO_ENABLED=0\nbuild\tvcs.revision=0123\n")
    for name, go, text in [("app", "go1.22.1", info), ("gofmt", "go1.19.8", go_info())]:
        data = b"\x11" * 0x30 + go_blob(go, text) + b"\x00" * 300
        put("golang", name, elf([(0, 0x2000, 5), (0x2000, len(data), 6)], 0x2000) + data)
    put("golang", "upx", elf([(0, 0x400, 5)], 0x400) + b"UPX!" + b"\x00" * 64)
    old = bytearray(b"\xff Go buildinf:") + bytes([8, 0]) + b"\x00" * 16
    put("golang", "pointers", elf([(0, 0x1000, 5), (0x1000, 64, 6)], 0x1000) + bytes(old) + b"\x00" * 32)


def rust_seeds():
    audit = json.dumps({"packages": [
        {"name": "demo", "version": "0.3.1", "source": "local", "dependencies": [1, 2], "root": True},
        {"name": "itoa", "version": "1.0.11", "source": "crates.io"},
        {"name": "serde", "version": "1.0.200", "source": "crates.io", "kind": "build"}],
        "format": 1}).encode()
    z = zlib.compress(audit)
    head = elf([(0, 0x1000, 5)], 0x1000)
    put("rust_audit", "elf-tail", head + b"\x00GCC: 12\x00/rustc/abc/library\x00" + z + b"\x00.dep-v0\x00")
    put("rust_audit", "pe", b"MZ" + b"\x78" * 600 + b"x\x9cnot zlib" + z + b"\x00" * 100)
    put("rust_audit", "no-audit", head + b"/rustc/0123/library/core/src\x00" * 4)


def programs_seeds():
    versions = [
        (0, b"\x007.2.4-18446744073709551615\x00" + b"\x007.2.4\x00c11-builtin\x00"),
        (1, b"memcached 1.6.21\x00"),
        (2, b"nginx version: nginx/1.25.3" + b"\x00nginx/1.25.3\x00"),
        (3, b"(PostgreSQL) 16.2"),
        (4, b"\x00version 2.6.12-1+deb12u1, released 2024/01/31" + b"HA-Proxy version 2.8.3"),
        (5, b"\x003.12.1\x00"),
        (6, b"\x003.11.9+\x00"),
        (7, b"node.js/v20.11.1"),
        (8, b"BusyBox v1.36.1 (2024-01-01)"),
        (9, b"nothing here"),
    ]
    for pick, text in versions:
        put("programs", f"class-{pick}", bytes([pick]) + elf([(0, 0x200, 5)], 0x200) + b"\x00" * 16 + text + b"\x00" * 16)


def java_seeds():
    for p in small(glob.glob(os.path.join(ROOT, "testdata/java/rootfs/usr/share/java/*.jar"))):
        put("java", os.path.basename(p), open(p, "rb").read())
    put("java", "jdk-release", read("testdata/programs/java-17-release"))
    # A war holding a jar and a pom.properties; stored and deflated entries.
    inner = open(small(glob.glob(os.path.join(ROOT, "testdata/java/rootfs/usr/share/java/*.jar")))[0], "rb").read()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: app\nImplementation-Version: 2.1\n")
        z.writestr(zipfile.ZipInfo("WEB-INF/lib/inner.jar"), inner)
        z.writestr("META-INF/maven/org.example/app/pom.properties", "groupId=org.example\nartifactId=app\nversion=2.1\n",
                   compress_type=zipfile.ZIP_DEFLATED)
    put("java", "nested.war", buf.getvalue())


# ---------------------------------------------------------------- language packages

def npm_seeds():
    pj = sorted(glob.glob(os.path.join(LANG, "**/package.json"), recursive=True))
    for p in small(pj)[:6]:
        put("npm", "installed-" + os.path.relpath(p, LANG).replace("/", "_"), open(p, "rb").read())
    for p in small(glob.glob(os.path.join(LANG, "srv/*/package-lock.json")), 128 * 1024):
        app = os.path.join(os.path.dirname(p), "package.json")
        app_json = open(app, "rb").read() if os.path.exists(app) else b"{}"
        put("npm", "lock-" + os.path.basename(os.path.dirname(p)), join(b"", b"", app_json, open(p, "rb").read()))


def gem_seeds():
    specs = small(glob.glob(os.path.join(LANG, "**/*.gemspec"), recursive=True))
    for p in specs[::8]:
        put("gem", os.path.basename(p), open(p, "rb").read())
    lock = read("testdata/langpkgs/rootfs/srv/blog/Gemfile.lock")
    put("gem", "gemfile-lock", join(b"", b"", lock))


def composer_seeds():
    inst = read("testdata/langpkgs/rootfs/usr/share/mediawiki/vendor/composer/installed.json")
    put("composer", "installed", inst[:100000])
    put("composer", "lock", join(b"", read("testdata/langpkgs/rootfs/srv/wiki/composer.lock")[:100000]))


# ---------------------------------------------------------------- documents

def sbom_seeds():
    data = os.path.join(ROOT, "crates/sbom-format/tests/data")
    for f, target in [("syft.cdx.json", "cyclonedx_json"), ("syft.cdx-1.4.json", "cyclonedx_json"),
                      ("trivy.cdx.json", "cyclonedx_json"), ("cdxgen.cdx-1.7.json", "cyclonedx_json"),
                      ("sbom.cdx.json", "cyclonedx_json"), ("syft.cdx.xml", "cyclonedx_xml"),
                      ("trivy.spdx.json", "spdx_json"), ("syft.spdx.json", "spdx_json"),
                      ("syft.spdx", "spdx_tag_value"), ("trivy.spdx", "spdx_tag_value"),
                      ("cdxgen.spdx3.json", "spdx3_json")]:
        p = os.path.join(data, f)
        if os.path.exists(p) and os.path.getsize(p) < 256 * 1024:
            put(target, f, open(p, "rb").read())
    # Our own writers' output for the demo image.
    sbom = os.environ.get("SBOM_BIN") or os.path.join(ROOT, "target/debug/sbom")
    if not os.path.exists(sbom):
        print("fuzz-seeds: no sbom binary (cargo build -p sbom-cli); skipping our own SBOMs", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        outs = {"cyclonedx-json": "cyclonedx_json", "cyclonedx-xml": "cyclonedx_xml",
                "spdx-json": "spdx_json", "spdx-tag-value": "spdx_tag_value", "spdx3-json": "spdx3_json"}
        args = [sbom, "scan", "--quiet", os.path.join(ROOT, "testdata/demo/oci")]
        for fmt in outs:
            args += ["-o", f"{fmt}={tmp}/{fmt}"]
        subprocess.run(args, check=True, env=dict(os.environ, SOURCE_DATE_EPOCH="0"))
        for fmt, target in outs.items():
            put(target, "ours-demo", open(f"{tmp}/{fmt}", "rb").read())


def audit_seeds():
    for p in sorted(glob.glob(os.path.join(ROOT, "crates/sbom-audit/tests/data/osv-ecosystems/*.json"))):
        put("osv", os.path.basename(p), open(p, "rb").read())
    for eco in ["Debian", "PyPI"]:
        files = small(glob.glob(f"/work/shared/osv/{eco}/*.json"), 16 * 1024)
        for p in files[:: max(1, len(files) // 12)]:
            put("osv", os.path.basename(p), open(p, "rb").read())
    for p in sorted(glob.glob(os.path.join(ROOT, "crates/sbom-audit/tests/data/vex/*.json"))):
        put("vex", os.path.basename(p), open(p, "rb").read())


def ansible_seeds():
    pb = "testdata/ansible/playbook"
    site = read(f"{pb}/site.yml")
    group = read(f"{pb}/group_vars/all.yml")
    role = sorted(glob.glob(os.path.join(ROOT, pb, "roles/*/tasks/main.yml")))
    defaults = sorted(glob.glob(os.path.join(ROOT, pb, "roles/*/defaults/main.yml")))
    put("ansible", "playbook", join(site, group, open(role[0], "rb").read() if role else b"",
                                    open(defaults[0], "rb").read() if defaults else b""))
    put("ansible", "monitoring", join(read(f"{pb}/monitoring.yml"), group))
    for p in sorted(glob.glob(os.path.join(ROOT, "testdata/ansible/collection/roles/*/tasks/*.yml")))[:8]:
        put("ansible", "tasks-" + os.path.relpath(p, ROOT).replace("/", "_"), open(p, "rb").read())
    put("ansible", "role-include", join(
        b"- hosts: all\n  roles:\n    - r\n  tasks:\n    - include_tasks: tasks.yml\n      loop: \"{{ items }}\"\n",
        b"items: [a, b]\nversion: '1.2'\n",
        b"- name: pip\n  pip:\n    name: \"keystone=={{ version }}\"\n    virtualenv: /opt/venv\n",
        b"pkgs: [curl, 'git={{ version | default(\"2\") }}']\n",
        b"- apt:\n    name: \"{{ pkgs }}\"\n  when: item == 'a'\n"))


def release_seeds():
    d = "sha256:" + "ab" * 32
    put("release_manifest", "images", f"---\nimages:\n  - image: registry.osism.tech/kolla/keystone:26.0.1\n"
                                      f"    digest: {d}\n  - image: quay.io/osism/nova-api:30.0.1\n".encode())
    put("release_manifest", "docker-images", join(
        b"---\nmanager_version: 10.0.0\ndocker_images:\n  ara_server: 1.7.3\n  mariadb: 11.8.4\n  registry: '3.0'\n  x: 1\n",
        b"ara_server: osism/ara-server\nmariadb: library/mariadb\nregistry: library/registry\n"))
    put("release_manifest", "base", read("testdata/ansible/release/base.yml"))


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    for f in [layer_seeds, image_seeds, dpkg_seeds, python_seeds, apk_seeds, os_release_seeds,
              rpm_seeds, golang_seeds, rust_seeds, programs_seeds, java_seeds, npm_seeds, gem_seeds,
              composer_seeds, sbom_seeds, audit_seeds, ansible_seeds, release_seeds]:
        f()
    for t in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, t))
        size = sum(os.path.getsize(os.path.join(OUT, t, f)) for f in files)
        print(f"{t:18} {len(files):4} seeds {size // 1024:6} KB")


if __name__ == "__main__":
    main()
