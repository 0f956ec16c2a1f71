#!/usr/bin/env bash
# The node_modules bench image (issue 15): a real application's dependency tree installed
# by npm from the registry, on the bench image's Debian base, for the `node` case of
# scripts/bench.py (a cold scan within 1.3x of the inflate floor, peak RSS <= 64 MB,
# side by side with syft and trivy).
#
#   scripts/bench-node-image.sh [OUTDIR]     (default: target/bench-image/node)
#
# The application is OpenStack Skyline's console (skyline-console, the web UI an OSISM
# release ships), from its PyPI sdist: its package.json (40 dependencies, 77 dev
# dependencies: webpack, jest, cypress, babel, antd, ...) and yarn.lock, installed with
# `npm install --ignore-scripts --legacy-peer-deps` (npm reads yarn.lock for guidance, so
# the versions are close to upstream's lock; no install scripts: cypress would download
# its 500 MB binary, node-sass would compile). About 2,700 packages, 700 MB, 89k entries.
#
# Layers (gzip, GNU tar with fixed mtimes, umoci):
#   1 the bench image's Debian base (OUTDIR/../cache/base.tar from scripts/bench-image.sh),
#     or a fresh mmdebstrap when it is missing
#   2 opt/skyline-console: package.json, yarn.lock, package-lock.json, node_modules
# Outputs: OUTDIR/oci (OCI layout, tag node), OUTDIR/node.tar (docker archive
# sbom-bench/node:1), OUTDIR/npm-ls.json (`npm ls --all --json --long` of the app: the
# truth), OUTDIR/truth.tsv (one line per installed copy: location, name, version, read
# from npm-ls.json), OUTDIR/SIZES. A re-run with all of them there does nothing; the
# installed tree is deleted once the image is written (npm's cache, ~/.npm, makes a
# rebuild quick).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../target/bench-image/node}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
EPOCH=${SOURCE_DATE_EPOCH:-1735689600}
APP_VERSION=${BENCH_SKYLINE_VERSION:-9.0.0}
APP=opt/skyline-console
log() { printf '[bench-node-image %s] %s\n' "$(date +%T)" "$*" >&2; }
[ -s "$OUT/node.tar" ] && [ -e "$OUT/oci/index.json" ] && [ -s "$OUT/truth.tsv" ] && { log "up to date: $OUT"; exit 0; }
for tool in umoci skopeo tar python3 npm; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }; done

work=$OUT/work
mkdir -p "$work/sdist" "$work/l2/$APP"

base=$OUT/../cache/base.tar
if [ ! -s "$base" ]; then
  base=$work/base.tar
  if [ ! -s "$base" ]; then
    log "mmdebstrap --variant=minbase bookworm"
    mmdebstrap --variant=minbase --quiet bookworm "$base.tmp"
    mv "$base.tmp" "$base"
  fi
fi

if [ ! -e "$work/installed.stamp" ]; then
  log "pip download skyline-console==$APP_VERSION (sdist)"
  python3 -m pip download -q --no-deps --no-binary :all: -d "$work/sdist" "skyline-console==$APP_VERSION"
  sdist=$(ls "$work"/sdist/skyline_console-"$APP_VERSION".tar.gz)
  rm -rf "$work/l2/$APP" && mkdir -p "$work/l2/$APP"
  tar -xzf "$sdist" -C "$work/l2/$APP" --strip-components=1 \
    "skyline_console-$APP_VERSION/package.json" "skyline_console-$APP_VERSION/yarn.lock" \
    "skyline_console-$APP_VERSION/LICENSE"
  log "npm install ($(npm --version)) in $APP: several minutes the first time"
  (cd "$work/l2/$APP" && npm install --ignore-scripts --legacy-peer-deps --no-audit --no-fund \
    --no-update-notifier --loglevel=error >&2)
  touch "$work/installed.stamp"
fi

log "truth: npm ls --all --json --long"
# npm ls exits 1 for the peer-dependency problems --legacy-peer-deps lets through; the
# JSON is complete all the same.
(cd "$work/l2/$APP" && npm ls --all --json --long >"$OUT/npm-ls.json.tmp" 2>/dev/null || true)
python3 - "$OUT/npm-ls.json.tmp" "$work/l2/$APP" "/$APP" "$OUT/truth.tsv" <<'EOF'
import json, os, sys
src, app, where, dest = sys.argv[1:]
tree = json.load(open(src))
copies = {}
def walk(node):
    for name, dep in (node.get("dependencies") or {}).items():
        if dep.get("missing") or not dep.get("path"):
            continue  # a peer dependency nobody installed, or a deduped reference
        copies[os.path.relpath(dep["path"], app)] = (dep.get("name", name), dep.get("version", ""))
        walk(dep)
walk(tree)
if len(copies) < 1000:
    sys.exit(f"bench-node-image: only {len(copies)} installed packages in npm ls")
with open(dest + ".tmp", "w") as f:
    f.write(f"# {tree.get('name')}@{tree.get('version')} in {where}: "
            "location (relative to the app), name, version of every installed copy (npm ls --all)\n")
    for loc in sorted(copies):
        f.write(f"{loc}\t{copies[loc][0]}\t{copies[loc][1]}\n")
os.rename(dest + ".tmp", dest)
print(f"[bench-node-image] {len(copies)} installed packages", file=sys.stderr)
EOF
mv "$OUT/npm-ls.json.tmp" "$OUT/npm-ls.json"

log "layer and image"
tar --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner -C "$work/l2" -cf "$work/l2.tar" .
rm -rf "$OUT/oci" "$OUT/node.tar"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:node"
umoci raw add-layer --image "$OUT/oci:node" --history.created_by "debian minbase" "$base"
umoci raw add-layer --image "$OUT/oci:node" --history.created_by "skyline-console $APP_VERSION: npm install" "$work/l2.tar"
umoci config --image "$OUT/oci:node" --config.workingdir "/$APP" --config.label org.opencontainers.image.title=skyline-console
umoci gc --layout "$OUT/oci"
skopeo copy -q "oci:$OUT/oci:node" "docker-archive:$OUT/node.tar:sbom-bench/node:1"
rm -f "$work/l2.tar"
{
  echo "installed packages (npm ls --all): $(grep -vc '^#' "$OUT/truth.tsv")"
  echo "tar entries of layer 2: $(find "$work/l2" | wc -l)"
  du -sb "$work/l2" "$OUT/oci" "$OUT/node.tar"
} >"$OUT/SIZES"
cat "$OUT/SIZES" >&2
rm -rf "$work/l2" "$work/installed.stamp"   # 500 MB; npm's cache (~/.npm) makes a rebuild quick
log "done: $OUT/oci:node, $OUT/node.tar"
