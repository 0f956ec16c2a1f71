#!/usr/bin/env bash
# Build the realistic OSISM-like keystone bench image, without Docker, for two
# releases (r1, r2), plus the ground truth read from each final rootfs.
#
#   scripts/bench-image.sh [OUTDIR]        (default: target/bench-image; run as root)
#
# Needs (Debian 12 packages): mmdebstrap umoci skopeo dpkg tar gzip coreutils findutils util-linux
#   apt-get install -y mmdebstrap umoci skopeo
# Network: the Debian mirror from /etc/apt/sources.list.d/debian.sources (or
# /etc/apt/sources.list) and PyPI (PIP_INDEX_URL and proxy variables are honoured).
#
# Layers (each one the filesystem diff of consecutive stages, computed by umoci,
# so deletions are real OCI whiteouts):
#   1 base   mmdebstrap --variant=minbase bookworm      (identical blob in r1 and r2)
#   2 apt    python3, python3-* debs, apache2 + mod_wsgi, curl, ...
#   3 venv   /var/lib/kolla/venv with keystone from PyPI (scripts/bench/requirements-rN.txt)
#   4 purge  apt-get purge curl; pip uninstall python-memcached
# Outputs: OUTDIR/rN/oci (OCI layout, tag "bench"), OUTDIR/rN/keystone.tar
# (docker archive, osism/keystone:rN), OUTDIR/rN/truth/*.tsv, OUTDIR/SIZES.
# Stages are stamped under OUTDIR/work; re-runs skip what is done. Downloads are
# cached under OUTDIR/cache (debs and wheels). See docs/bench-image.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-target/bench-image}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=$OUT/cache
WORK=$OUT/work
SUITE=bookworm
EPOCH=${SOURCE_DATE_EPOCH:-1735689600}   # fixed mtimes for the base layer
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false -o Acquire::Retries=3)

log() { printf '[bench-image %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-image: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- preflight
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n --preserve-env=SOURCE_DATE_EPOCH,BENCH_MIRROR_SOURCES,PIP_INDEX_URL,http_proxy,https_proxy,no_proxy \
      "$HERE/bench-image.sh" "$OUT"
  fi
  die "must run as root (chroot, mounts, device nodes); passwordless sudo is used when available"
fi
missing=()
for tool in mmdebstrap umoci skopeo dpkg-query chroot mount umount findmnt tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} = 0 ] || die "missing tools: ${missing[*]} (apt-get install -y mmdebstrap umoci skopeo util-linux)"

if [ -n "${BENCH_MIRROR_SOURCES:-}" ]; then
  SOURCES=$BENCH_MIRROR_SOURCES
elif [ -f /etc/apt/sources.list.d/debian.sources ]; then
  SOURCES=/etc/apt/sources.list.d/debian.sources
elif [ -s /etc/apt/sources.list ]; then
  SOURCES=/etc/apt/sources.list
else
  die "no Debian mirror configured (set BENCH_MIRROR_SOURCES to a .sources or .list file)"
fi
HOST_CA=/etc/ssl/certs/ca-certificates.crt

T0=$(date +%s)
mkdir -p "$CACHE/apt-archives/partial" "$CACHE/wheels" "$WORK"

# ---------------------------------------------------------------- mounts
MOUNTS=()
cleanup_mounts() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true
  done
  MOUNTS=()
}
trap cleanup_mounts EXIT
trap 'cleanup_mounts; exit 130' INT TERM

# Refuse to delete a tree that still has something mounted below it.
safe_rm() {
  local p=$1
  [ -e "$p" ] || return 0
  if findmnt -rn -o TARGET | grep -q "^$(realpath "$p")\(/\|$\)"; then
    die "$p still has mounts below it; unmount them first"
  fi
  rm -rf "$p"
}

bind() { # SRC TARGET
  mkdir -p "$2"
  mount --bind "$1" "$2"
  MOUNTS+=("$2")
}

# Prepare ROOT for running apt/pip: /proc, resolv.conf, host CA, apt + wheel caches.
chroot_up() {
  local root=$1
  mkdir -p "$root/proc"
  mount -t proc proc "$root/proc"; MOUNTS+=("$root/proc")
  [ -e "$root/etc/resolv.conf" ] || : >"$root/etc/resolv.conf"
  mount --bind /etc/resolv.conf "$root/etc/resolv.conf"; MOUNTS+=("$root/etc/resolv.conf")
  bind "$CACHE/apt-archives" "$root/var/cache/apt/archives"
  mkdir -p "$CACHE/xfer"
  cp "$HOST_CA" "$CACHE/xfer/ca.crt"
  bind "$CACHE/xfer" "$root/tmp/bench"
  bind "$CACHE/wheels" "$root/tmp/bench/wheels"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
}
chroot_down() {
  local root=$1
  cleanup_mounts
  if findmnt -rn -o TARGET | grep -q "^$(realpath "$root")/"; then
    die "mounts left below $root after unmounting; not cleaning it"
  fi
  rm -f "$root/usr/sbin/policy-rc.d"
  rmdir "$root/tmp/bench" 2>/dev/null || true
  # caches and logs that a real image build would not ship
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/root/.cache "$root"/tmp/* \
         "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
  mkdir -p "$root/var/lib/apt/lists/partial"
}
in_chroot() { # ROOT CMD...
  local root=$1; shift
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive \
    ${http_proxy:+http_proxy=$http_proxy} ${https_proxy:+https_proxy=$https_proxy} \
    ${no_proxy:+no_proxy=$no_proxy} ${PIP_INDEX_URL:+PIP_INDEX_URL=$PIP_INDEX_URL} \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CERT=/tmp/bench/ca.crt \
    chroot "$root" "$@"
}

# ---------------------------------------------------------------- stage 1: base (shared)
BASE_TAR=$CACHE/base.tar
BASE_OCI=$CACHE/base-oci
if [ ! -s "$BASE_TAR" ]; then
  log "base: mmdebstrap --variant=minbase $SUITE (mirror from $SOURCES)"
  SOURCE_DATE_EPOCH=$EPOCH mmdebstrap --variant=minbase --quiet \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
    "$SUITE" "$CACHE/base.tmp.tar" "$SOURCES"
  mv "$CACHE/base.tmp.tar" "$BASE_TAR"
fi
if [ ! -e "$BASE_OCI/.done" ]; then
  log "base: OCI layout with the base layer"
  safe_rm "$BASE_OCI"
  umoci init --layout "$BASE_OCI"
  umoci new --image "$BASE_OCI:base"
  umoci raw add-layer --image "$BASE_OCI:base" \
    --history.created_by "mmdebstrap --variant=minbase $SUITE" "$BASE_TAR"
  touch "$BASE_OCI/.done"
fi

# ---------------------------------------------------------------- release recipes
# Packages in the apt layer of both releases (kolla/OSISM keystone style, no recommends).
APT_COMMON=(python3 python3-venv python3-pip python3-yaml python3-requests python3-six python3-dateutil
  python3-setuptools ca-certificates curl openssl apache2 apache2-bin apache2-data apache2-utils
  libapache2-mod-wsgi-py3 iproute2 less lsof netbase procps sudo tzdata tini libmariadb3)
# Oldest version of PKG the mirror offers (the point release when bookworm-security has a newer one).
oldest_version() { # ROOT PKG
  local root=$1 pkg=$2 v best=
  for v in $(in_chroot "$root" apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /, "", $2); print $2}'); do
    if [ -z "$best" ] || dpkg --compare-versions "$v" lt "$best"; then best=$v; fi
  done
  [ -n "$best" ] || die "no version of $pkg on the mirror"
  echo "$best"
}
apt_release_args() { # ROOT RELEASE -> extra apt-get install arguments
  local v
  case $2 in
    # r1: the apache2 family at its oldest available version (so r2 has an upgrade), plus vim-tiny
    r1) v=$(oldest_version "$1" apache2)
        echo "apache2=$v apache2-bin=$v apache2-data=$v apache2-utils=$v vim-tiny" ;;
    # r2: apache2 newest, jq instead of vim-tiny
    r2) echo "jq" ;;
  esac
}
PURGE_DEB=curl
UNINSTALL_PIP=python-memcached
VENV=/var/lib/kolla/venv

stage_apt() { # ROOT RELEASE
  local root=$1 rel=$2
  # shellcheck disable=SC2046
  in_chroot "$root" apt-get "${APT_OPTS[@]}" update -q
  # shellcheck disable=SC2046
  in_chroot "$root" apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends \
    "${APT_COMMON[@]}" $(apt_release_args "$root" "$rel")
  in_chroot "$root" apt-get clean
}
stage_venv() { # ROOT RELEASE
  local root=$1 rel=$2
  cp "$HERE/bench/requirements-$rel.txt" "$CACHE/xfer/requirements.txt"
  in_chroot "$root" python3 -m venv "$VENV"
  in_chroot "$root" "$VENV/bin/pip" download -q --no-deps --only-binary=:all: \
    -d /tmp/bench/wheels -r /tmp/bench/requirements.txt
  in_chroot "$root" "$VENV/bin/pip" install -q --no-index --find-links /tmp/bench/wheels --no-deps \
    -r /tmp/bench/requirements.txt
  in_chroot "$root" "$VENV/bin/pip" check || log "warning: pip check reports problems in $rel's venv"
  mkdir -p "$root/etc/kolla"
  printf 'release=%s\n' "$rel" >"$root/etc/kolla/bench-release"
}
stage_purge() { # ROOT RELEASE
  local root=$1 rel=$2 v
  # removed.tsv: ecosystem, name, version, where (deb: architecture; pypi: site-packages folder)
  v=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}\t${Architecture}' "$PURGE_DEB")
  printf 'deb\t%s\t%s\n' "$PURGE_DEB" "$v" >"$WORK/$rel/removed.tsv"
  v=$(in_chroot "$root" "$VENV/bin/pip" show "$UNINSTALL_PIP" | sed -n 's/^Version: //p')
  printf 'pypi\t%s\t%s\t%s\n' "$UNINSTALL_PIP" "$v" "$VENV/lib/python3.11/site-packages" >>"$WORK/$rel/removed.tsv"
  in_chroot "$root" apt-get "${APT_OPTS[@]}" purge -y -q "$PURGE_DEB"
  in_chroot "$root" "$VENV/bin/pip" uninstall -y -q "$UNINSTALL_PIP"
}

# Make the bundle hold exactly the image tagged PREV (re-unpack if a step died half way).
bundle_at() { # REL PREV
  local rel=$1 prev=$2 b=$WORK/$1/bundle
  if [ "$(cat "$WORK/$rel/bundle.at" 2>/dev/null)" != "$prev" ]; then
    safe_rm "$b"; rm -f "$WORK/$rel/bundle.at"
    log "$rel: unpack $prev"
    umoci unpack --image "$OUT/$rel/oci:$prev" "$b" >/dev/null
    echo "$prev" >"$WORK/$rel/bundle.at"
  fi
}

run_step() { # REL NAME PREV DESCRIPTION
  local rel=$1 name=$2 prev=$3 desc=$4 b=$WORK/$1/bundle t0
  [ -e "$WORK/$rel/$name.done" ] && return 0
  bundle_at "$rel" "$prev"
  echo dirty >"$WORK/$rel/bundle.at"
  t0=$(date +%s)
  log "$rel: layer $name: $desc"
  chroot_up "$b/rootfs"
  "stage_$name" "$b/rootfs" "$rel"
  chroot_down "$b/rootfs"
  log "$rel: repack $name"
  umoci repack --refresh-bundle --history.created_by "$desc" --image "$OUT/$rel/oci:$name" "$b"
  echo "$name" >"$WORK/$rel/bundle.at"
  touch "$WORK/$rel/$name.done"
  log "$rel: layer $name done in $(($(date +%s) - t0)) s"
}

write_truth() { # REL
  local rel=$1 root=$WORK/$1/bundle/rootfs t=$OUT/$1/truth
  safe_rm "$t.tmp"; mkdir -p "$t.tmp"
  dpkg-query --admindir="$root/var/lib/dpkg" -W \
    -f '${Package}\t${Version}\t${Architecture}\t${db:Status-Status}\n' |
    awk -F'\t' '$4 == "installed"' | LC_ALL=C sort >"$t.tmp/dpkg.tsv"
  local conv='import json,sys; [print(p["name"], p["version"], sep="\t") for p in json.load(sys.stdin)]'
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONDONTWRITEBYTECODE=1 chroot "$root" \
    "$VENV/bin/python" -m pip list --disable-pip-version-check --format json |
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONDONTWRITEBYTECODE=1 chroot "$root" /usr/bin/python3 -c "$conv" | LC_ALL=C sort >"$t.tmp/pip-venv.tsv"
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONDONTWRITEBYTECODE=1 chroot "$root" \
    /usr/bin/python3 -m pip list --disable-pip-version-check --format json --path /usr/lib/python3/dist-packages |
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONDONTWRITEBYTECODE=1 chroot "$root" /usr/bin/python3 -c "$conv" | LC_ALL=C sort >"$t.tmp/pip-system.tsv"
  # Distributions outside the two site-packages roots that pip list does not show
  # (setuptools' own _vendor/*.dist-info): a scanner that reads every *.dist-info finds them.
  local d r parent meta
  find "$root" -xdev \( -name '*.dist-info' -o -name '*.egg-info' \) -print | while read -r d; do
    r=${d#"$root"}; parent=${r%/*}
    case $parent in "$VENV/lib/python3.11/site-packages" | /usr/lib/python3/dist-packages) continue ;; esac
    if [ -f "$d" ]; then meta=$d; elif [ -f "$d/METADATA" ]; then meta=$d/METADATA; else meta=$d/PKG-INFO; fi
    printf '%s\t%s\t%s\n' "$(sed -n '/^$/q; s/^Name: *//p' "$meta" | head -1)" \
      "$(sed -n '/^$/q; s/^Version: *//p' "$meta" | head -1)" "$parent"
  done | LC_ALL=C sort >"$t.tmp/pip-other.tsv"
  LC_ALL=C sort "$WORK/$rel/removed.tsv" >"$t.tmp/removed.tsv"
  # Programs the content classifier recognises, one row per file (the interpreter
  # python3.11 and its libpython3.11): the version the interpreter itself prints.
  local pyver f
  pyver=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" /usr/bin/python3 --version | cut -d' ' -f2)
  for f in "$root"/usr/bin/python3.11 "$root"/usr/lib/*-linux-gnu/libpython3.11.so.1.0; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then printf 'python\t%s\t%s\n' "$pyver" "${f#"$root"/}"; fi
  done | LC_ALL=C sort >"$t.tmp/programs.tsv"
  grep -h '^ID=\|^VERSION_ID=' "$root/etc/os-release" >"$t.tmp/os-release"
  safe_rm "$t"; mv "$t.tmp" "$t"
}

finalize() { # REL
  local rel=$1 oci=$OUT/$1/oci
  log "$rel: ground truth, tag bench, docker archive"
  write_truth "$rel"
  if umoci ls --layout "$oci" | grep -qx purge; then
    umoci config --image "$oci:purge" --tag bench --no-history \
      --config.workingdir / --config.env PATH=$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --config.cmd /usr/sbin/apache2ctl --config.cmd -DFOREGROUND \
      --config.label org.opencontainers.image.title=keystone \
      --config.label org.opencontainers.image.version="$rel" \
      --config.label de.osism.sbom.bench=true
  fi
  for tag in base apt venv purge; do umoci rm --image "$oci:$tag" 2>/dev/null || true; done
  umoci gc --layout "$oci"
  rm -f "$OUT/$rel/keystone.tar"
  skopeo copy -q "oci:$oci:bench" "docker-archive:$OUT/$rel/keystone.tar:osism/keystone:$rel"
  touch "$WORK/$rel/final.done"
}

build_release() { # REL
  local rel=$1 t0
  t0=$(date +%s)
  if [ -e "$WORK/$rel/final.done" ]; then log "$rel: up to date"; return 0; fi
  mkdir -p "$WORK/$rel" "$OUT/$rel"
  if [ ! -e "$WORK/$rel/oci.done" ]; then
    safe_rm "$OUT/$rel/oci"
    cp -a "$BASE_OCI" "$OUT/$rel/oci"; rm -f "$OUT/$rel/oci/.done"
    touch "$WORK/$rel/oci.done"
  fi
  run_step "$rel" apt base "apt-get install --no-install-recommends python3 apache2 mod_wsgi ... ($rel)"
  run_step "$rel" venv apt "python3 -m venv $VENV && pip install keystone ($rel)"
  run_step "$rel" purge venv "apt-get purge $PURGE_DEB && pip uninstall $UNINSTALL_PIP"
  finalize "$rel"
  log "$rel: built in $(($(date +%s) - t0)) s"
}

# ---------------------------------------------------------------- sizes
write_sizes() {
  local s=$OUT/SIZES.tmp rel
  {
    printf '# bench image sizes (bytes); layers in order: base apt venv purge\n'
    for rel in r1 r2; do
      local oci=$OUT/$rel/oci idx man comp=0 unc=0 files=0 i=0
      idx=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$oci/index.json" | head -1)
      printf '%s manifest sha256:%s\n' "$rel" "$idx"
      for d in $(grep -o '"digest":"sha256:[0-9a-f]*","size":[0-9]*' "$oci/blobs/sha256/$idx" |
                 sed 's/"digest":"sha256:\([0-9a-f]*\)".*/\1/' | tail -n +2); do
        local c u n
        c=$(stat -c %s "$oci/blobs/sha256/$d")
        u=$(gzip -dc "$oci/blobs/sha256/$d" | wc -c)
        n=$(gzip -dc "$oci/blobs/sha256/$d" | tar -t | wc -l)
        i=$((i + 1))
        printf '%s layer%d sha256:%s compressed=%d uncompressed=%d entries=%d\n' "$rel" "$i" "$d" "$c" "$u" "$n"
        comp=$((comp + c)); unc=$((unc + u)); files=$((files + n))
      done
      printf '%s total layers=%d compressed=%d uncompressed=%d entries=%d docker-archive=%d\n' \
        "$rel" "$i" "$comp" "$unc" "$files" "$(stat -c %s "$OUT/$rel/keystone.tar")"
      printf '%s packages debs=%d venv=%d system-python=%d other-python=%d\n' "$rel" \
        "$(wc -l <"$OUT/$rel/truth/dpkg.tsv")" "$(wc -l <"$OUT/$rel/truth/pip-venv.tsv")" \
        "$(wc -l <"$OUT/$rel/truth/pip-system.tsv")" "$(wc -l <"$OUT/$rel/truth/pip-other.tsv")"
    done
  } >"$s"
  mv "$s" "$OUT/SIZES"
}

# Expected changes r1 -> r2 (kind, ecosystem, name, old, new, where), ordered by
# dpkg and PEP 440 rules, computed with the r2 image's own dpkg and packaging.
write_truth_diff() {
  local root=$WORK/r2/bundle/rootfs f side rel
  for side in old new; do
    rel=r1; [ $side = new ] && rel=r2
    for f in dpkg.tsv pip-venv.tsv pip-system.tsv pip-other.tsv; do
      sed "s|^|$f\t$side\t|" "$OUT/$rel/truth/$f"
    done
  done | env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONDONTWRITEBYTECODE=1 chroot "$root" \
    "$VENV/bin/python" -c "$(cat "$HERE/bench/truth_diff.py")" | LC_ALL=C sort >"$OUT/truth-diff-r1-r2.tsv.tmp"
  mv "$OUT/truth-diff-r1-r2.tsv.tmp" "$OUT/truth-diff-r1-r2.tsv"
}

build_release r1
build_release r2
if [ ! -s "$OUT/SIZES" ] || [ "$OUT/r2/keystone.tar" -nt "$OUT/SIZES" ] || [ "$OUT/r1/keystone.tar" -nt "$OUT/SIZES" ]; then
  write_sizes
fi
if [ ! -s "$OUT/truth-diff-r1-r2.tsv" ] || [ "$OUT/r2/truth" -nt "$OUT/truth-diff-r1-r2.tsv" ] ||
   [ "$OUT/r1/truth" -nt "$OUT/truth-diff-r1-r2.tsv" ]; then
  write_truth_diff
fi
cat "$OUT/SIZES" >&2
log "done in $(($(date +%s) - T0)) s: $OUT/r1 $OUT/r2"
