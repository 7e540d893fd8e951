#!/usr/bin/env bash
# Short libFuzzer run from a seed corpus, as a CTest smoke test. Fails if the fuzzer finds a crash.
# usage: run_fuzz_smoke.sh <fuzzer> <seed dir> <work dir> <seconds>
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$seeds"/. "$work/corpus/"
exec "$fuzzer" -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus"
