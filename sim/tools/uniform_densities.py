#!/usr/bin/python3
"""Densities files in which every sparse layer has one density: the one whose ZV ratio is --ratio (ZV on fp32:
ratio = 1 / (density + 1/32)), dense layers (density 1 in the shipped file) kept dense. A what-if for the
paper's "average ratio 2.6x": the derived files give the same networks a per-tensor mean near it but denser
large early tensors (docs/validation.md, "The Titan Xp gap").

    /usr/bin/python3 sim/tools/uniform_densities.py --ratio 2.6 --out out/uniform
    for n in alexnet overfeat nin vgg16 squeezenet googlenet; do
      build/release/bin/cdma-sim --platform titan-xp train --network $n --batch 16 \\
          --densities out/uniform/$n.json --out out/uniform/run_$n; done
"""
import argparse
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NETWORKS = ["alexnet", "overfeat", "nin", "vgg16", "squeezenet", "googlenet"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ratio", type=float, default=2.6, help="the ZV ratio of every sparse layer (> 1, < 32)")
    ap.add_argument("--out", default="out/uniform")
    ap.add_argument("--networks", default=",".join(NETWORKS))
    args = ap.parse_args(argv)
    if not (1 < args.ratio < 32):
        ap.error("--ratio must be in (1, 32)")
    density = 1 / args.ratio - 1 / 32
    os.makedirs(args.out, exist_ok=True)
    for n in args.networks.split(","):
        path = os.path.join(ROOT, "sim", "workloads", "densities", n + ".json")
        if not os.path.exists(path):
            ap.error(f"--networks: no densities file for {n!r}")
        with open(path) as f:
            shipped = json.load(f)
        doc = {"network": n,
               "source": f"sim/tools/uniform_densities.py --ratio {args.ratio}: every sparse layer of {path} at "
                         f"{density:.4f}",
               "default_clustering": shipped.get("default_clustering", 0.5),
               "layers": {k: (v if v >= 1.0 else round(density, 6)) for k, v in shipped["layers"].items()}}
        with open(os.path.join(args.out, n + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    print(f"wrote {args.out}/<network>.json at density {density:.4f} (ZV {args.ratio}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
