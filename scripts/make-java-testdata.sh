#!/usr/bin/env bash
# Rebuild testdata/java (committed, about 300 KB): small real jars from Debian 12's Java
# packages and the release file and jrt-fs.jar of Debian's OpenJDK 17 runtime, with the
# packages' dpkg status stanzas and file lists (as dpkg-deb lists them).
#
#   scripts/make-java-testdata.sh          (needs apt-get download, dpkg-deb, python3)
#
# testdata/java/rootfs/usr/share/java/*.jar   commons-cli (pom.properties), geronimo
#     annotation spec and plexus-classworlds (data descriptors), jsr305 (no pom at all),
#     maven3-slf4j-provider (its own pom and slf4j-simple's, shaded)
# testdata/java/rootfs/usr/lib/jvm/java-17-openjdk-amd64/{release,lib/jrt-fs.jar}
# testdata/java/rootfs/var/lib/dpkg/{status,info/*.list}
# Only the files above are kept of each package; the .list files stay whole.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEST=$HERE/../testdata/java
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PKGS=(libcommons-cli-java libgeronimo-annotation-1.3-spec-java libplexus-classworlds-java
      libjsr305-java libmaven3-core-java openjdk-17-jre-headless)
KEEP=(usr/share/java/commons-cli.jar usr/share/java/geronimo-annotation-1.3-spec.jar
      usr/share/java/plexus-classworlds.jar "usr/share/java/jsr305-0.1~+svn49.jar"
      usr/share/java/maven3-slf4j-provider.jar
      usr/lib/jvm/java-17-openjdk-amd64/release usr/lib/jvm/java-17-openjdk-amd64/lib/jrt-fs.jar)
(cd "$WORK" && apt-get download -q "${PKGS[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
python3 "$HERE/java_fixtures.py" unpack "$WORK/rootfs" "$WORK"/*.deb
rm -rf "$DEST/rootfs"
mkdir -p "$DEST/rootfs/var/lib/dpkg"
cp -a "$WORK/rootfs/var/lib/dpkg/info" "$WORK/rootfs/var/lib/dpkg/status" "$DEST/rootfs/var/lib/dpkg/"
for f in "${KEEP[@]}"; do
  mkdir -p "$DEST/rootfs/$(dirname "$f")"
  cp -a "$WORK/rootfs/$f" "$DEST/rootfs/$f"
done
# The versioned names Debian links to the jars (a build tool copies these names).
for l in "$WORK"/rootfs/usr/share/java/*.jar; do
  [ -L "$l" ] || continue
  t=$(readlink "$l")
  [ -e "$DEST/rootfs/usr/share/java/$t" ] && cp -a "$l" "$DEST/rootfs/usr/share/java/"
done
ls -la "$DEST/rootfs/usr/share/java"
du -sh "$DEST"
