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


def capture(model, x, out_dir, mode="train", layer_filter=None, save=True):
    """Runs model(x) once without gradients and writes the traces and manifest to out_dir (created if needed).
    mode "train" keeps dropout active (what training offloads; BatchNorm then updates its running statistics),
    "eval" does not. layer_filter(name, module) -> bool can restrict the captured layers. Returns the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    was_training = model.training
    model.train(mode == "train")
    records = []
    producer = {}   # storage data_ptr -> layer name that last wrote it
    keep = []       # keep outputs alive during the pass so storages are never reused
    hooks = []

    def ptr(t):
        return t.untyped_storage().data_ptr() if hasattr(t, "untyped_storage") else t.storage().data_ptr()

    x = x.detach().to(torch.float32).contiguous()
    producer[ptr(x)] = "input"
    keep.append(x)

    calls = {}  # module name -> times called (a module called again, e.g. a shared ReLU, gets <name>_<n>)

    def make_hook(base, module, typ):
        def hook(mod, inputs, output):
            calls[base] = calls.get(base, 0) + 1
            name = base if calls[base] == 1 else f"{base}_{calls[base]}"
            srcs = []
            for t in inputs:
                if torch.is_tensor(t):
                    srcs.append(producer.get(ptr(t), "?"))
            if not torch.is_tensor(output):
                return
            if typ is None:  # reshape: its output aliases its producer
                producer[ptr(output)] = srcs[0] if srcs else "?"
                keep.append(output)
                return
            arr = output.detach().to(torch.float32).cpu().contiguous().numpy().copy()
            fname = name + ".npy"
            if save:
                np.save(os.path.join(out_dir, fname), arr)
            records.append({"name": name, "type": typ, "module": type(mod).__name__, "shape": list(arr.shape),
                            "density": round(density_of(arr), 6), "clustering": round(clustering_of(arr), 4),
                            "file": fname, "inputs": srcs, "_module": mod})
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
        hooks.append(module.register_forward_hook(make_hook(name, module, layer_type(module))))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)

    xin = x.cpu().numpy()
    if save:
        np.save(os.path.join(out_dir, "input.npy"), xin)
    manifest = {
        "format": FORMAT,
        "batch": int(x.shape[0]),
        "mode": mode,
        "input": {"shape": list(xin.shape), "file": "input.npy", "density": round(density_of(xin), 6)},
        "layers": [{k: v for k, v in r.items() if not k.startswith("_")} for r in records],
    }
    if save:
        with open(os.path.join(out_dir, "manifest.json"), "w") as f:
            f.write(dump_manifest(manifest))
    # modules kept out of the JSON but available to network_json()
    manifest["_modules"] = {r["name"]: r["_module"] for r in records}
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
    layers = []
    prev = "input"
    for rec in manifest["layers"]:
        typ = rec["type"]
        if typ == "other":
            raise ValueError(f"layer {rec['name']}: module {rec['module']} has no network-file type")
        if "?" in rec["inputs"] or len(rec["inputs"]) != 1:
            raise ValueError(f"layer {rec['name']}: inputs {rec['inputs']} cannot be expressed")
        src = rec["inputs"][0]
        in_shape = manifest["input"]["shape"][1:] if src == "input" else \
            next(l["out"] for l in layers if l["name"] == src)
        out_shape = rec["shape"][1:]
        entry = {"name": rec["name"], "type": typ, "in": list(in_shape), "out": list(out_shape)}
        m = mods.get(rec["name"])
        if typ == "conv":
            k = _pair(m.kernel_size); s = _pair(m.stride); p = _pair(m.padding)
            if s[0] != s[1] or p[0] != p[1] or isinstance(m.padding, str):
                raise ValueError(f"layer {rec['name']}: non-square stride/padding")
            entry.update({"kernel": k, "stride": s[0], "pad": p[0], "groups": m.groups})
        elif typ == "fc":
            entry["in"] = [math.prod(in_shape)]
        elif typ == "pool":
            entry["mode"] = "max" if "Max" in rec["module"] else "avg"
            if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
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
        if src != prev:
            entry["inputs"] = [src]
        layers.append(entry)
        prev = rec["name"]
    return {"name": name, "description": description, "input": manifest["input"]["shape"][1:], "layers": layers}


def dump_network(net):
    """The same one-layer-per-line layout as sim/workloads/generate_workloads.py."""
    lines = ["{", f' "name": {json.dumps(net["name"])},', f' "description": {json.dumps(net["description"])},',
             f' "input": {json.dumps(net["input"])},', ' "layers": [']
    for i, layer in enumerate(net["layers"]):
        lines.append("  " + json.dumps(layer) + ("," if i + 1 < len(net["layers"]) else ""))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def _load_factory(spec):
    path, _, func = spec.rpartition(":")
    if not path or not func:
        raise SystemExit("--model must be path/to/file.py:function")
    mspec = importlib.util.spec_from_file_location("cdma_user_model", path)
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    return getattr(mod, func)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Capture per-layer output activations of a PyTorch model as .npy.")
    ap.add_argument("--model", required=True, help="path/to/file.py:factory (factory() returns an nn.Module)")
    ap.add_argument("--weights", help="state_dict file for torch.load")
    ap.add_argument("--input", help=".npy input batch (float32, batch first); default: random normal")
    ap.add_argument("--input-shape", help="per-sample input shape, e.g. 3,224,224 (with random input)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mode", choices=["train", "eval"], default="train")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--network-json", help="also write a network file in the sim/workloads schema")
    ap.add_argument("--name", default="captured")
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
    manifest = capture(model, x, args.out, mode=args.mode)
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
