#!/usr/bin/env python3
"""Golden-output regression suite: reruns fixed simulations and diffs their JSON against committed goldens.

    golden.py check  --sim CDMA_SIM [--case NAME ...]   (what CTest runs, one case each)
    golden.py update --sim CDMA_SIM [--case NAME ...]   (rewrite the goldens)
    golden.py diff A.json B.json                        (compare two outputs)
    golden.py list

`check --goldens-at REV` compares with the goldens as they were at git revision REV instead of the working
tree's, and `--allow-additions` accepts fields the goldens do not have (listing them), so one can show that a
change only added figures: `check --goldens-at 7ec1061 --allow-additions` runs today's tree against the goldens
recorded before the structure change.

The cases are in cases.json next to this script: each names the cdma-sim arguments and which output file of the
run is the golden (report.json of a training run, stats.json of a single transfer). Goldens live in
tb/golden/expected/<case>.json.

Comparison rules (docs/architecture.md, "Golden regressions"):
- The two documents must have the same shape: the same keys in every object, the same length of every array,
  the same type at every path.
- Every number must be equal exactly (numeric tolerance zero), simulated times and byte counts included: a
  JSON number compares as the double (or integer) its text parses to. Strings and booleans compare equal.
- Host fields are excluded, by key name wherever they appear (HOST_FIELDS below): wall-clock time, peak memory,
  throughput per wall second, and how the run was made (command line, version, build).
A change that moves a figure updates the goldens in the same commit (`golden.py update`) and says why in its
message; the diff this script prints lists every path that moved.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXPECTED = os.path.join(HERE, "expected")

# Keys whose values depend on the machine or the moment, not on the model.
HOST_FIELDS = {
    "wall_s",
    "wall_time_s",
    "peak_rss_bytes",
    "simulated_bytes_per_wall_second",
    "run",  # how the run was made: command line, version, build type
}


def load_cases():
    with open(os.path.join(HERE, "cases.json")) as f:
        cases = json.load(f)["cases"]
    names = [c["name"] for c in cases]
    if len(set(names)) != len(names):
        raise SystemExit("cases.json: duplicate case names")
    return {c["name"]: c for c in cases}


def kind(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


def diff(expected, actual, path="$", out=None, added=None):
    """Every difference between two JSON values, as 'path: what' lines. With `added` (a list), fields the
    expected value does not have go there instead of into the differences."""
    if out is None:
        out = []
    ke, ka = kind(expected), kind(actual)
    if ke != ka:
        out.append(f"{path}: expected {ke} {json.dumps(expected)[:80]}, got {ka} {json.dumps(actual)[:80]}")
    elif ke == "object":
        for key in sorted(set(expected) | set(actual)):
            if key in HOST_FIELDS:
                continue
            p = f"{path}.{key}"
            if key not in actual:
                out.append(f"{p}: missing (expected {json.dumps(expected[key])[:80]})")
            elif key not in expected:
                if added is not None:
                    added.append(p)
                else:
                    out.append(f"{p}: not in the golden (got {json.dumps(actual[key])[:80]})")
            else:
                diff(expected[key], actual[key], p, out, added)
    elif ke == "array":
        if len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} elements, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            diff(e, a, f"{path}[{i}]", out, added)
    elif expected != actual:
        rel = ""
        if ke == "number" and expected != 0:
            rel = f" (relative {(actual - expected) / abs(expected):+.3e})"
        out.append(f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}{rel}")
    return out


def without_host_fields(v):
    """The document with every host field removed, as the goldens are stored."""
    if isinstance(v, dict):
        return {k: without_host_fields(x) for k, x in v.items() if k not in HOST_FIELDS}
    if isinstance(v, list):
        return [without_host_fields(x) for x in v]
    return v


def run_case(sim, case, workdir):
    """Runs one case; returns the parsed output it names."""
    out_dir = os.path.join(workdir, case["name"])
    shutil.rmtree(out_dir, ignore_errors=True)
    args = [a.replace("{root}", ROOT) for a in case["args"]]
    cmd = [sim] + args + ["--out", out_dir]  # last, so it belongs to the subcommand if there is one
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr}")
    with open(os.path.join(out_dir, case["output"])) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("check", "update"):
        p = sub.add_parser(name)
        p.add_argument("--sim", required=True, help="the cdma-sim executable")
        p.add_argument("--case", action="append", help="only these cases (default: all)")
        p.add_argument("--workdir", help="where runs write their outputs (default: a temporary folder)")
        if name == "check":
            p.add_argument("--goldens-at", metavar="REV", help="the goldens as committed at this git revision")
            p.add_argument("--allow-additions", action="store_true",
                           help="accept fields the goldens do not have (they are listed)")
    p = sub.add_parser("diff")
    p.add_argument("expected")
    p.add_argument("actual")
    sub.add_parser("list")
    a = ap.parse_args()

    if a.command == "list":
        for name, c in load_cases().items():
            print(f"{name}: cdma-sim {' '.join(c['args'])} -> {c['output']}")
        return 0
    if a.command == "diff":
        with open(a.expected) as f, open(a.actual) as g:
            lines = diff(json.load(f), json.load(g))
        print("\n".join(lines) if lines else "identical")
        return 1 if lines else 0

    cases = load_cases()
    selected = a.case or list(cases)
    unknown = [n for n in selected if n not in cases]
    if unknown:
        print(f"golden.py: unknown case {', '.join(unknown)} (golden.py list)", file=sys.stderr)
        return 2
    if not os.access(a.sim, os.X_OK):
        print(f"golden.py: --sim {a.sim}: not an executable", file=sys.stderr)
        return 2
    workdir = a.workdir or tempfile.mkdtemp(prefix="cdma_golden_")
    failed = 0
    for name in selected:
        actual = run_case(a.sim, cases[name], workdir)
        path = os.path.join(EXPECTED, name + ".json")
        if a.command == "update":
            os.makedirs(EXPECTED, exist_ok=True)
            with open(path, "w") as f:
                json.dump(without_host_fields(actual), f, indent=1, sort_keys=True)
                f.write("\n")
            print(f"{name}: written {os.path.relpath(path, ROOT)}")
            continue
        if a.goldens_at:
            rel = os.path.relpath(path, ROOT)
            shown = subprocess.run(["git", "-C", ROOT, "show", f"{a.goldens_at}:{rel}"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            if shown.returncode != 0:
                print(f"{name}: no golden {rel} at {a.goldens_at}")
                failed += 1
                continue
            golden_doc = json.loads(shown.stdout)
        elif not os.path.exists(path):
            print(f"{name}: no golden {os.path.relpath(path, ROOT)} (golden.py update --case {name})")
            failed += 1
            continue
        else:
            with open(path) as f:
                golden_doc = json.load(f)
        added = [] if a.allow_additions else None
        lines = diff(golden_doc, actual, added=added)
        if added:
            fields = sorted({p.rsplit(".", 1)[-1] for p in added})
            print(f"{name}: {len(added)} field(s) added ({', '.join(fields)})")
        if lines:
            failed += 1
            print(f"{name}: {len(lines)} difference(s) from {os.path.relpath(path, ROOT)}")
            for line in lines[:200]:
                print("  " + line)
            if len(lines) > 200:
                print(f"  ... and {len(lines) - 200} more")
        else:
            print(f"{name}: identical to the golden" + (" apart from the added fields" if added else ""))
    if not a.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
