"""cdma-costmodel: the signature-set cost model (docs/costmodel.md).

  cdma-costmodel paper [--data DIR] [--k 1,2,3,5,7,10] [--methods random,mi,spearman] [--out DIR]
      reproduces the IISWC 2020 result on its public data: 118 networks x 106 mobile devices, held-out devices
  cdma-costmodel cdma --store S [--sweep NAME] [--metric cdma_s] [--k 2,3,5] [--out DIR]
      the same method on a cdma-sweep store: platform points are the devices, (network, batch) the workloads
"""

import argparse
import json
import os
import sys

import numpy as np

from . import costmodel as cm
from .store import Store, StoreError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "iiswc2020-cost-model")
WORKLOADS = os.path.join(ROOT, "sim", "workloads")


def _ints(text, flag):
    try:
        vals = [int(x) for x in text.split(",")]
    except ValueError:
        raise cm.CostModelError(f"{flag} {text}: a comma-separated list of whole numbers")
    if not vals or min(vals) < 1:
        raise cm.CostModelError(f"{flag} {text}: sizes must be >= 1")
    return vals


def _methods(text):
    methods = text.split(",")
    for m in methods:
        if m not in cm.METHODS:
            raise cm.CostModelError(f"--methods: {m!r} is not one of {', '.join(cm.METHODS)}")
    return methods


def _report(result, out, title):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    lines = [f"| method | signature size | R^2 | R^2 (log) | RMSE | MAPE % | Spearman | per-device R^2 median / min |",
             "|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['method']} | {r['k']} | {r['r2']:.3f} | {r['r2_log']:.3f} | {r['rmse']:.4g} | "
                     f"{r['mape_percent']:.1f} | {r['spearman']:.3f} | {r['per_device_r2_median']:.3f} / "
                     f"{r['per_device_r2_min']:.3f} |")
    table = "\n".join(lines)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table + "\n")
    print(table)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("cdma-costmodel: matplotlib missing: no plot", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    for method in sorted({r["method"] for r in result["rows"]}):
        rows = sorted((r for r in result["rows"] if r["method"] == method), key=lambda r: r["k"])
        ax.plot([r["k"] for r in rows], [r["r2"] for r in rows], "o-", label=method)
    ax.set_xlabel("signature size (networks measured on the new device)")
    ax.set_ylabel("R^2 on held-out devices")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "r2_vs_signature.png"), dpi=100)
    plt.close(fig)


def _progress(m):
    print(f"  {m['method']:8s} k={m['k']:2d}: R^2 {m['r2']:.3f} (log {m['r2_log']:.3f}), MAPE {m['mape_percent']:.1f} %",
          file=sys.stderr, flush=True)


def cmd_paper(args):
    ks, methods = _ints(args.k, "--k"), _methods(args.methods)  # flags first, then the data
    emb, lat, devices = cm.load_paper_data(args.data)
    print(f"{lat.shape[0]} networks x {lat.shape[1]} devices; {emb.shape[1]} network features", file=sys.stderr)
    result = cm.experiment(emb, lat, ks, methods, args.test_fraction, args.seed, args.trees, _progress)
    result["data"] = args.data
    _report(result, args.out, f"IISWC 2020 data: {result['networks']} networks, {result['test_devices']} held-out "
                              f"devices")
    return 0


def cmd_cdma(args):
    ks, methods = _ints(args.k, "--k"), _methods(args.methods)
    try:
        st = Store(args.store, create=False)
    except StoreError as e:
        raise cm.CostModelError(str(e))
    lat, workloads, devices = cm.latency_matrix_from_store(st, args.metric, ["network", "batch"], args.sweep)
    emb = cm.pad([[float(b)] + cm.network_embedding(os.path.join(WORKLOADS, f"{n}.json")) for n, b in workloads])
    print(f"{len(workloads)} workloads x {len(devices)} platform points from {args.store}", file=sys.stderr)
    result = cm.experiment(emb, lat, ks, methods, args.test_fraction, args.seed, args.trees, _progress)
    result.update({"store": args.store, "metric": args.metric, "workloads": [list(w) for w in workloads]})
    _report(result, args.out, f"cdma: {len(workloads)} workloads, {result['test_devices']} held-out platform points "
                              f"({args.metric})")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="cdma-costmodel", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, func, k in (("paper", cmd_paper, "1,2,3,5,7,10"), ("cdma", cmd_cdma, "1,2,3,5,7")):
        s = sub.add_parser(name, help=func.__doc__)
        s.add_argument("--k", default=k, help=f"signature sizes, comma-separated (default {k})")
        s.add_argument("--methods", default=",".join(cm.METHODS), help="selection methods (default all three)")
        s.add_argument("--test-fraction", type=float, default=0.2, help="share of devices held out (default 0.2)")
        s.add_argument("--seed", type=int, default=1, help="seed of the device split and random selection")
        s.add_argument("--trees", type=int, default=300, help="XGBoost trees (default 300)")
        s.add_argument("--out", default=f"out/costmodel-{name}", help=f"output folder (default out/costmodel-{name})")
        s.set_defaults(func=func)
        if name == "paper":
            s.add_argument("--data", default=DEFAULT_DATA, help="the IISWC 2020 data folder")
        else:
            s.add_argument("--store", required=True, help="a cdma-sweep store")
            s.add_argument("--sweep", help="only this sweep")
            s.add_argument("--metric", default="cdma_s", help="the latency column (default cdma_s)")
    args = p.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        print("cdma-costmodel: error: --test-fraction must be in (0, 1)", file=sys.stderr)
        return 1
    try:
        return args.func(args)
    except cm.CostModelError as e:
        print(f"cdma-costmodel: error: {e}", file=sys.stderr)
        return 1
