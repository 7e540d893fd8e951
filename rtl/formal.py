#!/usr/bin/python3
"""Formal proofs of the ZV RTL's properties (the `ifdef FORMAL` blocks of zv_compressor.sv and zv_decompressor.sv).

Engine: yosys reads the design with -formal, flattens it and maps it to an AIG (write_aiger -zinit; assumptions
become AIGER constraints); for each property on its own, yosys-abc folds the constraints in, cuts the cone of
that property, simplifies it with signal correspondence (scorr) and runs PDR (IC3), which either proves it for
every reachable state (unbounded) or returns a counterexample. Properties marked bmc, and PDR properties that do
not close within PDR_SECONDS, are checked by bounded model checking (bmc3) instead and reported as bounded: no
counterexample up to the depth printed (set by the time limit, so by the machine).
yosys-smtbmc with z3 did not finish step 0 of the smallest point in 10 minutes, so it is not used.

    /usr/bin/python3 rtl/formal.py                 # the CI point: compressor 1 x 32-bit (~3 min)
    /usr/bin/python3 rtl/formal.py --decompressor  # decompressor 4 x 32-bit (~15 min; CTest label `long`)
    /usr/bin/python3 rtl/formal.py --full          # every parameter point (hours; CTest label `long`)
    /usr/bin/python3 rtl/formal.py --mutant     # checks the flow can fail: a broken hold must be disproved

Exit status 0 only if every property is proved (bmc: no counterexample up to the depth).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

RTL = os.path.dirname(os.path.abspath(__file__))

UNITS = {
    "compressor": (["zv_compressor.sv", "zv_compact.sv", "zv_route.sv"], "zv_compressor"),
    "decompressor": (["zv_decompressor.sv", "zv_window.sv", "zv_sum_tree.sv", "zv_expand.sv", "zv_route.sv"],
                     "zv_decompressor"),
}
# Property label -> engine. pdr: unbounded proof; ("bmc", depth): no counterexample in `depth` cycles.
PROPS = {
    "compressor": {"p_out_held": "pdr", "p_buf_bound": "pdr", "p_take_room": "pdr", "p_chunk_len": "pdr",
                   "p_line_bytes": "pdr", "p_total_sum": ("bmc", 40)},
    "decompressor": {"p_out_held": "pdr", "p_avail_bound": "pdr", "p_room_avail": "pdr", "p_boff_range": "pdr",
                     "p_store_room": "pdr", "p_pointers": "pdr", "p_one_verdict": "pdr", "p_done_drained": "pdr",
                     "p_beat_bytes": "pdr", "p_beat_nonempty": "pdr"},
}
PDR_SECONDS = 60
BMC_SECONDS = 30  # bmc3 stops here and reports the depth it cleared


def run(cmd, log, cwd=None, timeout=None):
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=cwd, timeout=timeout)
    with open(log) as f:
        return r.returncode, f.read()


def prepare(unit, elem, sectors, work, mutant):
    """Flattened RTLIL of one parameter point mapped to AND gates, all asserts kept (the slow yosys part, done
    once per point)."""
    files, top = UNITS[unit]
    srcs = [os.path.join(RTL, f) for f in files]
    if mutant:
        # The output register loads even while the sink stalls: p_out_held must fail.
        text = open(srcs[0]).read()
        broken = text.replace("assign out_free = !out_valid || out_ready;", "assign out_free = 1'b1;")
        if broken == text:
            raise RuntimeError("mutant: pattern not found in " + srcs[0])
        srcs[0] = os.path.join(work, "mutant_" + files[0])
        with open(srcs[0], "w") as f:
            f.write(broken)
    il = os.path.join(work, f"{unit}_e{elem}_s{sectors}.il")
    script = (f"read_verilog -sv -formal {' '.join(srcs)}; chparam -set ELEM_BITS {elem} -set SECTORS {sectors} {top}; "
              f"prep -top {top}; flatten; memory_map; opt -fast; async2sync; dffunmap; setundef -anyseq; "
              f"setattr -unset keep; delete -output; opt -full; techmap; opt -fast -nodffe -nosdff; dffunmap; "
              f"abc -fast -g AND; opt_clean; write_rtlil {il}")
    rc, text = run(["yosys", "-q", "-p", script], il + ".log")
    if rc != 0:
        raise RuntimeError(f"yosys failed on {unit} e{elem} s{sectors}:\n{text[-2000:]}")
    return il


def check(il, labels, engine, work):
    """Properties `labels` together (their conjunction: each may lean on the others to be inductive): keep only
    their assert cells, write the AIG, OR the bad states into one output, prove with ABC."""
    tag = labels[0] if len(labels) == 1 else "together"
    aig = os.path.join(work, os.path.basename(il)[:-3] + f".{tag}.aig")
    keep = f"n:{labels[0]}" + "".join(f" n:{l} %u" for l in labels[1:])  # union on yosys' selection stack
    script = (f"read_rtlil {il}; select -assert-count {len(labels)} t:$assert {keep} %i; "
              f"delete t:$assert {keep} %d; opt_clean; write_aiger -zinit {aig}")
    rc, text = run(["yosys", "-q", "-p", script], aig + ".log")
    if rc != 0:
        raise RuntimeError(f"yosys failed preparing {tag}:\n{text[-2000:]}")
    if engine == "pdr":
        abc = f"read_aiger {aig}; fold; orpos; strash; scorr; pdr -T {PDR_SECONDS}"
    else:
        abc = f"read_aiger {aig}; fold; strash; scorr; bmc3 -F {engine[1]} -T {BMC_SECONDS}"
    t0 = time.time()
    try:
        rc, text = run(["yosys-abc", "-c", abc], aig + ".abc.log", timeout=PDR_SECONDS + 60)
    except subprocess.TimeoutExpired:
        return "UNDECIDED (ABC did not stop)", time.time() - t0
    secs = time.time() - t0
    if engine == "pdr":
        if "Property proved" in text:
            return "proved", secs
        if re.search(r"asserted in frame|was asserted", text):
            m = re.search(r"frame (\d+)", text)
            return f"FAILED (counterexample at frame {m.group(1) if m else '?'})", secs
        return "UNDECIDED (PDR timeout)", secs
    if re.search(r"was asserted in frame", text):
        m = re.search(r"frame (\d+)", text)
        return f"FAILED (counterexample at frame {m.group(1) if m else '?'})", secs
    m = re.search(r"No output asserted in (\d+) frames", text)
    if m:
        return f"no counterexample in {m.group(1)} cycles (bounded)", secs
    m = re.findall(r"Reached timeout .* in frame (\d+)|timeout.*?(\d+) frames", text)
    if m:
        depth = [x for x in m[-1] if x][0]
        return f"no counterexample in {depth} cycles (bounded, {BMC_SECONDS} s)", secs
    return "UNDECIDED (" + text.strip().splitlines()[-1][:80] + ")", secs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="every parameter point")
    ap.add_argument("--decompressor", action="store_true", help="the decompressor at 4 x 32-bit (~15 min)")
    ap.add_argument("--mutant", action="store_true", help="a compressor whose output does not hold: must fail")
    args = ap.parse_args()
    if args.mutant:
        points = [("compressor", 32, 1)]
    elif args.full:
        points = [("compressor", e, s) for e in (32, 16, 8) for s in (1, 2, 4, 8)]
        points += [("decompressor", e, s) for e in (32, 16, 8) for s in (1, 2, 4)]
    elif args.decompressor:
        points = [("decompressor", 32, 4)]
    else:
        points = [("compressor", 32, 1)]
    work = tempfile.mkdtemp(prefix="zv_formal_")
    failed = proved = bounded = 0
    for unit, elem, sectors in points:
        t0 = time.time()
        il = prepare(unit, elem, sectors, work, args.mutant)
        print(f"{unit} ELEM_BITS={elem} SECTORS={sectors} (yosys {time.time() - t0:.0f} s)", flush=True)
        props = PROPS[unit]
        if args.mutant:
            props = {"p_out_held": "pdr"}
        # One property at a time (each in its own cone). A PDR property that does not close in PDR_SECONDS is
        # checked by BMC instead and reported as bounded, not proved.
        jobs = []
        for label, engine in props.items():
            verdict, secs = check(il, [label], engine, work)
            if engine == "pdr" and verdict.startswith("UNDECIDED") and not args.mutant:
                v2, s2 = check(il, [label], ("bmc", 200), work)
                verdict, secs = f"not proved (PDR timeout); {v2}", secs + s2
            jobs.append((label, verdict, secs))
        for label, verdict, secs in jobs:
            ok = verdict == "proved" or "no counterexample" in verdict
            proved += verdict == "proved"
            bounded += ok and verdict != "proved"
            if args.mutant:
                ok = verdict.startswith("FAILED")
                verdict += " (expected: the mutant breaks it)" if ok else " (the mutant was NOT caught)"
            failed += not ok
            print(f"  {label}: {verdict}  [{secs:.1f} s]", flush=True)
    if args.mutant:
        print("formal: " + ("mutant caught" if not failed else "mutant NOT caught"))
    else:
        print(f"formal: {proved} proved, {bounded} bounded only; " +
              ("all properties hold" if not failed else f"{failed} FAILED"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
