#!/usr/bin/env python3
"""Turns Google Benchmark JSON from codec_bench into a markdown table: GB/s per codec, direction and density,
with each figure's fraction of memcpy measured in the same run. Usage: summarize_bench.py bench.json"""
import json
import sys
from collections import defaultdict


def main(path):
    with open(path) as f:
        runs = json.load(f)["benchmarks"]
    rate = {}  # (direction, subject, density) -> GB/s
    ratio = {}
    for r in runs:
        if r.get("run_type") == "aggregate" or "error_occurred" in r:
            continue
        direction, subject, density = r["name"].split("/")[:3]
        key = (direction, subject, density.split(":")[1])
        rate[key] = r["bytes_per_second"] / 1e9
        ratio[(subject, key[2])] = r.get("ratio", 0.0)
    densities = sorted({k[2] for k in rate}, key=int)
    subjects = []
    for k in rate:
        if k[1] not in subjects:
            subjects.append(k[1])
    for direction in ("compress", "decompress"):
        print(f"\n{direction} (GB/s of uncompressed data; in brackets: fraction of memcpy in the same run)\n")
        print("| codec | " + " | ".join(f"density {int(d) / 100:.2f}" for d in densities) + " |")
        print("|---|" + "---|" * len(densities))
        for s in subjects:
            cells = []
            for d in densities:
                v = rate.get((direction, s, d))
                base = rate.get((direction, "memcpy", d))
                cells.append("-" if v is None else f"{v:.2f} ({v / base:.2f})" if base else f"{v:.2f}")
            print(f"| {s} | " + " | ".join(cells) + " |")
    print("\ncompression ratio\n")
    print("| codec | " + " | ".join(f"density {int(d) / 100:.2f}" for d in densities) + " |")
    print("|---|" + "---|" * len(densities))
    for s in subjects:
        print(f"| {s} | " + " | ".join(f"{ratio.get((s, d), 0):.2f}" for d in densities) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
