#!/usr/bin/env python3
"""Java test fixtures from real Debian jars (Python 3 standard library only).

    scripts/java_fixtures.py unpack ROOTFS DEB...      # dpkg-deb -x each .deb, plus its dpkg status stanza and .list
    scripts/java_fixtures.py assemble ROOTFS [--big-mb N] [--war-jars N]  # a fat jar, a war and an ear from ROOTFS's jars
    scripts/java_fixtures.py hostile DIR               # hostile archives (zip bomb, 50-deep nesting, ../ names, ...)
    scripts/java_fixtures.py truth ROOTFS OUT.json     # what Python's zipfile reads from every archive
    scripts/java_fixtures.py image OUT TAG LAYERDIR... # OUT/oci (OCI layout) and OUT/image.tar (docker archive)

`assemble` writes, from the real jars under ROOTFS/usr/share/java (not symlinks):
- opt/app/demo-app.jar: Spring Boot layout; every jar under BOOT-INF/lib stored (as Spring
  Boot requires), its own pom.properties; with --big-mb N, every jar again under
  BOOT-INF/lib/copyK/ until the file is N MiB.
- opt/tomcat/webapps/shop-2.1.0.war: written to an unseekable stream (every entry has a data
  descriptor), WEB-INF/lib jars deflated (the first half of the jars, or --war-jars N);
  no pom of its own.
- opt/app/bundle.ear: an ear holding the war (stored, with a data descriptor) and a jar
  (deflated): three levels of nesting.

`truth` opens every regular file of ROOTFS that Python's zipfile takes for a zip, and
recursively every entry that is itself a zip, through the central directory (the scanner
under test reads local headers front to back: an independent reading). It writes, per
archive, its location (`outer.jar!/inner.jar`), its pom.properties (entry, groupId,
artifactId, version) and its manifest's main section.
"""
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

JAVA_EXT = (".jar", ".war", ".ear", ".jpi", ".hpi", ".sar", ".par", ".kar", ".nar", ".lpkg")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------- unpack

def unpack(rootfs, debs):
    rootfs = Path(rootfs)
    info = rootfs / "var/lib/dpkg/info"
    info.mkdir(parents=True, exist_ok=True)
    status = []
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", deb, str(rootfs)], check=True)
        control = subprocess.run(["dpkg-deb", "-f", deb], check=True, capture_output=True,
                                 text=True).stdout.rstrip("\n")
        fields = dict(line.split(": ", 1) for line in control.splitlines()
                      if ": " in line and not line.startswith(" "))
        name = fields["Package"]
        lines = control.splitlines()
        lines.insert(1, "Status: install ok installed")
        status.append("\n".join(lines) + "\n")
        listing = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True,
                                 capture_output=True).stdout
        import tarfile
        paths = []
        with tarfile.open(fileobj=io.BytesIO(listing)) as t:
            for m in t.getmembers():
                p = "/" + m.name.lstrip("./")
                paths.append("/." if p == "/" else p.rstrip("/"))
        # dpkg names the list of a Multi-Arch: same package with its architecture.
        if fields.get("Multi-Arch") == "same":
            name = f"{name}:{fields['Architecture']}"
        (info / f"{name}.list").write_text("\n".join(paths) + "\n")
    with open(rootfs / "var/lib/dpkg/status", "a") as f:
        f.write("\n".join(status) + "\n")


# ---------------------------------------------------------------- assemble

class Unseekable(io.RawIOBase):
    """A write-only stream zipfile cannot seek in: it then writes data descriptors."""

    def __init__(self):
        self.buf = io.BytesIO()

    def writable(self):
        return True

    def write(self, b):
        return self.buf.write(b)


def zinfo(name, method):
    zi = zipfile.ZipInfo(name, FIXED_TIME)
    zi.compress_type = method
    zi.external_attr = 0o644 << 16
    return zi


def real_jars(rootfs):
    out = []
    for p in sorted((Path(rootfs) / "usr/share/java").glob("*.jar")):
        if p.is_symlink() or not p.is_file():
            continue
        out.append(p)
    return out


def versioned_name(jar):
    """Debian installs `name.jar` with a `name-VERSION.jar` symlink (or the other way
    round): the versioned name, as a build tool would copy it."""
    folder = jar.parent
    for link in sorted(folder.glob(jar.stem + "-*.jar")):
        if link.is_symlink() and os.path.realpath(link) == str(jar.resolve()):
            return link.name
    return jar.name


MANIFEST_APP = (
    "Manifest-Version: 1.0\r\n"
    "Main-Class: org.springframework.boot.loader.launch.JarLauncher\r\n"
    "Start-Class: com.example.demo.DemoApplication\r\n"
    "Spring-Boot-Version: 3.2.1\r\n"
    "Spring-Boot-Classes: BOOT-INF/classes/\r\n"
    "Spring-Boot-Lib: BOOT-INF/lib/\r\n"
    "Implementation-Title: demo-app\r\n"
    "Implementation-Version: 1.0.0\r\n\r\n"
)
POM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version>
  <licenses><license><name>Apache License, Version 2.0</name>
    <url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license></licenses>
</project>
"""


def pom_entries(z, g, a, v):
    z.writestr(zinfo(f"META-INF/maven/{g}/{a}/pom.properties", zipfile.ZIP_DEFLATED),
               f"#Created by Apache Maven\ngroupId={g}\nartifactId={a}\nversion={v}\n")
    z.writestr(zinfo(f"META-INF/maven/{g}/{a}/pom.xml", zipfile.ZIP_DEFLATED),
               POM_XML.format(g=g, a=a, v=v))


def fat_jar(path, jars, big_mb):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zinfo("META-INF/MANIFEST.MF", zipfile.ZIP_DEFLATED), MANIFEST_APP)
        pom_entries(z, "com.example", "demo-app", "1.0.0")
        z.writestr(zinfo("org/springframework/boot/loader/launch/JarLauncher.class",
                         zipfile.ZIP_DEFLATED), b"\xca\xfe\xba\xbe" + bytes(400))
        z.writestr(zinfo("BOOT-INF/classes/com/example/demo/DemoApplication.class",
                         zipfile.ZIP_DEFLATED), b"\xca\xfe\xba\xbe" + bytes(900))
        z.writestr(zinfo("BOOT-INF/classes/application.properties", zipfile.ZIP_DEFLATED),
                   "server.port=8080\n")
        for j in jars:
            z.writestr(zinfo(f"BOOT-INF/lib/{versioned_name(j)}", zipfile.ZIP_STORED), j.read_bytes())
        if big_mb:
            # Every jar again under copyK/ until the file is big_mb MiB (incompressible
            # padding only if there are too few jars).
            target = big_mb * 1024 * 1024
            copy = 0
            while path.stat().st_size < target and copy < 50:
                copy += 1
                for j in jars:
                    z.writestr(zinfo(f"BOOT-INF/lib/copy{copy}/{versioned_name(j)}", zipfile.ZIP_STORED),
                               j.read_bytes())
                    z.fp.flush()
                    if path.stat().st_size >= target:
                        break
            k = 0
            while path.stat().st_size < target:
                k += 1
                z.writestr(zinfo(f"BOOT-INF/classes/static/blob{k}.bin", zipfile.ZIP_STORED),
                           rng.randbytes(4 * 1024 * 1024))
                z.fp.flush()


def war(jars):
    out = Unseekable()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zinfo("META-INF/MANIFEST.MF", zipfile.ZIP_DEFLATED),
                   "Manifest-Version: 1.0\r\nCreated-By: test\r\n\r\n")
        z.writestr(zinfo("WEB-INF/web.xml", zipfile.ZIP_DEFLATED),
                   '<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"/>\n')
        z.writestr(zinfo("WEB-INF/classes/shop/Cart.class", zipfile.ZIP_DEFLATED),
                   b"\xca\xfe\xba\xbe" + bytes(700))
        for j in jars:
            z.writestr(zinfo(f"WEB-INF/lib/{versioned_name(j)}", zipfile.ZIP_DEFLATED), j.read_bytes())
    return out.buf.getvalue()


def ear(war_bytes, jar):
    out = Unseekable()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zinfo("META-INF/application.xml", zipfile.ZIP_DEFLATED),
                   "<application><module><web><web-uri>shop.war</web-uri></web></module></application>\n")
        z.writestr(zinfo("shop.war", zipfile.ZIP_STORED), war_bytes)
        z.writestr(zinfo(f"lib/{versioned_name(jar)}", zipfile.ZIP_DEFLATED), jar.read_bytes())
    return out.buf.getvalue()


def assemble(rootfs, big_mb=0, war_jars=0):
    rootfs = Path(rootfs)
    jars = real_jars(rootfs)
    if not jars:
        sys.exit(f"java_fixtures: no jars under {rootfs}/usr/share/java")
    fat_jar(rootfs / "opt/app/demo-app.jar", jars, big_mb)
    w = war(jars[: war_jars or max(1, len(jars) // 2)])
    webapps = rootfs / "opt/tomcat/webapps"
    webapps.mkdir(parents=True, exist_ok=True)
    (webapps / "shop-2.1.0.war").write_bytes(w)
    (rootfs / "opt/app/bundle.ear").write_bytes(ear(w, jars[-1]))


# ---------------------------------------------------------------- hostile

def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            z.writestr(zinfo(name, method), data)
    return buf.getvalue()


def hostile(folder):
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    pom = "groupId=org.hostile\nartifactId={a}\nversion=6.6.6\n"
    # A nested "jar" that inflates to 200 MiB of zeros (about 200 KiB compressed).
    bomb_inner = io.BytesIO()
    with zipfile.ZipFile(bomb_inner, "w") as z:
        with z.open(zinfo("zeros.bin", zipfile.ZIP_STORED), "w", force_zip64=True) as f:
            chunk = bytes(1 << 20)
            for _ in range(200):
                f.write(chunk)
    (d / "bomb.jar").write_bytes(zip_bytes([
        ("META-INF/maven/org.hostile/bomb/pom.properties", pom.format(a="bomb")),
        ("lib/zeros.jar", bomb_inner.getvalue()),
    ]))
    # Fifty levels of nesting, a pom at the bottom.
    data = zip_bytes([("META-INF/maven/org.hostile/leaf/pom.properties", pom.format(a="leaf"))])
    for level in range(49, -1, -1):
        data = zip_bytes([(f"level{level}.jar", data)], zipfile.ZIP_STORED)
    (d / "deep.jar").write_bytes(data)
    # Entry names that climb out of the archive (only names: nothing is extracted).
    (d / "dotdot.jar").write_bytes(zip_bytes([
        ("../../../../etc/cron.d/evil", "* * * * * root true\n"),
        ("META-INF/maven/org.hostile/dotdot/pom.properties", pom.format(a="dotdot")),
    ]))
    # A central directory cut in half.
    whole = zip_bytes([("META-INF/maven/org.hostile/truncated/pom.properties", pom.format(a="truncated")),
                       ("a.txt", "a" * 1000), ("b.txt", "b" * 1000)])
    cd = whole.rfind(b"PK\x01\x02")
    (d / "truncated.jar").write_bytes(whole[: cd + 20])
    # Garbage where the second local header should be.
    bad = bytearray(zip_bytes([("META-INF/maven/org.hostile/garbage/pom.properties", pom.format(a="garbage")),
                               ("x.txt", "x" * 100)]))
    second = bad.find(b"PK\x03\x04", 4)
    bad[second:second + 4] = b"JUNK"
    (d / "garbage.jar").write_bytes(bytes(bad))
    # A .jar that is no zip at all.
    (d / "notazip.jar").write_bytes(b"this is not an archive\n" * 10)


# ---------------------------------------------------------------- image

def layer_tar(root, dest):
    """A gzip tar of the tree at root (sorted, fixed times and owners); returns
    (blob sha256, diff_id sha256, size)."""
    import gzip
    import hashlib
    import tarfile

    class Hashing(io.RawIOBase):
        def __init__(self, f):
            self.f, self.h = f, hashlib.sha256()

        def writable(self):
            return True

        def write(self, b):
            self.h.update(b)
            return self.f.write(b)

    root = Path(root)
    with open(dest, "wb") as raw:
        blob = Hashing(raw)
        with gzip.GzipFile(fileobj=blob, mode="wb", mtime=0, compresslevel=6) as gz:
            diff = Hashing(gz)
            with tarfile.open(fileobj=diff, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames.sort()
                    for name in sorted(dirnames) + sorted(filenames):
                        p = Path(dirpath) / name
                        ti = tar.gettarinfo(str(p), arcname=str(p.relative_to(root)))
                        ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 0, 0, 0, "root", "root"
                        if ti.isfile():
                            with open(p, "rb") as f:
                                tar.addfile(ti, f)
                        else:
                            tar.addfile(ti)
    return blob.h.hexdigest(), diff.h.hexdigest(), Path(dest).stat().st_size


def image(out, tag, layer_dirs):
    """An OCI layout (out/oci, tag `tag`) and a docker archive (out/image.tar) with one
    gzip layer per folder, bottom first."""
    import hashlib
    import tarfile
    out = Path(out)
    blobs = out / "oci/blobs/sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    layers, diff_ids = [], []
    for i, d in enumerate(layer_dirs):
        tmp = blobs / f"layer{i}.tmp"
        digest, diff, size = layer_tar(d, tmp)
        tmp.rename(blobs / digest)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": f"sha256:{digest}", "size": size})
        diff_ids.append(f"sha256:{diff}")

    def put(obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        d = hashlib.sha256(data).hexdigest()
        (blobs / d).write_bytes(data)
        return {"digest": f"sha256:{d}", "size": len(data)}, data

    config, config_bytes = put({"architecture": "amd64", "os": "linux",
                                "rootfs": {"type": "layers", "diff_ids": diff_ids},
                                "config": {"Labels": {"org.opencontainers.image.vendor": "sbom tests"}}})
    manifest, _ = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                       "layers": layers})
    (out / "oci/oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (out / "oci/index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    # docker archive: config, gzip layers as they are, manifest.json
    with tarfile.open(out / "image.tar.tmp", "w") as t:
        def add(name, path=None, data=None):
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if data is not None:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            else:
                ti.size = Path(path).stat().st_size
                with open(path, "rb") as f:
                    t.addfile(ti, f)
        cfg_name = config["digest"].split(":")[1] + ".json"
        add(cfg_name, data=config_bytes)
        names = []
        for l in layers:
            n = l["digest"].split(":")[1] + ".tar.gz"
            add(n, path=blobs / l["digest"].split(":")[1])
            names.append(n)
        add("manifest.json", data=json.dumps([{"Config": cfg_name, "RepoTags": [f"sbom/java:{tag}"],
                                               "Layers": names}]).encode())
    (out / "image.tar.tmp").rename(out / "image.tar")


# ---------------------------------------------------------------- truth

def is_zip_head(b):
    return b[:4] == b"PK\x03\x04"


def manifest_main(z):
    for n in z.namelist():
        if n.upper() == "META-INF/MANIFEST.MF":
            text = z.read(n).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
            main = text.split("\n\n", 1)[0]
            out, key = {}, None
            for line in main.split("\n"):
                if line.startswith(" ") and key:
                    out[key] += line[1:]
                elif ":" in line:
                    key, _, v = line.partition(":")
                    key = key.strip()
                    out[key] = v.strip()
            return out
    return {}


def read_archive(data, location, out, depth=0):
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    poms = []
    for info in z.infolist():
        if info.is_dir():
            continue
        base = info.filename.rsplit("/", 1)[-1]
        if base == "pom.properties":
            props = {}
            for line in z.read(info).decode("utf-8", "replace").splitlines():
                line = line.strip()
                if line and not line.startswith(("#", "!")) and "=" in line:
                    k, _, v = line.partition("=")
                    props[k.strip()] = v.strip()
            if all(props.get(k) for k in ("groupId", "artifactId", "version")):
                poms.append({"entry": info.filename, "groupId": props["groupId"],
                             "artifactId": props["artifactId"], "version": props["version"]})
    out.append({"location": location, "poms": poms, "manifest": manifest_main(z)})
    for info in z.infolist():
        if info.is_dir():
            continue
        named = info.filename.lower().endswith(JAVA_EXT)
        if not named and info.compress_type != zipfile.ZIP_STORED:
            continue
        with z.open(info) as f:
            head = f.read(4)
        if is_zip_head(head):
            read_archive(z.read(info), f"{location}!/{info.filename}", out, depth + 1)


def truth(rootfs, dest):
    rootfs = Path(rootfs)
    out = []
    for dirpath, dirnames, filenames in os.walk(rootfs):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.is_symlink() or not p.is_file():
                continue
            with open(p, "rb") as f:
                head = f.read(4)
            if not (is_zip_head(head) or name.lower().endswith(JAVA_EXT)):
                continue
            rel = str(p.relative_to(rootfs))
            read_archive(p.read_bytes(), rel, out)
    Path(dest).write_text(json.dumps({"archives": out}, indent=1, sort_keys=True) + "\n")
    poms = sum(len(a["poms"]) for a in out)
    print(f"java_fixtures: {len(out)} archives, {poms} pom.properties -> {dest}", file=sys.stderr)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "unpack":
        unpack(args[0], args[1:])
    elif cmd == "assemble":
        opts = {"--big-mb": 0, "--war-jars": 0}
        for k in opts:
            if k in args:
                i = args.index(k)
                opts[k] = int(args[i + 1])
                args = args[:i] + args[i + 2:]
        assemble(args[0], opts["--big-mb"], opts["--war-jars"])
    elif cmd == "hostile":
        hostile(args[0])
    elif cmd == "truth":
        truth(args[0], args[1])
    elif cmd == "image":
        image(args[0], args[1], args[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
