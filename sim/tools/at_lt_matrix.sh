#!/bin/bash
# AT against LT on one transfer per case: chunk 128 B / 1 KiB / 4 KiB / 64 KiB x density 0.02 / 0.35 / 1.0 x
# offload / prefetch, ZV on titan-x; prints both simulated times and LT's difference (docs/platform.md).
#   sim/tools/at_lt_matrix.sh [BYTES (default 8MiB)] [CDMA_SIM (default build/release/bin/cdma-sim)]
# Chunks above 4 KiB also widen the DRAM interleave and the aggregation buffer, which must hold them.
set -euo pipefail
cd "$(dirname "$0")/../.."
BYTES=${1:-8MiB}
SIM=${2:-build/release/bin/cdma-sim}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
seconds() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['phases'][0]['seconds'])" "$1"; }
printf '%-6s %-5s %-9s %14s %14s %9s\n' chunk dens op "AT s" "LT s" "LT vs AT"
for chunk in 128 1024 4096 65536; do
  extra=()
  if [ "$chunk" -gt 4096 ]; then
    extra=(--set "gpu.dram.interleave_bytes=$chunk" --set gpu.dma.buffer_bytes=1048576)
  fi
  for density in 0.02 0.35 1.0; do
    for op in offload prefetch; do
      for mode in at lt; do
        "$SIM" --mode "$mode" --op "$op" --bytes "$BYTES" --density "$density" \
          --set "gpu.dma.chunk_bytes=$chunk" "${extra[@]}" --out "$OUT/$mode" >/dev/null
      done
      at=$(seconds "$OUT/at/stats.json")
      lt=$(seconds "$OUT/lt/stats.json")
      /usr/bin/python3 -c "import sys; a, l = float(sys.argv[4]), float(sys.argv[5]); \
print('%-6s %-5s %-9s %14.9f %14.9f %+8.3f%%' % (sys.argv[1], sys.argv[2], sys.argv[3], a, l, (l / a - 1) * 100))" \
        "$chunk" "$density" "$op" "$at" "$lt"
    done
  done
done
