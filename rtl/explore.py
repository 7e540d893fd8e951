#!/usr/bin/python3
"""Area and throughput exploration of the ZV RTL with yosys.

For each parameter point (compressor: ELEM_BITS x SECTORS; decompressor: ELEM_BITS) it synthesises the design
(yosys `synth -flatten -noabc`, then `abc -fast -g` onto a simple gate set), asserts there are no latches and that
`check` finds no problem, and reports cells, NAND2-equivalent gates (weights below), flops (and how many of the
declared register bits survived synthesis: nothing meant to be kept was removed), the longest combinational path in
gate levels (`ltp -noff`), bytes per cycle and the estimated area at 28 nm. Writes explore.csv, explore.md and
explore.png to --out (default docs/rtl/).

    /usr/bin/python3 rtl/explore.py              # 13 points, ~5 min on 2 cores
    /usr/bin/python3 rtl/explore.py --full       # adds 8 sectors at 16 and 8 bits, ~12 min
    /usr/bin/python3 rtl/explore.py --smoke      # one small point (the CTest smoke run)
"""
import argparse
import concurrent.futures
import csv
import os
import re
import subprocess
import sys
import tempfile

RTL = os.path.dirname(os.path.abspath(__file__))

# NAND2-equivalent weights of the gate set, typical of 28 nm-class standard-cell libraries (drive X1): INV is 2/3
# of a NAND2, AND/OR (NAND/NOR + INV) 4/3, AND-with-inverted-input 4/3, XOR/XNOR and MUX2 7/3; a D flip-flop about
# 4.5, with enable (a MUX2 in front) 5.5, with synchronous reset (an AND in front) 5.0, both 6.0.
WEIGHTS = {
    "$_NOT_": 0.67, "$_BUF_": 0.67,
    "$_NAND_": 1.0, "$_NOR_": 1.0,
    "$_AND_": 1.33, "$_OR_": 1.33, "$_ANDNOT_": 1.33, "$_ORNOT_": 1.33,
    "$_XOR_": 2.33, "$_XNOR_": 2.33, "$_MUX_": 2.33,
}
FF_WEIGHT = {"plain": 4.5, "enable": 5.5, "reset": 5.0, "enable+reset": 6.0}

# 28 nm: a NAND2 X1 is ~0.5 um2 in commercial 28 nm libraries (FreePDK45's 0.80 um2 scaled by (28/45)^2 gives 0.31;
# we take the larger, commercial-like figure), and a placed block reaches ~70 % utilisation.
NAND2_UM2 = 0.5
UTILISATION = 0.7


def ff_kind(cell):
    name = cell[3:-1]
    enable = "E" in name.split("_")[1] if "_" in name else False
    reset = name.startswith("SDFF") or name.startswith("DFFSR") or name.startswith("ADFF")
    if "DFFE" in name or "SDFFE" in name or "SDFFCE" in name:
        enable = True
    return ("enable+reset" if reset else "enable") if enable else ("reset" if reset else "plain")


def is_ff(cell):
    return "DFF" in cell or "DLATCH" in cell


def sources(kind):
    if kind == "compressor":
        return ["zv_compressor.sv", "zv_compact.sv", "zv_route.sv"], "zv_compressor"
    return ["zv_decompressor.sv", "zv_expand.sv", "zv_route.sv"], "zv_decompressor"


def yosys(script, log):
    with open(log, "w") as f:
        r = subprocess.run(["yosys", "-q", "-l", log + ".full", "-p", script], stdout=f, stderr=subprocess.STDOUT,
                           cwd=RTL)
    with open(log + ".full") as f:
        text = f.read()
    if r.returncode != 0:
        raise RuntimeError(f"yosys failed (see {log}.full):\n" + text[-2000:])
    return text


def last_stat(text):
    """Cell counts of the last `stat` in a yosys log."""
    block = text[text.rfind("Number of cells:"):]
    cells = {}
    for line in block.splitlines()[1:]:
        m = re.match(r"\s+(\$\S+)\s+(\d+)$", line)
        if not m:
            break
        cells[m.group(1)] = int(m.group(2))
    return cells


def run_point(kind, elem, sectors, work):
    files, top = sources(kind)
    params = f"-set ELEM_BITS {elem}" + (f" -set SECTORS {sectors}" if kind == "compressor" else "")
    tag = f"{kind}_e{elem}_s{sectors}"
    read = f"read_verilog -sv {' '.join(files)}; chparam {params} {top}; hierarchy -top {top}"
    # Declared register bits: every flop before optimisation, one per bit.
    pre = yosys(f"{read}; proc; flatten; techmap t:$dff t:$sdff t:$dffe; stat", os.path.join(work, tag + ".pre"))
    declared = sum(n for c, n in last_stat(pre).items() if is_ff(c))
    text = yosys(
        f"{read}; synth -flatten -noabc -top {top}; check -assert; "
        "select -assert-none t:$dlatch t:$_DLATCH_*; "
        "abc -fast -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX; opt_clean; "
        "select -assert-none t:$dlatch t:$_DLATCH_*; stat; ltp -noff",
        os.path.join(work, tag))
    cells = last_stat(text)
    unknown = [c for c in cells if not is_ff(c) and c not in WEIGHTS]
    if unknown:
        raise RuntimeError(f"{tag}: no NAND2 weight for {unknown}")
    flops = sum(n for c, n in cells.items() if is_ff(c))
    latches = sum(n for c, n in cells.items() if "LATCH" in c)
    nand2 = sum(n * (FF_WEIGHT[ff_kind(c)] if is_ff(c) else WEIGHTS[c]) for c, n in cells.items())
    levels = int(re.findall(r"Longest topological path in \S+ \(length=(\d+)\)", text)[-1])
    bpc = 32 * sectors if kind == "compressor" else 128
    return {
        "unit": kind, "elem_bits": elem, "sectors": sectors if kind == "compressor" else "",
        "bytes_per_cycle": bpc, "cells": sum(cells.values()), "nand2_eq": round(nand2), "flops": flops,
        "declared_reg_bits": declared, "latches": latches, "levels": levels,
        "area_mm2_28nm": round(nand2 * NAND2_UM2 / UTILISATION / 1e6, 4),
    }


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for elem, marker in ((32, "o"), (16, "s"), (8, "^")):
        pts = sorted((r for r in rows if r["unit"] == "compressor" and r["elem_bits"] == elem),
                     key=lambda r: r["bytes_per_cycle"])
        if not pts:
            continue
        x = [r["bytes_per_cycle"] for r in pts]
        a1.plot(x, [r["nand2_eq"] / 1000 for r in pts], marker=marker, label=f"compressor {elem}-bit")
        a2.plot(x, [r["levels"] for r in pts], marker=marker, label=f"compressor {elem}-bit")
        d = [r for r in rows if r["unit"] == "decompressor" and r["elem_bits"] == elem]
        if d:
            a1.scatter([128], [d[0]["nand2_eq"] / 1000], marker=marker, facecolors="none", edgecolors="k",
                       label=f"decompressor {elem}-bit")
    a1.set_xscale("log", base=2)
    a2.set_xscale("log", base=2)
    a1.set_xlabel("bytes per cycle (32 B x SECTORS)")
    a2.set_xlabel("bytes per cycle (32 B x SECTORS)")
    a1.set_ylabel("NAND2 equivalents (thousands)")
    a2.set_ylabel("longest combinational path (gate levels)")
    a1.set_title("ZV RTL area (yosys, abc -g simple gates)")
    a2.set_title("logic depth")
    a1.legend(fontsize=7)
    a1.grid(alpha=0.3)
    a2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(RTL, "..", "docs", "rtl"))
    ap.add_argument("--smoke", action="store_true", help="one small point (compressor, 32-bit x 1 sector)")
    ap.add_argument("--full", action="store_true", help="also 8 sectors at 16 and 8 bits (the slowest points)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()

    if args.smoke:
        points = [("compressor", 32, 1)]
    else:
        points = [("compressor", e, s) for e in (32, 16, 8) for s in (1, 2, 4, 8)
                  if args.full or s < 8 or e == 32]
        points += [("decompressor", e, 4) for e in (32, 16, 8)]
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="zv_explore_")
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(run_point, k, e, s, work): (k, e, s) for k, e, s in points}
        for f in concurrent.futures.as_completed(futs):
            r = f.result()
            rows.append(r)
            print(f"{r['unit']:12s} elem {r['elem_bits']:2d} sectors {str(r['sectors']):>2s}: {r['cells']} cells, "
                  f"{r['nand2_eq']} NAND2-eq, {r['flops']}/{r['declared_reg_bits']} flops, {r['levels']} levels, "
                  f"latches {r['latches']}", flush=True)
    rows.sort(key=lambda r: (r["unit"], -r["elem_bits"], r["bytes_per_cycle"]))
    bad = [r for r in rows if r["latches"] or r["flops"] < r["declared_reg_bits"] * 0.9]
    fields = list(rows[0].keys())
    prefix = "explore_smoke" if args.smoke else "explore"
    with open(os.path.join(args.out, prefix + ".csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(args.out, prefix + ".md"), "w") as f:
        f.write("| " + " | ".join(fields) + " |\n|" + "---|" * len(fields) + "\n")
        for r in rows:
            f.write("| " + " | ".join(str(r[k]) for k in fields) + " |\n")
    if not args.smoke:
        plot(rows, os.path.join(args.out, prefix + ".png"))
    print(f"wrote {prefix}.csv/.md{'' if args.smoke else '/.png'} to {os.path.abspath(args.out)}")
    if bad:
        print("FAIL: latches, or synthesis removed more than 10 % of the declared register bits:",
              [(r["unit"], r["elem_bits"], r["sectors"]) for r in bad])
        return 1
    print("no latches; every point kept >= 90 % of its declared register bits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
