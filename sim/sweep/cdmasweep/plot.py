"""Plots of a store: a metric against one swept parameter (one line per --group value) or two (a heat map),
each point marked with the hop that was busiest (the bottleneck); and the Pareto front of a metric against the
compressor's silicon area, from the RTL exploration table (docs/rtl/explore.csv)."""

import csv
import json
import math

from .store import column_name

MARKERS = {"compression": "o", "pcie_to_host": "s", "pcie_to_gpu": "D", "gpu_dram": "^", "host_dram": "v",
           "crossbar": "P", "": "x"}


class PlotError(ValueError):
    pass


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("plots need matplotlib (Debian: apt install python3-matplotlib)")
    return plt


def _rows(st, where, params, columns):
    have = {r[1] for r in st.db.execute("PRAGMA table_info(runs)")}
    for c in columns:
        if c and c not in have:
            raise PlotError(f"{st.path}: no column {c!r} (columns: {', '.join(sorted(have))})")
    cond = (where + " AND " if where else " WHERE ") + "status = 'ok'"
    cols = ", ".join(f'"{c}"' for c in columns if c)
    return st.query(f"SELECT {cols} FROM runs{cond}", params)[1]


def plot_metric(st, where, params, x, y, group, metric, out, logx=False):
    plt = _pyplot()
    xc, yc, gc = column_name(x), column_name(y) if y else None, column_name(group) if group else None
    rows = _rows(st, where, params, [xc, yc, gc, metric, "bottleneck"])
    if not rows:
        raise PlotError(f"{st.path}: no finished points to plot")
    name = st.sweeps()[0][1] if len(st.sweeps()) == 1 else "store"
    if y:
        xs = sorted({r[0] for r in rows})
        ys = sorted({r[1] for r in rows})
        grid = [[math.nan] * len(xs) for _ in ys]
        hops = [[""] * len(xs) for _ in ys]
        for r in rows:
            i, j = ys.index(r[1]), xs.index(r[0])
            if not math.isnan(grid[i][j]):
                raise PlotError(f"several points at {x}={r[0]}, {y}={r[1]}: they differ in another parameter "
                                "(plot one --sweep, or fix it in the spec)")
            grid[i][j], hops[i][j] = r[-2], r[-1] or ""
        fig, ax = plt.subplots(figsize=(min(14, 1.2 + 0.9 * len(xs)), min(10, 1.5 + 0.55 * len(ys))))
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        fig.colorbar(im, ax=ax, label=metric)
        ax.set_xticks(range(len(xs)), [f"{v:g}" if isinstance(v, float) else str(v) for v in xs], rotation=45)
        ax.set_yticks(range(len(ys)), [f"{v:g}" if isinstance(v, float) else str(v) for v in ys])
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not math.isnan(grid[i][j]):
                    ax.text(j, i, f"{grid[i][j]:.3g}\n{hops[i][j]}", ha="center", va="center", fontsize=6,
                            color="white")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{name}: {metric} (cell: value and bottleneck hop)", fontsize=10)
    else:
        lines = {}
        for r in rows:
            # Columns as selected: x, [group,] metric, bottleneck.
            xv, mv, hop = r[0], r[-2], r[-1]
            key = r[1] if group else ""
            pts = lines.setdefault(key, {})
            if xv in pts:
                raise PlotError(f"several points at {x}={xv}" + (f", {group}={key}" if group else "") +
                                ": they differ in another parameter (add --group, or plot one --sweep)")
            pts[xv] = (mv, hop or "")
        fig, ax = plt.subplots(figsize=(8, 4.5))
        seen = set()
        for key, pts in sorted(lines.items(), key=lambda kv: str(kv[0])):
            xs = sorted(pts)
            line, = ax.plot(xs, [pts[v][0] for v in xs], "-", label=f"{group} = {key}" if group else metric)
            for v in xs:
                hop = pts[v][1]
                ax.scatter([v], [pts[v][0]], marker=MARKERS.get(hop, "x"), color=line.get_color(), zorder=3)
                seen.add(hop)
        # The markers' meaning, in a neutral colour (the lines' colours are the groups).
        for hop in sorted(seen):
            ax.scatter([], [], marker=MARKERS.get(hop, "x"), color="#555555", label=f"bottleneck: {hop or '?'}")
        if logx:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(x)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.set_title(f"{name}: {metric} against {x}", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _rtl_areas(path, unit, elem_bits):
    try:
        with open(path) as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise PlotError(f"--area {path}: cannot read: {e.strerror}")
    need = {"unit", "elem_bits", "bytes_per_cycle", "area_mm2_28nm", "sectors"}
    if not rows or not need <= set(rows[0]):
        raise PlotError(f"--area {path}: expected the columns {sorted(need)} of rtl/explore.py's table")
    areas = {}
    for r in rows:
        if r["unit"] == unit and int(r["elem_bits"]) == elem_bits:
            areas[float(r["bytes_per_cycle"])] = (float(r["area_mm2_28nm"]), f"{unit} SECTORS={r['sectors']}")
    if not areas:
        raise PlotError(f"--area {path}: no {unit} points at {elem_bits}-bit elements")
    return areas


def pareto_front(pts, min_gain=0.0):
    """The points no other point beats on both counts (less or equal area and higher metric), by area. A point
    joins only if it beats the best smaller one by more than `min_gain` (relative): 1.17893 against 1.17891 is
    not worth 2.8x the silicon."""
    front, best = [], -math.inf
    for p in sorted(pts, key=lambda p: (p["area_mm2"], -p["metric"])):
        if best == -math.inf or p["metric"] > best + abs(best) * min_gain:
            front.append(p)
            best = p["metric"]
    return front


def pareto(st, where, params, metric, param, area_path, unit, elem_bits, units_per_gpu, out, group=None,
           min_gain=0.001):
    """Joins each finished point's compressor width with its RTL area (times the units on the GPU) and plots
    metric against area with the non-dominated points joined, one front per --group value; returns the fronts'
    points (each with its group)."""
    plt = _pyplot()
    areas = _rtl_areas(area_path, unit, elem_bits)
    pc, gc = column_name(param), column_name(group) if group else None
    rows = _rows(st, where, params, [pc, metric, "platform_json", gc])
    groups, missing, left_out = {}, set(), 0
    for r in rows:
        value, m, platform_json = r[0], r[1], r[2]
        if float(value) not in areas:
            missing.add(value)
            left_out += 1
            continue
        units = units_per_gpu or json.loads(platform_json)["gpu"]["dram"]["channels"]
        area, label = areas[float(value)]
        g = r[3] if group else ""
        groups.setdefault(g, []).append({"value": float(value), "metric": m, "area_mm2": area * units,
                                         "rtl_point": f"{label} x {units}", "group": g})
    if not groups:
        raise PlotError(f"no point's {param} has an RTL area (sweep values {sorted(missing)}; the table has "
                        f"{sorted(areas)} B/cycle)")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    fronts = []
    for g, pts in sorted(groups.items(), key=lambda kv: str(kv[0])):
        front = pareto_front(pts, min_gain)
        fronts += front
        dots = ax.scatter([p["area_mm2"] for p in pts], [p["metric"] for p in pts], alpha=0.35)
        ax.plot([p["area_mm2"] for p in front], [p["metric"] for p in front], "o-", color=dots.get_facecolor()[0][:3],
                label=f"Pareto front, {group} = {g}" if group else "Pareto front")
        for p in front:
            ax.annotate(f"{p['value']:g} B/cycle", (p["area_mm2"], p["metric"]), textcoords="offset points",
                        xytext=(4, -12), fontsize=8)
    ax.set_xlabel(f"compressor area on the GPU (mm2, 28 nm; {unit} per unit x units)")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.set_title(f"{metric} against compressor area" + (f"\n({left_out} points at widths without an RTL point "
                                                         "left out)" if left_out else ""), fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return fronts
