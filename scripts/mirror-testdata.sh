#!/usr/bin/env bash
# Fetch the small real packages the `sbom mirror` tests build mirrors from, into
# testdata/mirror (committed, so CI needs no network for them):
#   debs/    a handful of small Debian 12 .debs (apt-get download), served by the
#            Debian test as a repository made with apt-ftparchive and mirrored by aptly
#   wheels/  a few small pure-Python wheels (pip download), a --find-links folder
# Re-run to refresh (needs the Debian mirror and PyPI):  scripts/mirror-testdata.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/mirror
rm -rf "$out/debs" "$out/wheels"
mkdir -p "$out/debs" "$out/wheels"
# binNMU (+b3, source version differs), epochs, arch all, sources named otherwise.
debs=(libcap-ng0 libattr1 libaudit-common lsb-base netbase libacl1 libxxhash0 hello media-types)
(cd "$out/debs" && apt-get download "${debs[@]}")
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$out/wheels" \
  six==1.16.0 iso8601==2.1.0 zipp==3.19.2 typing_extensions==4.12.2
ls -l "$out/debs" "$out/wheels"
