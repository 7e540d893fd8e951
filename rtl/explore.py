#!/usr/bin/python3
"""Area and throughput exploration of the ZV RTL with yosys.

For each parameter point (compressor: ELEM_BITS x SECTORS; decompressor: ELEM_BITS) it synthesises the design
(yosys `synth -flatten -noabc`, then `abc -fast -g` onto a simple gate set), asserts there are no latches and that
`check` finds no problem, and reports cells, NAND2-equivalent gates (weights below), flops (and how many of the
declared register bits survived synthesis: nothing meant to be kept was removed), the longest combinational path in
gate levels (`ltp -noff`), an estimated clock for that path with the fanout of every net on it counted (timing
model below), bytes per cycle, GB/s at that clock, the estimated area at 28 nm, area per GB/s, and the storage
bits (register bits that hold data: the buffers a CACTI SRAM would replace). Writes explore.csv, explore.md and
explore.png to --out (default docs/rtl/).

    /usr/bin/python3 rtl/explore.py              # 19 points, ~15 min on 2 cores
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

# Timing model of the longest path (28 nm, typical corner). FO4 inverter delay ~12.5 ps at 28 nm (Horowitz's
# rule, FO4 ~ 0.36-0.45 ps per nm of drawn length); one generic 2-input gate level with its local wire ~2 FO4;
# flop clock-to-Q plus setup ~5 FO4. A net with fanout f > 4 needs a buffer tree of ceil(log4(f / 4)) stages of
# 1 FO4 each, added for every net on the path. This is an estimate for comparing design points, not signoff.
FO4_PS = 12.5
GATE_PS = 2 * FO4_PS
FLOP_PS = 5 * FO4_PS


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
    return ["zv_decompressor.sv", "zv_window.sv", "zv_sum_tree.sv", "zv_expand.sv", "zv_route.sv"], "zv_decompressor"


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


def path_fanout_ps(text, netlist_json):
    """Buffer-tree delay of the fanout of every net on the longest path (`ltp -noff` output, JSON netlist)."""
    import json
    import math
    with open(netlist_json) as f:
        mod = next(iter(json.load(f)["modules"].values()))
    fanout = {}
    for cell in mod["cells"].values():
        for port, bits in cell["connections"].items():
            if cell.get("port_directions", {}).get(port) == "input":
                for b in bits:
                    fanout[b] = fanout.get(b, 0) + 1
    bits_of = {name: n["bits"] for name, n in mod["netnames"].items()}
    block = text[text.rfind("Longest topological path"):]
    extra, worst = 0.0, 0
    for m in re.finditer(r"^\s+\d+: (\S+)(?: \[(\d+)\])?", block, re.M):
        name = m.group(1).lstrip("\\")
        bits = bits_of.get(name) or bits_of.get("\\" + name)
        if not bits:
            continue
        b = bits[int(m.group(2) or 0)] if int(m.group(2) or 0) < len(bits) else bits[0]
        f = fanout.get(b, 1)
        worst = max(worst, f)
        if f > 4:
            extra += math.ceil(math.log(f / 4, 4)) * FO4_PS
    return extra, worst


def run_point(kind, elem, sectors, work):
    files, top = sources(kind)
    params = f"-set ELEM_BITS {elem} -set SECTORS {sectors}"
    tag = f"{kind}_e{elem}_s{sectors}"
    read = f"read_verilog -sv {' '.join(files)}; chparam {params} {top}; hierarchy -top {top}"
    # Declared register bits: the flops `proc` makes for named registers, before optimisation. Flops driving
    # yosys' own helper wires ($lookahead, $bitselwrite of a variable-index part-select write) are not
    # registers of the design and go away in opt.
    pre = yosys(f"{read}; proc; flatten; dump t:$dff t:$sdff t:$dffe t:$adff", os.path.join(work, tag + ".pre"))
    declared = 0
    for cell in pre.split("  cell ")[1:]:
        w = re.search(r"parameter \\WIDTH (\d+)", cell)
        q = re.search(r"connect \\Q (\S+)", cell)
        if w and q and q.group(1).startswith("\\"):
            declared += int(w.group(1))
    text = yosys(
        f"{read}; synth -flatten -noabc -top {top}; check -assert; "
        "select -assert-none t:$dlatch t:$_DLATCH_*; "
        "abc -fast -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX; opt_clean; "
        f"select -assert-none t:$dlatch t:$_DLATCH_*; stat; ltp -noff; write_json {os.path.join(work, tag)}.json",
        os.path.join(work, tag))
    cells = last_stat(text)
    unknown = [c for c in cells if not is_ff(c) and c not in WEIGHTS]
    if unknown:
        raise RuntimeError(f"{tag}: no NAND2 weight for {unknown}")
    flops = sum(n for c, n in cells.items() if is_ff(c))
    latches = sum(n for c, n in cells.items() if "LATCH" in c)
    nand2 = sum(n * (FF_WEIGHT[ff_kind(c)] if is_ff(c) else WEIGHTS[c]) for c, n in cells.items())
    levels = int(re.findall(r"Longest topological path in \S+ \(length=(\d+)\)", text)[-1])
    fan_ps, worst_fanout = path_fanout_ps(text, os.path.join(work, tag) + ".json")
    period_ps = FLOP_PS + levels * GATE_PS + fan_ps
    ghz = 1000.0 / period_ps
    bpc = 32 * sectors
    area = nand2 * NAND2_UM2 / UTILISATION / 1e6
    return {
        "unit": kind, "elem_bits": elem, "sectors": sectors,
        "bytes_per_cycle": bpc, "cells": sum(cells.values()), "nand2_eq": round(nand2), "flops": flops,
        "declared_reg_bits": declared, "storage_bits": storage_bits(kind, elem, sectors), "latches": latches,
        "levels": levels, "path_max_fanout": worst_fanout, "est_ghz": round(ghz, 2),
        "gbps": round(bpc * ghz, 1), "area_mm2_28nm": round(area, 4),
        "mm2_per_100gbps": round(area / (bpc * ghz) * 100, 4),
    }


def storage_bits(kind, elem, sectors):
    """Register bits that hold stream data (what an SRAM/CACTI estimate would cover), from the RTL's sizes."""
    e = elem // 8
    blk_w = 128 // e // 8 // e + 128 // e  # words of a dense block's chunk (mask + elements)
    if kind == "compressor":
        line = 32 * sectors if sectors > 4 else 128
        parts = max(1, sectors // 4)
        out_buf = (line // e + parts * blk_w) * elem  # output buffer: a line plus one chunk
        staging = 128 * 8 + 128 // e if sectors < 4 else 0  # block staging register and its mask
        return out_buf + staging
    ring = 4 * 128 * 8  # four 128-byte line slots
    ring_pc = 4 * 128 * 4  # their per-byte popcounts
    return ring + ring_pc


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for unit, style in (("compressor", "-"), ("decompressor", "--")):
        for elem, marker in ((32, "o"), (16, "s"), (8, "^")):
            pts = sorted((r for r in rows if r["unit"] == unit and r["elem_bits"] == elem),
                         key=lambda r: r["bytes_per_cycle"])
            if not pts:
                continue
            x = [r["bytes_per_cycle"] for r in pts]
            label = f"{unit} {elem}-bit"
            a1.plot(x, [r["nand2_eq"] / 1000 for r in pts], style, marker=marker, label=label)
            a2.plot(x, [r["est_ghz"] for r in pts], style, marker=marker, label=label)
    for a in (a1, a2):
        a.set_xscale("log", base=2)
        a.set_xlabel("bytes per cycle (32 B x SECTORS)")
        a.grid(alpha=0.3)
    a1.set_ylabel("NAND2 equivalents (thousands)")
    a2.set_ylabel("estimated clock (GHz, 28 nm, fanout counted)")
    a1.set_title("ZV RTL area (yosys, abc -g simple gates)")
    a2.set_title("clock from the longest path")
    a1.legend(fontsize=7)
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
        points += [("decompressor", e, s) for e in (32, 16, 8) for s in (1, 2, 4)]
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="zv_explore_")
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(run_point, k, e, s, work): (k, e, s) for k, e, s in points}
        for f in concurrent.futures.as_completed(futs):
            r = f.result()
            rows.append(r)
            print(f"{r['unit']:12s} elem {r['elem_bits']:2d} sectors {r['sectors']}: {r['cells']} cells, "
                  f"{r['nand2_eq']} NAND2-eq, {r['flops']}/{r['declared_reg_bits']} flops, {r['levels']} levels "
                  f"(~{r['est_ghz']} GHz, {r['gbps']} GB/s), latches {r['latches']}", flush=True)
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
