#!/usr/bin/env python3
"""Runs `cdma-sim train` for every network and cDMA algorithm and summarises: a markdown table (for
docs/validation.md), sweep.json, and performance.png (performance normalised to oracle per network and
configuration) and traffic.png (PCIe offload traffic relative to vDNN). docs/validation.md is made with
  /usr/bin/python3 sim/tools/sweep.py --batch 16
Arguments after `--` go to every `cdma-sim train` run (for example `-- --efficiency 0.5`).
Needs matplotlib (Debian: python3-matplotlib)."""
import argparse
import json
import os
import subprocess
import sys

NETWORKS = ["alexnet", "overfeat", "nin", "vgg16", "squeezenet", "googlenet", "resnet50"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sim", default="build/release/bin/cdma-sim", help="the cdma-sim program (default: %(default)s)")
    p.add_argument("--batch", type=int, default=16, help="batch size of every run (default: %(default)s)")
    p.add_argument("--platform", default="titan-x", help="platform name or file (default: %(default)s)")
    p.add_argument("--algorithms", default="rl,zv,zl", help="cDMA codecs, comma-separated (default: %(default)s)")
    p.add_argument("--networks", default=",".join(NETWORKS), help="networks, comma-separated (default: all seven)")
    p.add_argument("--out", default="out/sweep", help="output folder, one sub-folder per run (default: %(default)s)")
    p.add_argument("--reuse", action="store_true", help="summarise existing reports instead of running again")
    p.add_argument("extra", nargs="*", help="after --: arguments for every cdma-sim train run")
    a = p.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("sweep: error: matplotlib is needed (Debian: apt install python3-matplotlib)")
    os.makedirs(a.out, exist_ok=True)
    results = {}
    for net in a.networks.split(","):
        for alg in a.algorithms.split(","):
            run_dir = os.path.join(a.out, f"{net}-{alg}")
            cmd = [a.sim, "--platform", a.platform, "train", "--network", net, "--batch", str(a.batch),
                   "--algorithm", alg, "--out", run_dir] + a.extra
            if not (a.reuse and os.path.exists(os.path.join(run_dir, "report.json"))):
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"sweep: {' '.join(cmd)} failed:\n{r.stderr}")
            with open(os.path.join(run_dir, "report.json")) as f:
                results[(net, alg)] = json.load(f)["summary"]
            s = results[(net, alg)]
            print(f"{net:10s} {alg:3s} ratio avg {s['average_ratio']:5.2f} max {s['max_ratio']:5.2f}  "
                  f"vDNN {s['vdnn_performance']:.3f}  cDMA {s['cdma_performance']:.3f}  "
                  f"cDMA/vDNN {s['cdma_speedup_over_vdnn']:.3f}", flush=True)
    nets = a.networks.split(",")
    algs = a.algorithms.split(",")
    with open(os.path.join(a.out, "sweep.json"), "w") as f:
        json.dump([results[(n, g)] for n in nets for g in algs], f, indent=2)

    # markdown table
    lines = ["| network | vDNN vs oracle | " + " | ".join(f"cDMA-{g.upper()} vs oracle" for g in algs) + " | " +
             " | ".join(f"{g.upper()} ratio avg / max" for g in algs) + " | " +
             " | ".join(f"cDMA-{g.upper()} over vDNN" for g in algs) + " |",
             "|---|" + "---|" * (1 + 3 * len(algs))]
    for n in nets:
        s0 = results[(n, algs[0])]
        lines.append(f"| {n} | {s0['vdnn_performance']:.3f} | " +
                     " | ".join(f"{results[(n, g)]['cdma_performance']:.3f}" for g in algs) + " | " +
                     " | ".join(f"{results[(n, g)]['average_ratio']:.2f} / {results[(n, g)]['max_ratio']:.2f}"
                                for g in algs) + " | " +
                     " | ".join(f"{(results[(n, g)]['cdma_speedup_over_vdnn'] - 1) * 100:+.1f} %" for g in algs) + " |")
    avg = lambda key, g: sum(results[(n, g)][key] for n in nets) / len(nets)  # noqa: E731
    lines.append("| **average** | " + f"{avg('vdnn_performance', algs[0]):.3f} | " +
                 " | ".join(f"{avg('cdma_performance', g):.3f}" for g in algs) + " | " +
                 " | ".join(f"{avg('average_ratio', g):.2f} / {max(results[(n, g)]['max_ratio'] for n in nets):.2f}"
                            for g in algs) + " | " +
                 " | ".join(f"{(avg('cdma_speedup_over_vdnn', g) - 1) * 100:+.1f} %" for g in algs) + " |")
    # Ratio granularity: the engine compresses each DMA chunk alone; RL and ZL also report whole tensors.
    chunk = results[(nets[0], algs[0])].get("ratio_chunk_bytes")
    if chunk:
        lines += ["", f"Ratios are per {chunk}-byte DMA chunk (each compressed alone, raw if it does not shrink)."]
    whole = [g for g in algs if results[(nets[0], g)].get("whole_tensor_aggregate_ratio") is not None]
    if whole:
        lines += ["", "| network | " + " | ".join(f"{g.upper()} aggregate ratio per chunk / whole tensor" for g in whole) +
                  " |", "|---|" + "---|" * len(whole)]
        for n in nets:
            lines.append(f"| {n} | " + " | ".join(f"{results[(n, g)]['aggregate_ratio']:.2f} / "
                                                f"{results[(n, g)]['whole_tensor_aggregate_ratio']:.2f}"
                                                for g in whole) + " |")
    # With --dram-contention: what sharing the GPU's DRAM cost each configuration (docs/validation.md, 6).
    if any(results[(n, g)].get("dram_contention") for n in nets for g in algs):
        lines += ["", "| network | oracle ms | vDNN: DRAM contention ms (% of iteration) | " +
                  " | ".join(f"cDMA-{g.upper()}: DRAM contention ms (%)" for g in algs) + " |",
                  "|---|---|---|" + "---|" * len(algs)]
        share = lambda s, c: f"{s[c + '_contention_s'] * 1e3:.2f} ({100 * s[c + '_contention_s'] / s[c + '_s']:.2f} %)"  # noqa: E731
        for n in nets:
            s0 = results[(n, algs[0])]
            lines.append(f"| {n} | {s0['oracle_s'] * 1e3:.2f} | {share(s0, 'vdnn')} | " +
                         " | ".join(share(results[(n, g)], "cdma") for g in algs) + " |")
    table = "\n".join(lines)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(table + "\n")
    print("\n" + table)

    fig, ax = plt.subplots(figsize=(10, 4))
    configs = ["vDNN"] + [f"cDMA-{g.upper()}" for g in algs]
    width = 0.8 / len(configs)
    for k, c in enumerate(configs):
        vals = [results[(n, algs[0])]["vdnn_performance"] if k == 0 else results[(n, algs[k - 1])]["cdma_performance"]
                for n in nets]
        ax.bar([i + k * width for i in range(len(nets))], vals, width, label=c)
    ax.axhline(1.0, color="black", lw=0.8, ls="--", label="oracle")
    ax.set_xticks([i + width * (len(configs) - 1) / 2 for i in range(len(nets))])
    ax.set_xticklabels(nets)
    ax.set_ylabel("performance normalised to oracle")
    ax.set_ylim(0, 1.1)
    ax.set_title(f"{a.platform}, batch {a.batch}: vDNN vs cDMA per network and algorithm", pad=24)
    # Above the axes, under the title: never over a bar.
    ax.legend(fontsize=8, ncol=len(configs) + 1, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, "performance.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(10, 3.5))
    for k, g in enumerate(algs):
        ax.bar([i + k * (0.8 / len(algs)) for i in range(len(nets))],
               [results[(n, g)]["offload_traffic_vs_vdnn"] for n in nets], 0.8 / len(algs), label=g.upper())
    ax.set_xticks([i + 0.4 - 0.4 / len(algs) for i in range(len(nets))])
    ax.set_xticklabels(nets)
    ax.set_ylabel("PCIe offload traffic vs vDNN")
    ax.set_title(f"{a.platform}, batch {a.batch}: bytes cDMA sends over PCIe per byte vDNN sends", pad=24)
    ax.legend(fontsize=8, ncol=len(algs), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, "traffic.png"), dpi=110)
    print(f"\nplots: {a.out}/performance.png, {a.out}/traffic.png; table: {a.out}/table.md")


if __name__ == "__main__":
    main()
