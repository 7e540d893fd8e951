#!/usr/bin/env python3
"""Plots of one `cdma-sim train` run, written next to its report.json:

  density_ratio.png  per offloaded layer: the density of its input and the compression ratio cDMA reached
                     (networks with many layers are split over several panels of at most --per-panel layers);
  performance.png    oracle, vDNN and cDMA iteration performance, normalised to the oracle;
  memory.png         GPU memory at every step of the iteration (forward, then backward) for the oracle and for
                     vDNN/cDMA, against the GPU's capacity.

`cdma-sim train --plots` runs this script itself; by hand: plot_training.py out/train.
Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import json
import math
import os
import sys

GIB = float(1 << 30)


def panels(rows, per_panel):
    """Split rows into nearly equal panels of at most per_panel rows each."""
    count = max(1, math.ceil(len(rows) / per_panel))
    size = math.ceil(len(rows) / count)
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def plot_density_ratio(plt, report, out_dir, per_panel):
    s = report["summary"]
    rows = [r for r in report["layers"] if "offloaded" in r]
    if not rows:
        return None
    groups = panels(rows, per_panel)
    width = min(16.0, max(8.0, 0.32 * max(len(g) for g in groups) + 2))
    fig, axes = plt.subplots(len(groups), 1, figsize=(width, 2.9 * len(groups) + 1.1), squeeze=False)
    ratio_top = max(r["ratio"] for r in rows) * 1.15
    twins = []
    for ax, group in zip(axes[:, 0], groups):
        x = range(len(group))
        ax.bar(x, [r["density"] for r in group], color="#88aadd", label="density of the offloaded input")
        ax.set_ylabel("density")
        ax.set_ylim(0, 1.05)
        ax.set_xlim(-0.6, len(group) - 0.4)
        ax2 = ax.twinx()
        twins.append(ax2)
        ax2.plot(x, [r["ratio"] for r in group], "o-", color="#cc4422", markersize=3,
                 label=f"{s['algorithm']} compression ratio")
        ax2.set_ylabel("ratio")
        ax2.set_ylim(0, ratio_top)
        ax.set_xticks(list(x))
        ax.set_xticklabels([r["layer"] for r in group], rotation=70, ha="right", fontsize=7)
    h1, l1 = axes[0, 0].get_legend_handles_labels()
    h2, l2 = twins[0].get_legend_handles_labels()
    fig.suptitle(f"{s['network']} on {s['platform']}, batch {s['batch']}: density and {s['algorithm']} ratio of "
                 f"every offloaded input (average {s['average_ratio']:.2f}x, max {s['max_ratio']:.2f}x)",
                 fontsize=10)
    # The legend sits between the title and the first panel, never over a bar.
    fig.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.45 / fig.get_figheight()),
               ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.75 / fig.get_figheight()))
    path = os.path.join(out_dir, "density_ratio.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_performance(plt, report, out_dir):
    s = report["summary"]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    labels = ["oracle", "vDNN", f"cDMA ({s['algorithm']})"]
    perf = [1.0, s["vdnn_performance"], s["cdma_performance"]]
    bars = ax.barh(labels, perf, color=["#999999", "#dd8844", "#4488cc"])
    for b, p in zip(bars, perf):
        ax.text(p + 0.01, b.get_y() + b.get_height() / 2, f"{p:.3f}", va="center", fontsize=9)
    ax.set_xlim(0, 1.15)
    ax.set_xlabel("performance normalised to the oracle (higher is better)")
    ax.set_title(f"{s['network']} on {s['platform']}, batch {s['batch']}, {s['policy']}", fontsize=10)
    fig.tight_layout()
    path = os.path.join(out_dir, "performance.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_memory(plt, report, out_dir):
    s, m, layers = report["summary"], report["memory"], report["layers"]
    # Execution order: every layer forward, then every layer backward from the last.
    steps = [(l["layer"], l, "forward") for l in layers] + [(l["layer"], l, "backward") for l in reversed(layers)]
    oracle = [l[f"oracle_memory_{p}_bytes"] / GIB for _, l, p in steps]
    offload = [l[f"offload_memory_{p}_bytes"] / GIB for _, l, p in steps]
    fig, ax = plt.subplots(figsize=(min(16.0, max(8.0, 0.06 * len(steps) + 6)), 4.2))
    x = range(len(steps))
    ax.step(x, oracle, where="post", color="#999999", label=f"oracle (peak {m['oracle']['peak_bytes'] / GIB:.2f} GiB)")
    ax.step(x, offload, where="post", color="#4488cc",
            label=f"vDNN / cDMA, {s['policy']} (peak {m['vdnn']['peak_bytes'] / GIB:.2f} GiB)")
    ax.axhline(m["gpu_capacity_bytes"] / GIB, color="#cc4422", linestyle="--",
               label=f"GPU capacity {m['gpu_capacity_bytes'] / GIB:.2f} GiB")
    ax.axvline(len(layers) - 0.5, color="#444444", linewidth=0.6)
    top = max(max(oracle), max(offload), m["gpu_capacity_bytes"] / GIB)
    ax.text(len(layers) / 2, top * 1.02, "forward", ha="center", fontsize=8)
    ax.text(len(layers) * 1.5, top * 1.02, "backward", ha="center", fontsize=8)
    ax.set_ylim(0, top * 1.1)
    ax.set_xlim(0, len(steps))
    ax.set_ylabel("GPU memory (GiB)")
    # At most ~40 labels, whatever the depth.
    every = max(1, math.ceil(len(steps) / 40))
    ticks = list(range(0, len(steps), every))
    ax.set_xticks(ticks)
    ax.set_xticklabels([steps[i][0] for i in ticks], rotation=70, ha="right", fontsize=7)
    ax.set_title(f"{s['network']} on {s['platform']}, batch {s['batch']}: GPU memory through the iteration "
                 f"(optimizer {m['optimizer']})", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    path = os.path.join(out_dir, "memory.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", default="out/train",
                        help="the run's output folder, holding report.json (default: out/train)")
    parser.add_argument("--per-panel", type=int, default=40,
                        help="most layers in one panel of density_ratio.png (default 40)")
    args = parser.parse_args(argv)
    if args.per_panel < 1:
        parser.error("--per-panel must be at least 1")
    report_path = os.path.join(args.out_dir, "report.json")
    try:
        with open(report_path) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"plot_training.py: error: {report_path}: {e}", file=sys.stderr)
        return 1
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_training.py: error: matplotlib is needed (Debian: apt install python3-matplotlib)",
              file=sys.stderr)
        return 1
    written = [p for p in (plot_density_ratio(plt, report, args.out_dir, args.per_panel),
                           plot_performance(plt, report, args.out_dir),
                           plot_memory(plt, report, args.out_dir)) if p]
    print("plots      " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
