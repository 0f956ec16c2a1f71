#!/usr/bin/env bash
# Regenerates crates/sbom-format/tests/data/cdxgen.cdx-1.7.json and cdxgen.spdx3.json:
# what cdxgen (CycloneDX 1.7 by default, SPDX 3.0.1 JSON-LD with --format spdx) writes
# for a small npm project (a scoped package, a dependency chain, MIT licenses).
# Not run in CI: the files are committed. Needs node/npm and the npm registry.
#   scripts/cdxgen-fixtures.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work/tool" "$work/cdx-fixture"
npm install --prefix "$work/tool" --no-audit --no-fund --ignore-scripts @cyclonedx/cdxgen@12.8.4 >/dev/null
cd "$work/cdx-fixture"
cat > package.json <<'JSON'
{"name":"cdx-fixture","version":"1.0.0","license":"MIT","dependencies":{"@types/node":"20.11.0","semver":"7.5.4"}}
JSON
npm install --package-lock-only --no-audit --no-fund >/dev/null
"$work/tool/node_modules/.bin/cdxgen" -t js --no-install-deps --format cyclonedx,spdx -o out.cdx.json . >/dev/null
data="$here/crates/sbom-format/tests/data"
cp out.cdx.json "$data/cdxgen.cdx-1.7.json"
cp out.spdx.json "$data/cdxgen.spdx3.json"
echo "wrote $data/cdxgen.cdx-1.7.json $data/cdxgen.spdx3.json"
