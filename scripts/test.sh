#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with the Rust toolchain:
# installs what the tests need (Debian packages as root; the SBOM validator builds its
# own venv on first use), builds the realistic bench image for the slow end-to-end
# tests, then runs every test of the workspace, including the slow ones.
#
#   scripts/test.sh            # everything
#   SBOM_SKIP_BENCH=1 scripts/test.sh   # skip building the bench image (its tests then fail, loudly)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Debian packages the tests use: a real registry, image tools, the bench image builder.
pkgs=(docker-registry apache2-utils time skopeo umoci mmdebstrap zstd ca-certificates python3-venv aptly apt-utils rpm createrepo-c dnf dnf-plugins-core)
# sbom report's page tests: a real browser (headless chromium, ~125 MB, ~30 s) and Java
# for the Nu HTML checker (vnu.jar comes from npm below).
pkgs+=(chromium default-jre-headless)
command -v npm >/dev/null || pkgs+=(npm)
# Go/Rust/program catalogers' real-data tests: go version -m (truth), the libraries Debian's
# redis/node/haproxy/memcached/postgres need to print their own --version.
pkgs+=(golang-go liblzf1 libjemalloc2 libuv1 libc-ares2 libopentracing-c-wrapper0 libevent-2.1-7
  libicu72 libldap-2.5-0 liblua5.3-0 libxml2 libnghttp2-14 libbrotli1 libpcre2-8-0)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The official validators (CycloneDX schemas, spdx-tools), shipped beside the project.
if [ -z "${SBOM_VALIDATE:-}" ]; then
  for cand in "$root/../shared/tools/validate-sbom" "$root/shared/tools/validate-sbom"; do
    if [ -x "$cand" ]; then SBOM_VALIDATE=$(cd "$(dirname "$cand")" && pwd)/validate-sbom; break; fi
  done
fi
if [ -z "${SBOM_VALIDATE:-}" ]; then
  echo "test.sh: validate-sbom not found (expected ../shared/tools/validate-sbom); set SBOM_VALIDATE" >&2
  exit 2
fi
export SBOM_VALIDATE

# pip for the mirror tests (`pip download` of their requirements files), in a venv.
if [ -z "${SBOM_PIP_PYTHON:-}" ]; then
  [ -x target/pip-venv/bin/python ] || python3 -m venv target/pip-venv
  export SBOM_PIP_PYTHON="$root/target/pip-venv/bin/python"
fi
# The Python oras client (PyPI) for the attach interop tests (a few seconds, once).
if [ -z "${SBOM_ORAS_PYTHON:-}" ]; then
  [ -x target/oras-venv/bin/python ] || python3 -m venv target/oras-venv
  target/oras-venv/bin/python -c 'import oras' 2>/dev/null ||
    target/oras-venv/bin/pip install -q oras==0.2.43
  export SBOM_ORAS_PYTHON="$root/target/oras-venv/bin/python"
fi
# The Nu HTML checker (vnu.jar, from npm's vnu-jar; ~30 MB, a few seconds) for sbom report.
if [ -z "${SBOM_VNU:-}" ]; then
  SBOM_VNU="$root/target/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
  if [ ! -f "$SBOM_VNU" ]; then
    mkdir -p "$root/target/vnu"
    npm install --silent --no-audit --no-fund --prefix "$root/target/vnu" vnu-jar@26.9.27 >/dev/null
  fi
fi
export SBOM_VNU

# The realistic OSISM-like bench images (cached between runs under target/bench-image).
if [ -z "${SBOM_SKIP_BENCH:-}" ]; then
  scripts/bench-image.sh "$root/target/bench-image"
fi
export SBOM_BENCH_DIR="$root/target/bench-image"

# Java fixtures: Debian's Java packages, a fat jar, a war, an ear, hostile archives
# (target/java-fixtures, about 10 MB downloaded once).
export SBOM_JAVA_FIXTURES="$root/target/java-fixtures"
scripts/java-fixtures.sh "$SBOM_JAVA_FIXTURES" >/dev/null

# Every test of the workspace...
cargo test --workspace --locked
# Real Go, Rust and program binaries (cached under target/binaries; installs
# cargo-auditable and rust-audit-info with cargo on first use).
scripts/fetch-binaries.sh "$root/target/binaries"
SBOM_BINARIES_DIR="$root/target/binaries" cargo test --locked -p sbom-cli --test binaries -- --ignored
# ...then the slow end-to-end ones on the bench images (scan = rootfs truth, validators,
# r1 -> r2 diff = truth diff), and a real image round-tripped through every format.
cargo test --locked -p sbom-cli --test bench_e2e -- --ignored
cargo test --locked -p sbom-cli --test mirror -- --ignored
cargo test --locked -p sbom-cli --test java_e2e -- --ignored
cargo test --locked -p sbom-cli --test attach -- --ignored
mkdir -p target/bench-roundtrip
cargo run --locked -q -p sbom-cli -- scan --quiet \
  "oci-dir:$SBOM_BENCH_DIR/r1/oci:bench" -o "json=target/bench-roundtrip/r1.sbom.json"
SBOM_FORMAT_ROUNDTRIP_DIR="$root/target/bench-roundtrip" \
  cargo test --locked -p sbom-format --test formats -- --ignored a_real_image_round_trips_through_every_format
