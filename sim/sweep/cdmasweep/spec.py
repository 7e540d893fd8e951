"""Sweep specifications: which simulator runs a sweep is made of (docs/exploration.md, "Spec").

A spec is JSON (a file, or built from command-line flags):

    {
      "name": "cu-throughput-a100",
      "command": "train",                      # or "transfer" (one cdma-sim offload/prefetch/round trip)
      "base": {"network": "vgg16", "batch": 16, "platform": "a100"},
      "axes": [
        {"param": "gpu.compression.bytes_per_cycle.zv", "range": {"from": 1, "to": 128, "steps": 8, "scale": "log"}},
        {"param": "network", "values": ["vgg16", "alexnet"]}
      ],
      "combine": "product",                    # or "zip": the axes' i-th values together
      "sample": {"method": "lhs", "points": 20, "seed": 1}     # optional: random or latin-hypercube; with
                                                               # "axes": [...] only those are sampled, and each
                                                               # sample is crossed with every value of the others
    }

A parameter is one of the simulator's own (PARAMS below) or, when its name contains a dot, a platform config field
given to `cdma-sim --set` (any field of docs/platform-config.md). Every point is a dict parameter -> value; its key
(point_key) is a hash of that dict, so a point is the same point in every sweep and a store skips it once done.
"""

import hashlib
import json
import math
import random

# The simulator's parameters besides platform fields: name -> (commands it applies to, check).
ALGORITHMS = ["none", "zv", "rl", "zl", "zcomp-i", "zcomp-s"]


def _positive_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _fraction(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1


def _open_fraction(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1


def _string(v):
    return isinstance(v, str) and v != ""


PARAMS = {
    "network": ({"train"}, _string, "a network name of sim/workloads or a JSON file"),
    "batch": ({"train"}, _positive_int, "a whole number >= 1"),
    "policy": ({"train"}, lambda v: v in ("all", "conv"), "all or conv"),
    "efficiency": ({"train"}, _open_fraction, "a number in (0, 1]"),
    "optimizer": ({"train"}, lambda v: v in ("sgd", "momentum", "adam"), "sgd, momentum or adam"),
    "platform": ({"train", "transfer"}, _string, "a platform name or file"),
    "algorithm": ({"train", "transfer"}, lambda v: v in ALGORITHMS, ", ".join(ALGORITHMS)),
    "backend": ({"train", "transfer"}, lambda v: v in ("model", "rtl"), "model or rtl"),
    "mode": ({"train", "transfer"}, lambda v: v in ("at", "lt"), "at or lt"),
    "seed": ({"train", "transfer"}, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
             "a whole number >= 0"),
    "op": ({"transfer"}, lambda v: v in ("offload", "prefetch", "roundtrip"), "offload, prefetch or roundtrip"),
    "bytes": ({"transfer"}, lambda v: _positive_int(v) or _string(v), "a byte count (4096, \"64MiB\")"),
    "density": ({"transfer"}, _fraction, "a number in [0, 1]"),
    "dtype": ({"transfer"}, lambda v: v in ("float32", "float16", "int8", "uint8"),
              "float32, float16, int8 or uint8 (cdma-sim --dtype)"),
}
COMMANDS = ("train", "transfer")
MAX_POINTS = 1_000_000


class SpecError(ValueError):
    """A spec that cannot be run; the message names the spec, the axis and the field."""


def is_platform_field(param):
    return "." in param


def point_key(point):
    return hashlib.sha256(json.dumps(point, sort_keys=True).encode()).hexdigest()[:16]


def _range_values(where, r):
    if not isinstance(r, dict):
        raise SpecError(f"{where}: range must be an object with from, to, steps (and scale, integer)")
    unknown = set(r) - {"from", "to", "steps", "scale", "integer"}
    if unknown:
        raise SpecError(f"{where}: range: unknown key(s) {sorted(unknown)}")
    for k in ("from", "to", "steps"):
        if k not in r:
            raise SpecError(f"{where}: range: '{k}' is missing")
    lo, hi, steps = r["from"], r["to"], r["steps"]
    scale = r.get("scale", "linear")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in (lo, hi)):
        raise SpecError(f"{where}: range: from and to must be finite numbers")
    if not (isinstance(steps, int) and not isinstance(steps, bool)) or steps < 1:
        raise SpecError(f"{where}: range: steps must be a whole number >= 1, got {steps!r}")
    if steps > 1 and lo == hi:
        raise SpecError(f"{where}: range: from = to = {lo} with {steps} steps is one value repeated")
    if lo > hi:
        raise SpecError(f"{where}: range is empty: from {lo} > to {hi}")
    if scale not in ("linear", "log"):
        raise SpecError(f"{where}: range: scale must be linear or log, got {scale!r}")
    if scale == "log" and lo <= 0:
        raise SpecError(f"{where}: range: a log scale needs from > 0, got {lo}")
    if steps == 1:
        vals = [lo]
    elif scale == "linear":
        vals = [lo + (hi - lo) * i / (steps - 1) for i in range(steps)]
    else:
        vals = [lo * (hi / lo) ** (i / (steps - 1)) for i in range(steps)]
    # 12 significant digits: 0.5 * 512^(6/9) is 32, not 31.999999999999996, so values join other tables exactly.
    vals = [float(f"{v:.12g}") for v in vals]
    vals[-1] = hi if steps > 1 else vals[-1]  # exact end point
    # Whole numbers when asked, or when whole ends are evenly divided by the steps (2..10 in 5 steps).
    integer = r.get("integer", isinstance(lo, int) and isinstance(hi, int) and scale == "linear" and
                    (steps == 1 or (hi - lo) % (steps - 1) == 0))
    if integer:
        whole = [int(round(v)) for v in vals]
        if len(set(whole)) != len(whole):
            raise SpecError(f"{where}: range: {steps} steps from {lo} to {hi} repeat whole numbers; use fewer "
                            "steps or \"integer\": false")
        vals = whole
    return vals


def _axis(where, axis, command):
    if not isinstance(axis, dict):
        raise SpecError(f"{where}: an axis is an object with param and values (or range)")
    unknown = set(axis) - {"param", "values", "range"}
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    param = axis.get("param")
    if not _string(param):
        raise SpecError(f"{where}: 'param' is missing or not a name")
    check_param(f"{where}: {param}", param, command)
    if ("values" in axis) == ("range" in axis):
        raise SpecError(f"{where} ({param}): give either values or range")
    if "values" in axis:
        vals = axis["values"]
        if not isinstance(vals, list):
            raise SpecError(f"{where} ({param}): values must be a list")
        if not vals:
            raise SpecError(f"{where} ({param}): values is empty")
    else:
        vals = _range_values(f"{where} ({param})", axis["range"])
    for v in vals:
        check_value(f"{where} ({param})", param, v)
    return param, vals


def check_param(where, param, command):
    if is_platform_field(param):
        return
    if param not in PARAMS:
        raise SpecError(f"{where}: unknown parameter (one of {', '.join(sorted(PARAMS))}, or a platform field "
                        f"such as pcie.lanes)")
    if command not in PARAMS[param][0]:
        raise SpecError(f"{where}: not a parameter of {command} runs")


def check_value(where, param, value):
    if is_platform_field(param):
        if not isinstance(value, (int, float, str, bool)) or (isinstance(value, float) and not math.isfinite(value)):
            raise SpecError(f"{where}: {value!r} is not a number, string or boolean")
        return
    ok = PARAMS[param][1]
    if not ok(value):
        raise SpecError(f"{where}: {value!r} is out of range: {PARAMS[param][2]}")


class Spec:
    def __init__(self, name, command, base, axes, combine, sample, source):
        self.name, self.command, self.base, self.axes = name, command, base, axes
        self.combine, self.sample, self.source = combine, sample, source

    def to_json(self):
        return {"name": self.name, "command": self.command, "base": self.base,
                "axes": [{"param": p, "values": v} for p, v in self.axes], "combine": self.combine,
                "sample": self.sample}

    def params(self):
        """Every parameter a point of this spec sets, in a stable order."""
        names = list(self.base)
        for p, _ in self.axes:
            if p not in names:
                names.append(p)
        return names

    def points(self):
        """The points, in a deterministic order."""
        if self.combine == "zip":
            n = len(self.axes[0][1]) if self.axes else 1
            combos = [[vals[i] for _, vals in self.axes] for i in range(n)]
        else:
            combos = [[]]
            for _, vals in self.axes:
                combos = [c + [v] for c in combos for v in vals]
        if self.sample and self.sample.get("axes"):
            # Sample the listed axes' sub-space, and cross every sample with all combinations of the others.
            sampled = [(p, v) for p, v in self.axes if p in self.sample["axes"]]
            crossed = [(p, v) for p, v in self.axes if p not in self.sample["axes"]]
            inner = [[]]
            for _, vals in sampled:
                inner = [c + [v] for c in inner for v in vals]
            inner = _sample(inner, sampled, self.sample, "product")
            outer = [[]]
            for _, vals in crossed:
                outer = [c + [v] for c in outer for v in vals]
            order = [p for p, _ in sampled] + [p for p, _ in crossed]
            pts = []
            for i in inner:
                for o in outer:
                    p = dict(self.base)
                    p.update(dict(zip(order, i + o)))
                    pts.append(p)
            return pts
        if self.sample:
            combos = _sample(combos, self.axes, self.sample, self.combine)
        pts = []
        for combo in combos:
            p = dict(self.base)
            for (param, _), v in zip(self.axes, combo):
                p[param] = v
            pts.append(p)
        return pts


def _sample(combos, axes, sample, combine):
    n, rng = sample["points"], random.Random(sample.get("seed", 1))
    if sample["method"] == "random" or combine == "zip":
        return [combos[i] for i in sorted(rng.sample(range(len(combos)), min(n, len(combos))))]
    # Latin hypercube over the axes' value indices: each axis cut into n strata, every stratum used once.
    picks = []
    for _, vals in axes:
        strata = list(range(n))
        rng.shuffle(strata)
        picks.append([min(len(vals) - 1, int((s + rng.random()) * len(vals) / n)) for s in strata])
    return [[vals[picks[a][i]] for a, (_, vals) in enumerate(axes)] for i in range(n)]


def parse_spec(doc, source="spec"):
    """Checks a spec (a dict) completely and returns a Spec; raises SpecError naming source and field."""
    if not isinstance(doc, dict):
        raise SpecError(f"{source}: a spec is a JSON object")
    unknown = set(doc) - {"name", "command", "base", "axes", "combine", "sample", "description"}
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {sorted(unknown)} (name, command, base, axes, combine, sample)")
    name = doc.get("name")
    if not _string(name) or not all(c.isalnum() or c in "-_." for c in name):
        raise SpecError(f"{source}: name: a non-empty name of letters, digits, '-', '_', '.' is required")
    command = doc.get("command", "train")
    if command not in COMMANDS:
        raise SpecError(f"{source}: command: train or transfer, got {command!r}")
    base = doc.get("base", {})
    if not isinstance(base, dict):
        raise SpecError(f"{source}: base must be an object of parameter: value")
    for param, value in base.items():
        check_param(f"{source}: base.{param}", param, command)
        check_value(f"{source}: base.{param}", param, value)
    axes_doc = doc.get("axes", [])
    if not isinstance(axes_doc, list) or not axes_doc:
        raise SpecError(f"{source}: axes: a non-empty list of axes is required")
    axes, seen = [], set()
    for i, a in enumerate(axes_doc):
        param, vals = _axis(f"{source}: axes[{i}]", a, command)
        if param in seen:
            raise SpecError(f"{source}: axes[{i}]: {param} is swept twice")
        seen.add(param)
        axes.append((param, vals))
    combine = doc.get("combine", "product")
    if combine not in ("product", "zip"):
        raise SpecError(f"{source}: combine: product or zip, got {combine!r}")
    if combine == "zip" and len({len(v) for _, v in axes}) != 1:
        raise SpecError(f"{source}: combine zip needs axes of one length, got "
                        + ", ".join(f"{p}: {len(v)}" for p, v in axes))
    sample = doc.get("sample")
    if sample is not None:
        if not isinstance(sample, dict) or sample.get("method") not in ("random", "lhs"):
            raise SpecError(f"{source}: sample: an object with method random or lhs and points")
        if set(sample) - {"method", "points", "seed", "axes"}:
            raise SpecError(f"{source}: sample: unknown key(s) "
                            f"{sorted(set(sample) - {'method', 'points', 'seed', 'axes'})}")
        if not _positive_int(sample.get("points")):
            raise SpecError(f"{source}: sample.points must be a whole number >= 1")
        if "axes" in sample:
            swept = [p for p, _ in axes]
            if not isinstance(sample["axes"], list) or not sample["axes"] or \
                    any(a not in swept for a in sample["axes"]):
                raise SpecError(f"{source}: sample.axes: a non-empty list of swept parameters ({', '.join(swept)})")
            if combine == "zip":
                raise SpecError(f"{source}: sample.axes samples a product; it does not combine with zip")
    total = 1
    for _, v in axes:
        total = len(v) if combine == "zip" else total * len(v)
    if total > MAX_POINTS and sample is None:
        raise SpecError(f"{source}: {total} points; sample them (\"sample\": {{\"method\": \"lhs\", "
                        f"\"points\": N}}) or narrow the axes (at most {MAX_POINTS})")
    return Spec(name, command, base, axes, combine, sample, source)


def load_spec(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror}")
    except ValueError as e:
        raise SpecError(f"{path}: invalid JSON: {e}")
    return parse_spec(doc, path)


def _parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text  # a bare word: a string


def spec_from_flags(name, command, base_items, param_items, range_items, combine, sample_method, sample_points,
                    seed):
    """--base k=v, --param k=v1,v2,..., --range k=from:to:steps[:log] as a spec dict."""
    doc = {"name": name, "command": command, "base": {}, "axes": [], "combine": combine}
    for item in base_items:
        k, _, v = item.partition("=")
        if not _:
            raise SpecError(f"--base {item}: expected param=value")
        doc["base"][k] = _parse_value(v)
    for item in param_items:
        k, _, v = item.partition("=")
        if not _ or v == "":
            raise SpecError(f"--param {item}: expected param=value1,value2,...")
        doc["axes"].append({"param": k, "values": [_parse_value(x) for x in v.split(",")]})
    for item in range_items:
        k, _, v = item.partition("=")
        parts = v.split(":")
        if not _ or len(parts) not in (3, 4):
            raise SpecError(f"--range {item}: expected param=from:to:steps[:log]")
        try:
            r = {"from": json.loads(parts[0]), "to": json.loads(parts[1]), "steps": json.loads(parts[2])}
        except ValueError:
            raise SpecError(f"--range {item}: from, to and steps must be numbers")
        if len(parts) == 4:
            r["scale"] = parts[3]
        doc["axes"].append({"param": k, "range": r})
    if sample_method:
        doc["sample"] = {"method": sample_method, "points": sample_points, "seed": seed}
    return parse_spec(doc, "command line")
