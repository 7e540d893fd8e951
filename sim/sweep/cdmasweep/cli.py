"""cdma-sweep: sweeps of cdma-sim over any parameter, into a SQLite store (docs/exploration.md).

  cdma-sweep run SPEC.json [--store S] [--backend serial|dask|slurm] [--workers N] [--scheduler ADDR] [--layers]
  cdma-sweep run --name N --param network=vgg16,alexnet --range gpu.compression.bytes_per_cycle.zv=1:128:8:log
  cdma-sweep status SPEC.json [--store S]
  cdma-sweep export [--store S] [--sweep NAME] --out runs.csv [--layers-out layers.csv]
  cdma-sweep plot [--store S] [--sweep NAME] --x PARAM [--y PARAM] [--group PARAM] --metric M --out fig.png
  cdma-sweep pareto [--store S] [--sweep NAME] --metric M --param P --area docs/rtl/explore.csv --out fig.png
  cdma-sweep collect SPEC.json --results DIR [--store S]     (after a Slurm array)
"""

import argparse
import csv
import sqlite3
import json
import os
import sys

from . import backends, plot, spec as specmod, store as storemod
from .point import check_platform_values, run_point

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULT_SIM = os.path.join(ROOT, "build", "release", "bin", "cdma-sim")


class UsageError(ValueError):
    pass


def _spec_args(p):
    p.add_argument("spec", nargs="?", help="sweep spec (JSON); or build one with --name/--param/--range")
    p.add_argument("--name", help="sweep name (with --param/--range)")
    p.add_argument("--command", default="train", choices=specmod.COMMANDS, help="what a point runs (default train)")
    p.add_argument("--base", action="append", default=[], metavar="P=V", help="a parameter fixed for every point")
    p.add_argument("--param", action="append", default=[], metavar="P=V1,V2", help="an axis of listed values")
    p.add_argument("--range", action="append", default=[], metavar="P=FROM:TO:STEPS[:log]", help="an axis range")
    p.add_argument("--zip", action="store_true", help="combine axes element-wise instead of as a product")
    p.add_argument("--sample", choices=["random", "lhs"], help="sample the space instead of running all of it")
    p.add_argument("--points", type=int, default=0, help="how many points --sample draws")
    p.add_argument("--seed", type=int, default=1, help="seed of --sample (default 1)")


def _store_arg(p):
    p.add_argument("--store", default="out/sweep.sqlite", help="results store (default out/sweep.sqlite)")


def _filter_args(p):
    """The store and which of its runs a reading subcommand sees."""
    _store_arg(p)
    p.add_argument("--sweep", help="only this sweep")
    p.add_argument("--where", metavar="SQL", help="only runs matching this SQL condition, e.g. \"network = 'vgg16'\"")


def _sim_arg(p):
    p.add_argument("--sim", default=DEFAULT_SIM, help="the cdma-sim program (default: this tree's release build)")


def load(args):
    if args.spec and (args.param or args.range or args.name):
        raise UsageError("give a spec file or --name/--param/--range, not both")
    if args.spec:
        return specmod.load_spec(args.spec)
    if not args.name:
        raise UsageError("a spec file or --name with --param/--range is required")
    return specmod.spec_from_flags(args.name, args.command, args.base, args.param, args.range,
                                   "zip" if args.zip else "product", args.sample, args.points, args.seed)


def _check_sim(sim):
    if not (os.path.isfile(sim) and os.access(sim, os.X_OK)):
        raise UsageError(f"--sim {sim}: not an executable (build it: ./cdma.sh build, or give --sim)")


def _todo(sp, st):
    done = st.done_keys()
    pts = [(specmod.point_key(p), p) for p in sp.points()]
    return [(k, p) for k, p in pts if k not in done], len(pts)


def cmd_run(args):
    sp = load(args)
    _check_sim(args.sim)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    errors = check_platform_values(args.sim, sp)
    if errors:
        raise UsageError("the spec's platform values are refused, nothing was run:\n  " + "\n  ".join(errors))
    os.makedirs(os.path.dirname(os.path.abspath(args.store)), exist_ok=True)
    st = storemod.Store(args.store)
    sweep_id = st.sweep_id(sp)
    todo, total = _todo(sp, st)
    print(f"{sp.name}: {total} points, {total - len(todo)} already in {args.store}, {len(todo)} to run "
          f"({args.backend})", file=sys.stderr)
    if args.backend == "slurm":
        return _submit_slurm(args, sp, todo)
    progress = backends.Progress(len(todo))

    def on_result(key, point, result):
        st.record(sweep_id, key, point, result, with_layers=args.layers)
        progress.tick(key, result)

    if args.backend == "serial":
        backends.run_serial(args.sim, sp.command, todo, on_result, jobs=args.jobs, timeout=args.timeout)
    else:
        backends.run_dask(args.sim, sp.command, todo, on_result, workers=args.workers, scheduler=args.scheduler,
                          jobs=args.jobs, timeout=args.timeout)
    print(f"{sp.name}: {progress.done - progress.failed} ok, {progress.failed} failed; store {args.store}",
          file=sys.stderr)
    return 0 if progress.failed == 0 else 3


def _submit_slurm(args, sp, todo):
    results = args.results or os.path.join(os.path.dirname(os.path.abspath(args.store)), f"{sp.name}-results")
    os.makedirs(results, exist_ok=True)
    spec_path = os.path.join(results, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(sp.to_json(), f, indent=1)
    keys_path = os.path.join(results, "keys.txt")
    with open(keys_path, "w") as f:
        f.write("".join(k + "\n" for k, _ in todo))
    script = os.path.join(results, "array.sbatch")
    text = backends.write_slurm_script(script, spec_path, sp, os.path.abspath(args.store), results, args.sim,
                                       keys_path, len(todo), args.sbatch_option, args.throttle)
    problems = backends.validate_slurm_script(text, len(todo))
    if problems:
        raise backends.BackendError(f"{script}: " + "; ".join(problems))
    print(f"wrote {script} ({len(todo)} array tasks); submit with: sbatch {script}", file=sys.stderr)
    return 0


def cmd_run_point(args):
    """One Slurm array task: the index-th key of --keys, run, written to --results."""
    sp = specmod.load_spec(args.spec)
    with open(args.keys) as f:
        keys = [line.strip() for line in f if line.strip()]
    if not 0 <= args.index < len(keys):
        raise UsageError(f"--index {args.index}: the array has {len(keys)} tasks")
    by_key = {specmod.point_key(p): p for p in sp.points()}
    key = keys[args.index]
    if key not in by_key:
        raise UsageError(f"{args.keys}: key {key} is not a point of {args.spec}")
    result = run_point(args.sim, sp.command, by_key[key], jobs=args.jobs)
    backends.write_point_result(args.results, key, by_key[key], result)
    return 0 if result["status"] == "ok" else 3


def cmd_collect(args):
    sp = load(args)
    st = storemod.Store(args.store)
    sweep_id = st.sweep_id(sp)
    keys = {specmod.point_key(p) for p in sp.points()}
    n = 0
    for r in backends.read_point_results(args.results):
        if r["key"] in keys:
            st.record(sweep_id, r["key"], r["point"], r["result"], with_layers=args.layers)
            n += 1
    print(f"collected {n} point(s) of {len(keys)} into {args.store}", file=sys.stderr)
    return 0


def cmd_status(args):
    sp = load(args)
    st = storemod.Store(args.store, create=False)
    pts = {specmod.point_key(p): p for p in sp.points()}
    rows = st.query("SELECT point_key, status, error FROM runs")[1]
    status = {k: (s, e) for k, s, e in rows if k in pts}
    ok = sum(1 for s, _ in status.values() if s == "ok")
    failed = [(k, e) for k, (s, e) in status.items() if s != "ok"]
    print(f"{sp.name}: {len(pts)} points: {ok} ok, {len(failed)} failed, {len(pts) - len(status)} not run")
    for k, e in failed:
        print(f"  failed {k} {json.dumps(pts[k], sort_keys=True)}: {e}")
    return 0


def _sweep_filter(st, name, where_sql=None):
    """The WHERE clause of --sweep NAME and --where SQL (a condition on the runs table's columns)."""
    clauses, params = [], ()
    if name:
        ids = [r[0] for r in st.sweeps() if r[1] == name]
        if not ids:
            raise UsageError(f"--sweep {name}: no such sweep in {st.path} "
                             f"(have: {', '.join(r[1] for r in st.sweeps())})")
        clauses.append("sweep_id = ?")
        params = (ids[0],)
    if where_sql:
        try:
            st.db.execute(f"SELECT 1 FROM runs WHERE ({where_sql}) LIMIT 0")
        except sqlite3.Error as e:
            raise UsageError(f"--where {where_sql}: {e}")
        clauses.append(f"({where_sql})")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def cmd_export(args):
    st = storemod.Store(args.store, create=False)
    where, params = _sweep_filter(st, args.sweep, args.where)
    names, rows = st.query(f"SELECT * FROM runs{where} ORDER BY run_id", params)
    _write_csv(args.out, names, rows)
    if args.layers_out:
        lw = where.replace("sweep_id", "runs.sweep_id")
        names, rows = st.query(f"SELECT layers.* FROM layers JOIN runs USING (run_id){lw} ORDER BY run_id, "
                               "layer_index", params)
        _write_csv(args.layers_out, names, rows)
    print(f"wrote {args.out}" + (f", {args.layers_out}" if args.layers_out else ""), file=sys.stderr)
    return 0


def _write_csv(path, names, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        w.writerows(rows)


def cmd_plot(args):
    st = storemod.Store(args.store, create=False)
    where, params = _sweep_filter(st, args.sweep, args.where)
    plot.plot_metric(st, where, params, args.x, args.y, args.group, args.metric, args.out, args.logx)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def cmd_pareto(args):
    st = storemod.Store(args.store, create=False)
    where, params = _sweep_filter(st, args.sweep, args.where)
    front = plot.pareto(st, where, params, args.metric, args.param, args.area, args.unit, args.elem_bits,
                        args.units_per_gpu, args.out, args.group,
                        args.min_gain)
    for row in front:
        g = f"{args.group} = {row['group']}: " if args.group else ""
        print(f"  {g}{args.param} = {row['value']:g}: {args.metric} {row['metric']:.4f}, area "
              f"{row['area_mm2']:.4f} mm2 ({row['rtl_point']})")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="cdma-sweep", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="run the points not yet in the store")
    _spec_args(r)
    _store_arg(r)
    _sim_arg(r)
    r.add_argument("--backend", choices=["serial", "dask", "slurm"], default="dask",
                   help="where points run (default dask: a local cluster of --workers processes)")
    r.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local Dask workers (default: the CPUs)")
    r.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786) instead of a local one")
    r.add_argument("--jobs", type=int, default=1, help="cdma-sim train --jobs per point (default 1)")
    r.add_argument("--timeout", type=float, help="seconds a point may take before it is recorded as failed")
    r.add_argument("--layers", action="store_true", help="also store every point's per-layer rows")
    r.add_argument("--results", help="slurm: folder for the array's script and per-point results")
    r.add_argument("--sbatch-option", action="append", default=[], help="slurm: an extra #SBATCH line, as --sbatch-option=--time=1:00:00 (repeatable)")
    r.add_argument("--throttle", type=int, help="slurm: at most this many array tasks at once")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("status", help="how many points are done, failed, not run")
    _spec_args(s)
    _store_arg(s)
    s.set_defaults(func=cmd_status)

    e = sub.add_parser("export", help="the store's runs (and layers) as CSV")
    _filter_args(e)
    e.add_argument("--out", required=True, help="CSV of runs")
    e.add_argument("--layers-out", help="CSV of per-layer rows (sweeps run with --layers)")
    e.set_defaults(func=cmd_export)

    pl = sub.add_parser("plot", help="a metric against one swept parameter (lines) or two (heat map)")
    _filter_args(pl)
    pl.add_argument("--x", required=True, help="parameter on the x axis")
    pl.add_argument("--y", help="second parameter: a heat map")
    pl.add_argument("--group", help="one line per value of this parameter")
    pl.add_argument("--metric", default="cdma_speedup_over_vdnn", help="column to plot (default cdma_speedup_over_vdnn)")
    pl.add_argument("--logx", action="store_true", help="logarithmic x axis")
    pl.add_argument("--out", required=True, help="PNG to write")
    pl.set_defaults(func=cmd_plot)

    pa = sub.add_parser("pareto", help="a metric against compressor area, joined with the RTL exploration table")
    _filter_args(pa)
    pa.add_argument("--metric", default="cdma_speedup_over_vdnn", help="figure of merit (higher is better)")
    pa.add_argument("--param", default="gpu.compression.bytes_per_cycle.zv",
                    help="the swept parameter that is the compressor's bytes per cycle")
    pa.add_argument("--area", default=os.path.join(ROOT, "docs", "rtl", "explore.csv"),
                    help="RTL exploration table (default docs/rtl/explore.csv)")
    pa.add_argument("--unit", default="compressor", help="RTL unit whose area counts (default compressor)")
    pa.add_argument("--elem-bits", type=int, default=32, help="element width of the RTL points (default 32)")
    pa.add_argument("--units-per-gpu", type=int, default=0,
                    help="compression units per GPU (default: the platform's memory channels)")
    pa.add_argument("--group", help="one front per value of this parameter (for example network)")
    pa.add_argument("--min-gain", type=float, default=0.001,
                    help="relative gain a larger point needs to join the front (default 0.001 = 0.1 %%)")
    pa.add_argument("--out", required=True, help="PNG to write")
    pa.set_defaults(func=cmd_pareto)

    rp = sub.add_parser("run-point", help="(Slurm array task) run one point into a results folder")
    rp.add_argument("spec")
    rp.add_argument("--index", type=int, required=True)
    rp.add_argument("--keys", required=True)
    rp.add_argument("--results", required=True)
    rp.add_argument("--jobs", type=int, default=1)
    _sim_arg(rp)
    rp.set_defaults(func=cmd_run_point)

    c = sub.add_parser("collect", help="import the per-point results of a Slurm array into the store")
    _spec_args(c)
    _store_arg(c)
    c.add_argument("--results", required=True, help="the array's results folder")
    c.add_argument("--layers", action="store_true", help="also store per-layer rows")
    c.set_defaults(func=cmd_collect)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (specmod.SpecError, storemod.StoreError, backends.BackendError, UsageError, plot.PlotError) as e:
        print(f"cdma-sweep: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cdma-sweep: interrupted; points finished so far are in the store (run again to resume)",
              file=sys.stderr)
        return 130
