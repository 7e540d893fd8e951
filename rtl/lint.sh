#!/bin/sh
# Verilator -Wall lint of every parameter point of the ZV RTL; exits non-zero on the first warning.
set -e
cd "$(dirname "$0")"
for s in 1 2 4 8; do
  for e in 32 16 8; do
    verilator --lint-only -Wall -GSECTORS=$s -GELEM_BITS=$e --top-module zv_compressor \
      zv_compressor.sv zv_compact.sv zv_route.sv
  done
done
for s in 1 2 4; do
  for e in 32 16 8; do
    verilator --lint-only -Wall -GSECTORS=$s -GELEM_BITS=$e --top-module zv_decompressor \
      zv_decompressor.sv zv_window.sv zv_sum_tree.sv zv_expand.sv zv_route.sv
  done
done
echo "lint clean: zv_compressor (SECTORS 1,2,4,8 x ELEM_BITS 32,16,8), zv_decompressor (SECTORS 1,2,4 x ELEM_BITS 32,16,8)"
