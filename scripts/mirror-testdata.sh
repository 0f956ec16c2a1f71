#!/usr/bin/env bash
# Fetch the small real packages the `sbom mirror` tests build mirrors from, into
# testdata/mirror (committed, so CI needs no network for them):
#   debs/    a handful of small Debian 12 .debs (apt-get download), served by the
#            Debian test as a repository made with apt-ftparchive and mirrored by aptly
#   wheels/  a few small pure-Python wheels (pip download), a --find-links folder
#   rpms/    four empty rpms built with rpmbuild (an epoch, noarch, two releases of one
#            name), made into a repository with createrepo_c by the rpm test
# Re-run to refresh (needs the Debian mirror and PyPI):  scripts/mirror-testdata.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/mirror
rm -rf "$out/debs" "$out/wheels" "$out/rpms"
mkdir -p "$out/debs" "$out/wheels" "$out/rpms"
# binNMU (+b3, source version differs), epochs, arch all, sources named otherwise.
debs=(libcap-ng0 libattr1 libaudit-common lsb-base netbase libacl1 libxxhash0 hello media-types)
(cd "$out/debs" && apt-get download "${debs[@]}")
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$out/wheels" \
  six==1.16.0 iso8601==2.1.0 zipp==3.19.2 typing_extensions==4.12.2
# rpms (apt-get install rpm): NAME EPOCH VERSION RELEASE ARCH
top=$(mktemp -d)
while read -r name epoch version release arch; do
  {
    echo "Name: $name"
    [ "$epoch" = 0 ] || echo "Epoch: $epoch"
    printf 'Version: %s\nRelease: %s\nSummary: sbom mirror test package\nLicense: MIT\n' "$version" "$release"
    [ "$arch" = noarch ] && echo "BuildArch: noarch"
    printf '%%description\nAn empty package for the sbom mirror tests.\n%%files\n'
  } > "$top/$name-$release.spec"
  SOURCE_DATE_EPOCH=1700000000 rpmbuild --quiet -bb --define "_topdir $top" \
    --define "_build_id_links none" --define "use_source_date_epoch_as_buildtime 1" \
    --target "$arch" "$top/$name-$release.spec"
done <<'LIST'
sbom-mirror-foo 0 1.0 1.el9 noarch
sbom-mirror-bar 2 3.1 4.el9 x86_64
sbom-mirror-bar 2 3.1 5.el9 x86_64
sbom-mirror-baz 0 0.9 1.el9 x86_64
LIST
find "$top/RPMS" -name '*.rpm' -exec cp {} "$out/rpms/" \;
rm -rf "$top"
ls -l "$out/debs" "$out/wheels" "$out/rpms"
