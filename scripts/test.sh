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
pkgs=(docker-registry apache2-utils skopeo umoci mmdebstrap zstd ca-certificates python3-venv)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
# ...then the slow end-to-end ones on the bench images (scan = rootfs truth, validators,
# r1 -> r2 diff = truth diff), and a real image round-tripped through every format.
cargo test --locked -p sbom-cli --test bench_e2e -- --ignored
cargo test --locked -p sbom-cli --test java_e2e -- --ignored
mkdir -p target/bench-roundtrip
cargo run --locked -q -p sbom-cli -- scan --quiet \
  "oci-dir:$SBOM_BENCH_DIR/r1/oci:bench" -o "json=target/bench-roundtrip/r1.sbom.json"
SBOM_FORMAT_ROUNDTRIP_DIR="$root/target/bench-roundtrip" \
  cargo test --locked -p sbom-format --test formats -- --ignored a_real_image_round_trips_through_every_format
