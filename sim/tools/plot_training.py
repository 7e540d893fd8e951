#!/usr/bin/env python3
"""Plots one `cdma-sim train` run: per-layer density and compression ratio of the offloaded activations, and
per-layer forward/backward time of oracle, vDNN and cDMA. Usage: plot_training.py OUT_DIR (reads report.json)."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(out_dir):
    with open(os.path.join(out_dir, "report.json")) as f:
        report = json.load(f)
    s = report["summary"]
    rows = [r for r in report["layers"] if "offloaded" in r]
    names = [r["layer"] for r in rows]
    x = range(len(rows))

    fig, ax = plt.subplots(figsize=(max(8, len(rows) * 0.45), 4.5))
    ax.bar(x, [r["density"] for r in rows], color="#88aadd", label="density of the offloaded input")
    ax.set_ylabel("density (fraction non-zero)")
    ax.set_ylim(0, 1.05)
    ax2 = ax.twinx()
    ax2.plot(x, [r["ratio"] for r in rows], "o-", color="#cc4422", label=f"{s['algorithm']} compression ratio")
    ax2.set_ylabel("compression ratio")
    ax2.set_ylim(0, max(r["ratio"] for r in rows) * 1.15)
    ax.set_xticks(list(x))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.set_title(f"{s['network']} (batch {s['batch']}): activation density and {s['algorithm']} ratio per layer "
                 f"(average {s['average_ratio']:.2f}x, max {s['max_ratio']:.2f}x)")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "density_ratio.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(7, 3.2))
    labels = ["oracle", "vDNN", f"cDMA ({s['algorithm']})"]
    perf = [1.0, s["vdnn_performance"], s["cdma_performance"]]
    bars = ax.barh(labels, perf, color=["#999999", "#dd8844", "#4488cc"])
    for b, p in zip(bars, perf):
        ax.text(p + 0.01, b.get_y() + b.get_height() / 2, f"{p:.3f}", va="center", fontsize=9)
    ax.set_xlim(0, 1.15)
    ax.set_xlabel("performance normalised to oracle (higher is better)")
    ax.set_title(f"{s['network']} on {s['platform']}, batch {s['batch']}, {s['policy']}")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "performance.png"), dpi=110)
    print(f"plots: {out_dir}/density_ratio.png, {out_dir}/performance.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/train")
