#!/usr/bin/python3
"""Capture every layer's output activation of a PyTorch model as .npy traces for the training simulation.

One forward pass with a forward hook on every leaf module writes

    <out>/<layer name>.npy   the layer's OUTPUT for the whole batch, float32, C order, shape [batch, *out]
    <out>/input.npy          the network input (the first layer's input)
    <out>/manifest.json      {"format": "cdma-activation-trace/1", "batch": N, "mode": "train"|"eval",
                              "input": {"shape", "file", "density"},
                              "layers": [{"name", "type", "module", "shape", "density", "clustering", "file",
                                          "inputs"}, ...]}   (forward order)

Layer names are the modules' qualified names (nn.Sequential(OrderedDict(...)) gives them readable names) with
every character outside [A-Za-z0-9_.-] replaced by '_' and '.' replaced by '_', so they are safe file names and
match the "name" of the layers in a network file (sim/workloads/README.md). "type" is the network-file type
(conv, fc, relu, pool, lrn, dropout, batchnorm, softmax) or "other". Modules that only reshape (Flatten, Identity,
Unflatten) are not captured: their output is their input's bytes. A module that runs more than once in a pass
(torchvision's blocks reuse one ReLU) is captured at every call, as <name>, <name>_2, <name>_3, ...

density    = fraction of elements whose 32-bit pattern is not all zero (-0.0 counts as non-zero, exactly as the ZV
             codec and `cdma-codec info` count);
clustering = lag-1 correlation of the non-zero indicator along the C-order element stream, the same quantity as
             the `clustering` parameter of the synthetic activation generator (sim/tensor/activation_generator.h).
inputs     = the names of the captured layers (or "input") whose outputs this layer read, found by tensor storage;
             "?" when the input came from a functional op (torch.cat, +, F.relu) that is not a module.

Usage as a library:
    from capture_activations import capture
    manifest = capture(model, x, "out/trace", mode="train")
    net = network_json(manifest, "mynet", "description")      # network file in the sim/workloads schema

Usage from the command line (the model comes from a Python file defining a factory function):
    /usr/bin/python3 sim/tools/capture_activations.py --model my_model.py:make_model --input-shape 3,32,32 \
        --batch 8 --out out/trace [--weights state.pt] [--input x.npy] [--mode eval] [--seed 1] \
        [--network-json out/mynet.json]

Needs Debian's python3-torch (CPU) and python3-numpy; run with /usr/bin/python3.
"""

import argparse
import importlib.util
import json
import math
import os
import re
import sys

import numpy as np

try:
    import torch
    import torch.nn as nn
except ImportError:  # pragma: no cover - message for users without python3-torch
    sys.exit("capture_activations.py needs PyTorch: apt-get install -y python3-torch, and run it with /usr/bin/python3")

FORMAT = "cdma-activation-trace/1"

# module class -> network-file type; None = a pure reshape, not captured
_TYPES = [
    (nn.Conv2d, "conv"), (nn.Conv1d, "conv"), (nn.Linear, "fc"), (nn.ReLU, "relu"),
    (nn.MaxPool2d, "pool"), (nn.AvgPool2d, "pool"), (nn.AdaptiveAvgPool2d, "pool"), (nn.AdaptiveMaxPool2d, "pool"),
    (nn.LocalResponseNorm, "lrn"), (nn.Dropout, "dropout"), (nn.Dropout2d, "dropout"),
    (nn.BatchNorm2d, "batchnorm"), (nn.BatchNorm1d, "batchnorm"), (nn.Softmax, "softmax"),
    (nn.LogSoftmax, "softmax"), (nn.Flatten, None), (nn.Identity, None), (nn.Unflatten, None),
]


def layer_type(module):
    for cls, typ in _TYPES:
        if isinstance(module, cls):
            return typ
    return "other"


def safe_name(qualified):
    return re.sub(r"[^A-Za-z0-9_-]", "_", qualified)


def density_of(arr):
    """Fraction of elements with a non-zero bit pattern (float32)."""
    a = np.ascontiguousarray(arr, dtype=np.float32)
    if a.size == 0:
        return 0.0
    return float(np.count_nonzero(a.view(np.uint32))) / a.size


def clustering_of(arr):
    """Lag-1 correlation of the non-zero indicator over the C-order element stream (0 if undefined)."""
    m = (np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32).ravel() != 0)
    if m.size < 2:
        return 0.0
    p = m.mean()
    var = p * (1.0 - p)
    if var == 0.0:
        return 0.0
    both = np.count_nonzero(m[:-1] & m[1:]) / (m.size - 1)
    return float((both - p * p) / var)


def _function_types():
    """Functions and tensor methods a traced graph may call -> network-file type; None = an alias (reshape)."""
    import operator
    import torch.nn.functional as F
    fns = {F.relu: "relu", torch.relu: "relu", torch.relu_: "relu", F.gelu: "gelu", F.silu: "silu",
           F.max_pool2d: "pool", F.avg_pool2d: "pool", F.adaptive_avg_pool2d: "pool",
           F.adaptive_max_pool2d: "pool", F.dropout: "dropout", F.softmax: "softmax", F.log_softmax: "softmax",
           torch.softmax: "softmax", operator.add: "add", torch.add: "add", operator.iadd: "add",
           torch.cat: "concat", torch.flatten: None, torch.reshape: None}
    methods = {"relu": "relu", "relu_": "relu", "add": "add", "add_": "add", "softmax": "softmax",
               "flatten": None, "view": None, "reshape": None, "contiguous": None}
    return fns, methods


class _Recorder:
    """What capture() writes: one record per captured output, names unique in order of first use."""

    def __init__(self, out_dir, save):
        self.out_dir, self.save = out_dir, save
        self.records, self.used = [], {}

    def unique(self, base):
        self.used[base] = self.used.get(base, 0) + 1
        return base if self.used[base] == 1 else f"{base}_{self.used[base]}"

    def add(self, name, typ, kind, output, srcs, module=None, call=None):
        arr = output.detach().to(torch.float32).cpu().contiguous().numpy().copy()
        fname = name + ".npy"
        if self.save:
            np.save(os.path.join(self.out_dir, fname), arr)
        self.records.append({"name": name, "type": typ, "module": kind, "shape": list(arr.shape),
                             "density": round(density_of(arr), 6), "clustering": round(clustering_of(arr), 4),
                             "file": fname, "inputs": srcs, "_module": module, "_call": call})


def _capture_hooks(model, x, rec, layer_filter):
    """Forward hooks on every leaf module: functional ops are not seen (their inputs read "?")."""
    producer = {}   # storage data_ptr -> layer name that last wrote it
    keep = [x]      # keep outputs alive during the pass so storages are never reused
    hooks = []

    def ptr(t):
        return t.untyped_storage().data_ptr() if hasattr(t, "untyped_storage") else t.storage().data_ptr()

    producer[ptr(x)] = "input"

    def make_hook(base, typ):
        def hook(mod, inputs, output):
            srcs = [producer.get(ptr(t), "?") for t in inputs if torch.is_tensor(t)]
            if not torch.is_tensor(output):
                return
            if typ is None:  # reshape: its output aliases its producer
                producer[ptr(output)] = srcs[0] if srcs else "?"
                keep.append(output)
                return
            name = rec.unique(base)
            rec.add(name, typ, type(mod).__name__, output, srcs, module=mod)
            producer[ptr(output)] = name
            keep.append(output)
        return hook

    seen = set()
    for qual, module in model.named_modules():
        if qual == "" or any(True for _ in module.children()):
            continue  # the model itself and containers
        if layer_filter is not None and not layer_filter(qual, module):
            continue
        name = safe_name(qual)
        if name in seen or name == "input":
            raise ValueError(f"layer name {name!r} (module {qual}) is not unique after sanitising")
        seen.add(name)
        hooks.append(module.register_forward_hook(make_hook(name, layer_type(module))))
    try:
        model(x)
    finally:
        for h in hooks:
            h.remove()


def _capture_fx(model, x, rec, layer_filter):
    """torch.fx: the model's graph, so functional calls (F.relu, torch.flatten, +, torch.cat) are layers too and
    every input is known. Raises whatever symbolic tracing raises for a model it cannot trace."""
    import torch.fx
    graph_module = torch.fx.symbolic_trace(model)
    fns, methods = _function_types()
    names = {}  # fx node -> captured name (or the name it aliases)

    def sources(node):
        out = []
        torch.fx.node.map_arg((node.args, node.kwargs), lambda n: out.append(names.get(n, "?")))
        return out

    class Interpreter(torch.fx.Interpreter):
        def run_node(self, node):
            output = super().run_node(node)
            if node.op == "placeholder":
                names[node] = "input"
                return output
            if node.op not in ("call_module", "call_function", "call_method") or not torch.is_tensor(output):
                return output
            srcs = sources(node)
            if node.op == "call_module":
                module = graph_module.get_submodule(node.target)
                typ, kind, base, call = layer_type(module), type(module).__name__, safe_name(node.target), None
                if layer_filter is not None and not layer_filter(node.target, module):
                    typ = None
            else:
                table, key = (fns, node.target) if node.op == "call_function" else (methods, node.target)
                typ = table.get(key, "other")
                kind = getattr(node.target, "__name__", str(node.target))
                base, module, call = safe_name(node.name), None, (node.args, node.kwargs)
            if typ is None:  # an alias of its (first) producer
                names[node] = srcs[0] if srcs else "?"
                return output
            if base == "input":
                base = "input_op"
            name = rec.unique(base)
            rec.add(name, typ, kind, output, srcs, module=module, call=call)
            names[node] = name
            return output

    Interpreter(graph_module).run(x)


def capture(model, x, out_dir, mode="train", layer_filter=None, save=True, tracer="auto"):
    """Runs model(x) once without gradients and writes the traces and manifest to out_dir (created if needed).
    mode "train" keeps dropout active (what training offloads; BatchNorm then updates its running statistics),
    "eval" does not. layer_filter(name, module) -> bool can restrict the captured modules. tracer "fx" traces the
    model's graph (functional ReLU/GELU/pooling/add/cat captured too), "hooks" hooks its leaf modules only, "auto"
    (default) uses fx and falls back to hooks, with a note on stderr, for a model fx cannot trace. Returns the
    manifest."""
    if tracer not in ("auto", "fx", "hooks"):
        raise ValueError(f"tracer must be auto, fx or hooks, got {tracer!r}")
    os.makedirs(out_dir, exist_ok=True)
    was_training = model.training
    model.train(mode == "train")
    x = x.detach().to(torch.float32).contiguous()
    rec = _Recorder(out_dir, save)
    used = tracer
    try:
        with torch.no_grad():
            if tracer == "hooks":
                _capture_hooks(model, x, rec, layer_filter)
            else:
                try:
                    _capture_fx(model, x, rec, layer_filter)
                    used = "fx"
                except Exception as e:  # noqa: BLE001 - fx raises many kinds for untraceable models
                    if tracer == "fx":
                        raise
                    print(f"capture_activations: torch.fx cannot trace this model ({type(e).__name__}: {e}); "
                          "hooking its modules instead (functional ops are not captured)", file=sys.stderr)
                    rec = _Recorder(out_dir, save)
                    _capture_hooks(model, x, rec, layer_filter)
                    used = "hooks"
    finally:
        model.train(was_training)

    xin = x.cpu().numpy()
    if save:
        np.save(os.path.join(out_dir, "input.npy"), xin)
    manifest = {
        "format": FORMAT,
        "batch": int(x.shape[0]),
        "mode": mode,
        "tracer": used,
        "input": {"shape": list(xin.shape), "file": "input.npy", "density": round(density_of(xin), 6)},
        "layers": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rec.records],
    }
    if save:
        with open(os.path.join(out_dir, "manifest.json"), "w") as f:
            f.write(dump_manifest(manifest))
    # modules and functional calls kept out of the JSON but available to network_json()
    manifest["_modules"] = {r["name"]: r["_module"] for r in rec.records}
    manifest["_calls"] = {r["name"]: r["_call"] for r in rec.records}
    return manifest


def dump_manifest(manifest):
    """JSON with one layer record per line."""
    head = {k: v for k, v in manifest.items() if k != "layers" and not k.startswith("_")}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()] + [' "layers": [']
    recs = manifest["layers"]
    for i, r in enumerate(recs):
        lines.append("  " + json.dumps(r) + ("," if i + 1 < len(recs) else ""))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def network_json(manifest, name, description):
    """Builds a network file (sim/workloads schema) from a capture of a module-built model. Shapes are the captured
    ones without the batch dimension. Raises ValueError for layers the schema cannot express ("other" types,
    inputs from functional ops, non-square strides/pads)."""
    mods = manifest.get("_modules", {})
    calls = manifest.get("_calls", {})
    layers = []
    prev = "input"
    for rec in manifest["layers"]:
        typ = rec["type"]
        if typ not in _NETWORK_TYPES:
            raise ValueError(f"layer {rec['name']}: {rec['module']} ({typ}) has no network-file type")
        joins = typ in ("add", "concat")
        srcs = [s for s in rec["inputs"] if s != "?" or not joins]
        if "?" in srcs or (len(srcs) != 1 and not joins) or (joins and len(srcs) < 2):
            raise ValueError(f"layer {rec['name']}: inputs {rec['inputs']} cannot be expressed")
        src = srcs[0]
        in_shape = manifest["input"]["shape"][1:] if src == "input" else \
            next(l["out"] for l in layers if l["name"] == src)
        out_shape = rec["shape"][1:]
        if typ in ("relu", "dropout", "softmax") and list(out_shape) != list(in_shape) and \
                math.prod(out_shape) == math.prod(in_shape):
            out_shape = in_shape  # an elementwise layer after a reshape (flatten, view): the same bytes
        entry = {"name": rec["name"], "type": typ, "in": list(out_shape if joins else in_shape),
                 "out": list(out_shape)}
        m = mods.get(rec["name"])
        call = calls.get(rec["name"])
        if m is None and call is not None and typ in ("pool", "dropout"):
            m = _FunctionalParams(rec["module"], call)
        if joins:
            entry["inputs"] = srcs
        elif typ == "conv":
            k = _pair(m.kernel_size); s = _pair(m.stride); p = _pair(m.padding)
            if s[0] != s[1] or p[0] != p[1] or isinstance(m.padding, str):
                raise ValueError(f"layer {rec['name']}: non-square stride/padding")
            entry.update({"kernel": k, "stride": s[0], "pad": p[0], "groups": m.groups})
        elif typ == "fc":
            entry["in"] = [math.prod(in_shape)]
        elif typ == "pool":
            entry["mode"] = "max" if "max" in rec["module"].lower() else "avg"
            if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) or getattr(m, "adaptive", False):
                if tuple(out_shape[1:]) != (1, 1):
                    raise ValueError(f"layer {rec['name']}: only global adaptive pooling is supported")
                entry.update({"kernel": list(in_shape[1:]), "stride": 1})
            else:
                k = _pair(m.kernel_size); s = _pair(m.stride if m.stride is not None else m.kernel_size)
                p = _pair(m.padding)
                entry.update({"kernel": k, "stride": s[0]})
                if p[0]:
                    entry["pad"] = p[0]
                if getattr(m, "ceil_mode", False):
                    entry["ceil_mode"] = True
        elif typ == "dropout":
            entry["p"] = m.p
        elif typ == "lrn":
            entry["size"] = m.size
        if src != prev and not joins:
            entry["inputs"] = [src]
        layers.append(entry)
        prev = rec["name"]
    return {"name": name, "description": description, "input": manifest["input"]["shape"][1:], "layers": layers}


_NETWORK_TYPES = {"conv", "fc", "relu", "pool", "lrn", "concat", "dropout", "softmax", "add", "batchnorm"}


class _FunctionalParams:
    """A functional pool or dropout call seen through the attributes network_json reads from modules."""

    def __init__(self, fn, call):
        args, kwargs = call
        arg = lambda i, key, default: args[i] if len(args) > i else kwargs.get(key, default)  # noqa: E731
        if "adaptive" in fn:
            self.adaptive, self.output_size = True, arg(1, "output_size", None)
        else:
            self.adaptive = False
            self.kernel_size = arg(1, "kernel_size", None)
            self.stride = arg(2, "stride", None) or self.kernel_size
            self.padding = arg(3, "padding", 0)
            self.ceil_mode = arg(5 if fn == "max_pool2d" else 4, "ceil_mode", False)
        self.p = arg(1, "p", 0.5)


def dump_network(net):
    """The same one-layer-per-line layout as sim/workloads/generate_workloads.py."""
    lines = ["{", f' "name": {json.dumps(net["name"])},', f' "description": {json.dumps(net["description"])},',
             f' "input": {json.dumps(net["input"])},', ' "layers": [']
    for i, layer in enumerate(net["layers"]):
        lines.append("  " + json.dumps(layer) + ("," if i + 1 < len(net["layers"]) else ""))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def _load_factory(spec):
    if spec.startswith("torchvision:"):  # a torchvision architecture, untrained (weights=None)
        name = spec.split(":", 1)[1]
        try:
            import torchvision.models as tvm
        except ImportError:
            raise SystemExit("--model torchvision:NAME needs python3-torchvision (apt-get install -y python3-torchvision)")
        if not callable(getattr(tvm, name, None)) or name.startswith("_"):
            raise SystemExit(f"--model: torchvision.models has no architecture {name!r}")
        return lambda: getattr(tvm, name)(weights=None)
    path, _, func = spec.rpartition(":")
    if not path or not func:
        raise SystemExit("--model must be path/to/file.py:function")
    mspec = importlib.util.spec_from_file_location("cdma_user_model", path)
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    return getattr(mod, func)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Capture per-layer output activations of a PyTorch model as .npy.")
    ap.add_argument("--model", required=True,
                    help="path/to/file.py:factory (factory() returns an nn.Module), or torchvision:NAME (untrained)")
    ap.add_argument("--weights", help="state_dict file for torch.load")
    ap.add_argument("--input", help=".npy input batch (float32, batch first); default: random normal")
    ap.add_argument("--input-shape", help="per-sample input shape, e.g. 3,224,224 (with random input)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mode", choices=["train", "eval"], default="train")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--network-json", help="also write a network file in the sim/workloads schema")
    ap.add_argument("--name", default="captured")
    ap.add_argument("--tracer", choices=["auto", "fx", "hooks"], default="auto",
                    help="fx: the model's graph, functional ops included; hooks: leaf modules only; auto: fx, "
                         "else hooks (default)")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    model = _load_factory(args.model)()
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    if args.input:
        x = torch.from_numpy(np.load(args.input).astype(np.float32))
    elif args.input_shape:
        shape = [int(s) for s in args.input_shape.split(",")]
        x = torch.randn([args.batch] + shape, generator=torch.Generator().manual_seed(args.seed))
    else:
        ap.error("give --input or --input-shape")
    manifest = capture(model, x, args.out, mode=args.mode, tracer=args.tracer)
    print(f"{'layer':<24} {'type':<9} {'shape':<22} {'density':>8} {'clust':>6}")
    for r in manifest["layers"]:
        print(f"{r['name']:<24} {r['type']:<9} {str(r['shape']):<22} {r['density']:>8.4f} {r['clustering']:>6.3f}")
    print(f"wrote {len(manifest['layers'])} traces and manifest.json to {args.out}")
    if args.network_json:
        net = network_json(manifest, args.name, f"captured by capture_activations.py from {args.model}")
        with open(args.network_json, "w") as f:
            f.write(dump_network(net))
        print(f"wrote {args.network_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
