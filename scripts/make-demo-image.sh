#!/usr/bin/env bash
# Write the small demo image under testdata/demo/ (OCI layout "oci", tag "demo",
# and a docker archive demo-docker.tar) from the real metadata of the bench image.
#
#   scripts/make-demo-image.sh [BENCH_OUTDIR]     (default: target/bench-image)
#
# Needs the bench image's unpacked rootfs (built by scripts/bench-image.sh, run as
# root, if it is missing), python3 and zstd. Only metadata files are copied; see
# testdata/demo/README.md for what the image holds. Output is deterministic for
# a given bench rootfs.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${1:-target/bench-image}
R1=$BENCH/work/r1/bundle/rootfs
R2=$BENCH/work/r2/bundle/rootfs
for tool in python3 zstd; do
  command -v "$tool" >/dev/null || { echo "make-demo-image: missing $tool (apt-get install -y python3 zstd)" >&2; exit 1; }
done
if [ ! -d "$R1/var/lib/dpkg" ] || [ ! -d "$R2/var/lib/dpkg" ]; then
  echo "make-demo-image: no bench rootfs under $BENCH; building it first" >&2
  scripts/bench-image.sh "$BENCH"
fi
OUT=testdata/demo
TMP=$(mktemp -d testdata/.demo.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 scripts/bench/make_demo.py "$R1" "$R2" "$TMP"
mkdir -p "$OUT"
rm -rf "$OUT/oci" "$OUT/demo-docker.tar" "$OUT/expected.tsv" "$OUT/removed.tsv"
mv "$TMP/oci" "$TMP/demo-docker.tar" "$TMP/expected.tsv" "$TMP/removed.tsv" "$OUT/"
du -sb "$OUT/oci" "$OUT/demo-docker.tar"
