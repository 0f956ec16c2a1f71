#!/usr/bin/env bash
# The Java-heavy bench image (issue 15): Debian 12's Java packages (a few hundred jars,
# with their dpkg status and file lists) and OpenJDK 17's runtime in one layer, and in a
# second layer a Spring Boot fat jar of at least 100 MiB with every one of those jars
# nested (stored, as Spring Boot requires), a war with 20 of them deflated (data
# descriptors) and an ear holding that war. Built from .debs with dpkg-deb and Python's
# zipfile: no root, no Docker.
#
#   scripts/bench-java-image.sh [OUTDIR]     (default: target/bench-image/java)
#
# Outputs: OUTDIR/oci (OCI layout, tag "java"), OUTDIR/java.tar (docker archive),
# OUTDIR/truth.json (every archive as Python's zipfile reads it), OUTDIR/SIZES.
# Downloads (about 160 MB of .debs) are kept in OUTDIR/debs; re-runs reuse them.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../target/bench-image/java}
mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)
FAT_MB=${BENCH_FAT_MB:-110}

PKGS=(openjdk-17-jre-headless
  libjetty9-java libjetty9-extra-java libnetty-java libtomcat10-java libspring-core-java
  libspring-beans-java libspring-context-java libspring-web-java groovy libbatik-java
  libxmlgraphics-commons-java libgoogle-gson-java libhttpclient-java libhttpcore-java
  libslf4j-java libasm-java libbcprov-java libbcpkix-java libjna-java libjaxb-api-java
  libcommons-io-java libcommons-codec-java libcommons-collections3-java
  libcommons-collections4-java libcommons-compress-java libcommons-text-java
  libcommons-math3-java libcommons-logging-java libcommons-net-java libcommons-pool2-java
  libcommons-dbcp2-java libjaxen-java libdom4j-java libxerces2-java libxalan2-java
  libjsoup-java libyaml-snake-java libjackson2-core-java libjackson2-databind-java
  libjackson2-annotations-java libjackson2-dataformat-yaml libjackson2-jaxrs-providers-java
  libjackson2-dataformat-xml-java liblog4j2-java libcommons-lang3-java libguava-java
  libmaven3-core-java ant ant-optional libplexus-utils2-java libguice-java libjoda-time-java
  junit4 libhamcrest-java libmockito-java libobjenesis-java libbyte-buddy-java
  libeclipse-jdt-core-java libjsch-java libjzlib-java liblz4-java libsnappy-java libxz-java
  libkryo-java libprotobuf-java libhibernate-validator-java libjboss-logging-java
  libjakarta-servlet-api-java libservlet-api-java libel-api-java libjsp-api-java
  libwebsocket-api-java libfreemarker-java libantlr4-runtime-java libantlr-java
  libpdfbox2-java libfontbox2-java liblucene4.10-java libh2-java libhsqldb-java
  libpostgresql-jdbc-java libmariadb-java libquartz2-java libehcache-java libcaffeine-java
  libjcip-annotations-java libjsr305-java liberror-prone-java libjavaparser-java libqdox-java
  libwagon-http-shaded-java)

log() { printf '[bench-java-image %s] %s\n' "$(date +%T)" "$*" >&2; }

if [ ! -e "$OUT/debs/.done" ]; then
  log "apt-get download ${#PKGS[@]} packages"
  (cd "$OUT/debs" && apt-get download -q "${PKGS[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  n=$(ls "$OUT"/debs/*.deb | wc -l)
  [ "$n" -ge "${#PKGS[@]}" ] || { echo "bench-java-image: only $n of ${#PKGS[@]} packages downloaded" >&2; exit 1; }
  touch "$OUT/debs/.done"
fi
if [ ! -e "$OUT/.done" ]; then
  rm -rf "$OUT/work" "$OUT/oci" "$OUT/java.tar"
  mkdir -p "$OUT/work/base/etc" "$OUT/work/apps"
  log "unpacking"
  python3 "$HERE/java_fixtures.py" unpack "$OUT/work/base" "$OUT"/debs/*.deb
  printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n' \
    >"$OUT/work/base/etc/os-release"
  log "assembling the fat jar (>= $FAT_MB MiB), the war and the ear"
  ln -s ../base/usr "$OUT/work/apps/usr"
  python3 "$HERE/java_fixtures.py" assemble "$OUT/work/apps" --big-mb "$FAT_MB" --war-jars 20
  rm "$OUT/work/apps/usr"
  log "truth"
  mkdir -p "$OUT/work/all"
  ln -s ../base/usr "$OUT/work/all/usr"
  ln -s ../apps/opt "$OUT/work/all/opt"
  python3 "$HERE/java_fixtures.py" truth "$OUT/work/base" "$OUT/truth-base.json"
  python3 "$HERE/java_fixtures.py" truth "$OUT/work/apps" "$OUT/truth-apps.json"
  python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
a = json.load(open(f"{out}/truth-base.json"))["archives"] + json.load(open(f"{out}/truth-apps.json"))["archives"]
json.dump({"archives": a}, open(f"{out}/truth.json", "w"), indent=1, sort_keys=True)
EOF
  rm -rf "$OUT/work/all" "$OUT/truth-base.json" "$OUT/truth-apps.json"
  log "image (OCI layout and docker archive)"
  python3 "$HERE/java_fixtures.py" image "$OUT/img" java "$OUT/work/base" "$OUT/work/apps"
  mv "$OUT/img/oci" "$OUT/oci"
  mv "$OUT/img/image.tar" "$OUT/java.tar"
  rmdir "$OUT/img"
  {
    echo "jars (regular files under usr/share/java and elsewhere in the base layer): $(find "$OUT/work/base" -name '*.jar' -type f | wc -l)"
    echo "fat jar: $(stat -c %s "$OUT/work/apps/opt/app/demo-app.jar") bytes"
    echo "archives in truth.json: $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['archives']))" "$OUT/truth.json")"
    du -sb "$OUT/oci" "$OUT/java.tar"
  } >"$OUT/SIZES"
  rm -rf "$OUT/work"
  touch "$OUT/.done"
fi
cat "$OUT/SIZES"
