#!/usr/bin/env bash
# Makes the committed corpus of one fuzz target small: a libFuzzer merge (-merge=1) of
# its seeds (fuzz/seeds/TARGET, scripts/fuzz-seeds.py) and the fuzzed inputs of up to
# MAX bytes in fuzz/corpus/TARGET, which then replaces fuzz/corpus/TARGET.
#
#   scripts/fuzz-shrink.sh TARGET [MAX]     # MAX default 1024 (16384 for layer, 4096 for java)
#
# Needs the target built (scripts/fuzz.sh or `cargo +nightly fuzz build --release
# --debug-assertions TARGET`). See docs/reliability.md ("Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:?usage: scripts/fuzz-shrink.sh TARGET [MAX]}
max=${2:-1024}
bin=fuzz/target/x86_64-unknown-linux-gnu/release/$t
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in" "$tmp/out"
find "fuzz/corpus/$t" -type f -size -$((max + 1))c -exec cp {} "$tmp/in/" \;
[ -d "fuzz/seeds/$t" ] && cp "fuzz/seeds/$t"/* "$tmp/in/"
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:detect_leaks=0} \
  "$bin" -merge=1 -timeout=5 -rss_limit_mb=2048 "$tmp/out" "$tmp/in" >"$tmp/merge.log" 2>&1 ||
  { tail -20 "$tmp/merge.log" >&2; exit 1; }
# Inputs named regression-* (crashes found and fixed) always stay.
find "fuzz/corpus/$t" -name 'regression-*' -exec cp {} "$tmp/out/" \;
rm -rf "fuzz/corpus/$t"
cp -r "$tmp/out" "fuzz/corpus/$t"
echo "$t: $(ls "fuzz/corpus/$t" | wc -l) files, $(du -sk --apparent-size "fuzz/corpus/$t" | cut -f1) KB"
