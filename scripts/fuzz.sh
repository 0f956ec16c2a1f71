#!/usr/bin/env bash
# Runs one fuzz target (cargo-fuzz, nightly Rust) with the limits of issue 17: an input
# that takes over 1 s, or an allocation or RSS over 256 MB, is a finding.
#
#   scripts/fuzz.sh TARGET [SECONDS]     # default 600; targets: ls fuzz/fuzz_targets
#
# Starts from fuzz/corpus/TARGET (committed) and fuzz/seeds/TARGET (scripts/fuzz-seeds.py,
# if made); new inputs go to fuzz/corpus/TARGET, crashes to fuzz/artifacts/TARGET, the
# log to fuzz/logs/TARGET.log (last lines: executions, cov, ft). Make the corpus small
# again after a run with scripts/fuzz-shrink.sh TARGET (docs/reliability.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
secs=${2:-600}
mkdir -p "fuzz/corpus/$target" fuzz/logs
dirs=("fuzz/corpus/$target")
[ -d "fuzz/seeds/$target" ] && dirs+=("fuzz/seeds/$target")
# A small ASan quarantine: freed memory it holds back counts towards the RSS limit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:detect_leaks=0}
export CARGO_INCREMENTAL=0
# libFuzzer holds its whole corpus in memory and counts it towards -rss_limit_mb: the
# layer target's inputs are whole layers (up to 280 KB), and after some minutes its
# corpus alone is 70 MB, so its process limit is 512 MB. One allocation over 256 MB is a
# finding for every target; the peak of one input is measured by replaying it
# (docs/reliability.md).
rss=256
[ "$target" = layer ] && rss=512
exec cargo +nightly fuzz run --release --debug-assertions "$target" "${dirs[@]}" -- \
  -timeout=1 -rss_limit_mb="$rss" -malloc_limit_mb=256 -max_total_time="$secs" \
  -print_final_stats=1 >"fuzz/logs/$target.log" 2>&1
