#!/usr/bin/env bash
# Java fixtures for the slow end-to-end test (crates/sbom-cli/tests/java_e2e.rs), fetched
# and built under target/ (about 10 MB of Debian packages, a few seconds):
#
#   scripts/java-fixtures.sh [OUTDIR]        (default: target/java-fixtures)
#
# OUTDIR/rootfs   Debian's Java packages unpacked (dpkg-deb -x) with their dpkg status and
#                 .list files, plus opt/app/demo-app.jar (Spring Boot fat jar), the war
#                 opt/tomcat/webapps/shop-2.1.0.war and opt/app/bundle.ear built from those
#                 jars by scripts/java_fixtures.py (Python's zipfile)
# OUTDIR/hostile  a zip bomb, 50 levels of nesting, ../ names, a truncated central
#                 directory, garbage between entries, a .jar that is no zip
# OUTDIR/truth.json  every archive of rootfs as Python's zipfile reads it (pom.properties,
#                 manifest), the independent truth the test compares with
# Needs: apt-get (download only, no root), dpkg-deb, python3. Re-runs reuse OUTDIR/debs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../target/java-fixtures}
mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)

# Debian 12 packages whose jars carry pom.properties (guava and jackson are big and
# multi-module; log4j2 ships a dozen jars; wagon-http-shaded and maven3-core hold shaded
# components; jsr305 has no pom at all), and the JRE's release file comes from the bench
# image, not from here.
PKGS=(libcommons-lang3-java libguava-java libjackson2-core-java libjackson2-databind-java
      libjackson2-annotations-java liblog4j2-java libcommons-cli-java libjsr305-java
      libgeronimo-annotation-1.3-spec-java libplexus-classworlds-java libwagon-http-shaded-java)

download() {
  (cd "$OUT/debs" && apt-get download -q "${PKGS[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2)
  [ "$(ls "$OUT"/debs/*.deb 2>/dev/null | wc -l)" -ge "${#PKGS[@]}" ]
}
if [ ! -e "$OUT/debs/.done" ]; then
  if ! download; then
    # Empty package lists (a fresh container): refresh them once.
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
    download || { echo "java-fixtures: apt-get download ${PKGS[*]} failed" >&2; exit 1; }
  fi
  touch "$OUT/debs/.done"
fi
if [ ! -e "$OUT/.done" ]; then
  rm -rf "$OUT/rootfs" "$OUT/hostile"
  python3 "$HERE/java_fixtures.py" unpack "$OUT/rootfs" "$OUT"/debs/*.deb
  python3 "$HERE/java_fixtures.py" assemble "$OUT/rootfs"
  python3 "$HERE/java_fixtures.py" hostile "$OUT/hostile"
  python3 "$HERE/java_fixtures.py" truth "$OUT/rootfs" "$OUT/truth.json"
  touch "$OUT/.done"
fi
echo "$OUT"
