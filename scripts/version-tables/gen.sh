#!/usr/bin/env bash
# Regenerates the version comparison tables in crates/sbom-model/src/version/testdata/
# from the real tools (CI only reads the committed tables; rerun this when a version list
# in versions/ changes):
#
#   scripts/version-tables/gen.sh            # all of them
#   scripts/version-tables/gen.sh npm go     # some of them (npm go cargo maven gem composer)
#
# Installs what it needs: Debian's golang-go, golang-golang-x-mod-dev, ruby, php-cli,
# php-composer-semver and libmaven3-core-java (apt-get, as root), npm's semver package
# (into target/version-tables/node), and the semver crate (cargo, into target/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/crates/sbom-model/src/version/testdata"
work="$root/target/version-tables"
mkdir -p "$work"
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(npm go cargo maven gem composer)

need() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

for eco in "${which[@]}"; do
  list="$here/versions/$eco.txt"
  case $eco in
    npm)
      mkdir -p "$work/node"
      (cd "$work/node" && [ -f package.json ] || echo '{"private":true}' > package.json)
      (cd "$work/node" && npm install --no-audit --no-fund --silent semver@7.8.6)
      NODE_PATH="$work/node/node_modules" node "$here/gen-npm.js" "$list" > "$out/npm-compare.txt"
      ;;
    go)
      need golang-go golang-golang-x-mod-dev
      xmod=$(dpkg-query -W -f='${Version}' golang-golang-x-mod-dev)
      GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
        go run "$here/gen-go.go" "$list" "$xmod" > "$out/go-compare.txt"
      ;;
    cargo)
      CARGO_TARGET_DIR="$work/cargo" cargo run -q --manifest-path "$here/semver-crate/Cargo.toml" \
        -- "$list" > "$out/cargo-compare.txt"
      ;;
    maven)
      need libmaven3-core-java default-jdk-headless
      mvn=$(dpkg-query -W -f='${Version}' libmaven3-core-java)
      java -cp /usr/share/java/maven3-artifact.jar "$here/GenMaven.java" "$list" "$mvn" \
        > "$out/maven-compare.txt"
      ;;
    gem)
      need ruby
      ruby "$here/gen-gem.rb" "$list" > "$out/gem-compare.txt"
      ;;
    composer)
      need php-cli php-composer-semver
      csv=$(dpkg-query -W -f='${Version}' php-composer-semver)
      php "$here/gen-composer.php" "$list" "$csv" > "$out/composer-compare.txt"
      ;;
    *) echo "gen.sh: unknown table $eco" >&2; exit 2 ;;
  esac
  echo "gen.sh: $eco: $(grep -vc '^#' "$out/$eco-compare.txt") pairs" >&2
done
