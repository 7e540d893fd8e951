#!/usr/bin/python3
"""Real activations of an ImageNet-class architecture over training, against the workload's derived densities.

Trains an untrained torchvision architecture (its own definition, 10 output classes) on Fashion-MNIST images
upscaled to --image-size and repeated to 3 channels (what Debian ships: dataset-fashion-mnist; no download), Adam
(or SGD with momentum), on the CPU; captures every layer's output (capture_activations.capture, torch.fx) of a fixed batch
of test images at several steps, and compares the ReLU and max-pooling densities, in network order, with the
derived densities of the matching cdma workload (sim/workloads/densities/<workload>.json). It also checks the
workload rules on the measurements:

  R-pool        pooled density 1 - (1 - d_in)^n_eff, n_eff = 1 + (k - 1)(1 - rho): the implied rho of every max
                pool (k = its window's elements), against the rule's 0.75;
  R-relu-depth  density geometric in conv depth: the fitted ratio per conv layer, against the rule's.

Prints markdown tables (docs/validation.md, "ImageNet-class captures") and writes <out>/summary.json; traces in
<out>/step_<n>/ (a folder cdma-sim train --traces and cdma-codec fit read). Defaults: AlexNet at 64x64, 200 steps
of batch 32, captures at 0, 50, 200 (about 2 minutes on two cores).

    /usr/bin/python3 sim/tools/torchvision_capture.py --arch alexnet --workload alexnet
    /usr/bin/python3 sim/tools/torchvision_capture.py --arch vgg16 --workload vgg16 --image-size 64 --steps 100
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture_activations as cap  # noqa: E402
import fashion_mnist_example as fm  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POOL_RHO = 0.75  # sim/workloads/generate_workloads.py, R-pool


def upscale(x, size):
    """[N, 1, 28, 28] normalised images -> [N, 3, size, size] (bilinear, grey repeated to RGB)."""
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return x.repeat(1, 3, 1, 1).contiguous()


def implied_rho(d_in, d_pool, k):
    """The rho of R-pool that reproduces a measured pool: n_eff = ln(1 - d_pool) / ln(1 - d_in)."""
    if not (0 < d_in < 1 and 0 < d_pool < 1) or k <= 1:
        return None
    n_eff = math.log(1 - d_pool) / math.log(1 - d_in)
    return 1 - (n_eff - 1) / (k - 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default="alexnet", help="a torchvision.models architecture (default alexnet)")
    ap.add_argument("--workload", default=None, help="the cdma workload to compare with (default: --arch)")
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--optimizer", choices=["adam", "sgd"], default="adam",
                    help="adam (default; trains these BatchNorm-free architectures from scratch) or sgd (momentum 0.9)")
    ap.add_argument("--lr", type=float, default=None, help="default 1e-3 for adam, 0.01 for sgd")
    ap.add_argument("--capture-at", default=None, help="comma-separated steps (default 0, 50 and the last)")
    ap.add_argument("--capture-batch", type=int, default=8)
    ap.add_argument("--out", default=None, help="output folder (default out/torchvision_<arch>)")
    ap.add_argument("--no-traces", action="store_true", help="measure without writing .npy files")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default=fm.DATA_DIR)
    args = ap.parse_args(argv)

    workload = args.workload or args.arch
    densities_path = os.path.join(ROOT, "sim", "workloads", "densities", workload + ".json")
    network_path = os.path.join(ROOT, "sim", "workloads", workload + ".json")
    if not os.path.exists(densities_path) or not os.path.exists(network_path):
        ap.error(f"--workload: no sim/workloads/{workload}.json with a densities file")
    try:
        import torchvision.models as tvm
    except ImportError:
        sys.exit("needs python3-torchvision: apt-get install -y python3-torchvision")
    if not callable(getattr(tvm, args.arch, None)) or args.arch.startswith("_"):
        ap.error(f"--arch: torchvision.models has no architecture {args.arch!r}")
    if args.image_size < 32 or args.steps < 0 or args.batch < 1 or args.capture_batch < 1:
        ap.error("--image-size >= 32, --steps >= 0, --batch >= 1, --capture-batch >= 1")
    if not os.path.exists(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")):
        sys.exit(f"Fashion-MNIST not found in {args.data_dir}: apt-get install -y dataset-fashion-mnist")
    points = sorted({int(s) for s in args.capture_at.split(",")}) if args.capture_at else \
        sorted({0, min(50, args.steps), args.steps})
    if any(p < 0 or p > args.steps for p in points):
        ap.error("--capture-at: steps must be in [0, --steps]")
    out = args.out or os.path.join("out", f"torchvision_{args.arch}")

    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x_train, y_train = fm.load_split("train", args.data_dir)
    x_test, _ = fm.load_split("test", args.data_dir)
    x_cap = upscale(x_test[:args.capture_batch], args.image_size)
    model = getattr(tvm, args.arch)(weights=None, num_classes=10)
    lr = args.lr if args.lr is not None else (1e-3 if args.optimizer == "adam" else 0.01)
    opt = torch.optim.Adam(model.parameters(), lr=lr) if args.optimizer == "adam" else \
        torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    print(f"{args.arch} on Fashion-MNIST at {args.image_size}x{args.image_size}x3: {args.steps} steps of batch "
          f"{args.batch}, captures at {points} on {args.capture_batch} test images", flush=True)

    t0 = time.time()
    captures, losses = {}, []
    batches = fm.batch_indices(rng, len(x_train), args.batch)
    model.train()
    for step in range(args.steps + 1):
        if step in points:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(args.seed + 1000 + step)
                man = cap.capture(model, x_cap, os.path.join(out, f"step_{step}"), mode="train",
                                  save=not args.no_traces)
            captures[step] = man
            recent = float(np.mean(losses[-20:])) if losses else float("nan")
            print(f"  step {step:>5}: {len(man['layers'])} layers captured, loss {recent:.3f} "
                  f"({time.time() - t0:.0f} s)", flush=True)
        if step == args.steps:
            break
        idx = next(batches)
        opt.zero_grad()
        loss = loss_fn(model(upscale(x_train[idx], args.image_size)), y_train[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())

    with open(densities_path) as f:
        derived = json.load(f)
    with open(network_path) as f:
        net = json.load(f)
    # The workload's ReLUs and max pools in network order, with the pools' window elements and their producer.
    ours = [l for l in net["layers"] if l["type"] == "relu" or (l["type"] == "pool" and l.get("mode") == "max")]

    def captured_sequence(man):
        # Captured ReLUs and max pools in order (adaptive pools excluded: torchvision's fixed-size head).
        seq = []
        for r in man["layers"]:
            if r["type"] == "relu" or (r["type"] == "pool" and "max" in r["module"].lower() and
                                       "adaptive" not in r["module"].lower()):
                seq.append(r)
        return seq

    last = points[-1]
    seq = {p: captured_sequence(captures[p]) for p in points}
    n = min(len(ours), len(seq[last]))
    kinds_match = all(ours[i]["type"] == seq[last][i]["type"] for i in range(n))
    print(f"\nReLU and max-pool outputs in network order: {len(ours)} in the workload {workload}, "
          f"{len(seq[last])} captured from torchvision {args.arch}" + ("" if kinds_match else
                                                                       " (kinds differ in order: compare with care)"))
    print(f"\n| # | workload layer | derived density | captured layer | " +
          " | ".join(f"step {p}" for p in points) + f" | ZV ratio at step {last} |")
    print("|---|---|---|---|" + "---|" * len(points) + "---|")
    rows = []
    for i in range(n):
        o, c = ours[i], seq[last][i]
        dens = [seq[p][i]["density"] for p in points]
        zv = 1 / (dens[-1] + 1 / 32)  # ZV: the non-zeros plus one mask bit per 32-bit element
        rows.append({"workload_layer": o["name"], "type": o["type"], "derived": derived["layers"][o["name"]],
                     "captured_layer": c["name"], "density": dict(zip(map(str, points), dens))})
        print(f"| {i + 1} | {o['name']} ({o['type']}) | {derived['layers'][o['name']]:.3f} | {c['name']} | " +
              " | ".join(f"{d:.3f}" for d in dens) + f" | {zv:.2f} |")

    # R-pool: each captured max pool against its producer (a ReLU, or the concat of a Fire module's two).
    print(f"\nR-pool on the captures (rule: rho = {POOL_RHO}); implied rho = 1 - (n_eff - 1)/(k - 1), "
          "n_eff = ln(1 - d_pool)/ln(1 - d_in):\n")
    print("| pool | window | " + " | ".join(f"d_in / d_pool / rho at step {p}" for p in points) + " |")
    print("|---|---|" + "---|" * len(points))
    pools = []
    mods = captures[last].get("_modules", {})
    for i, r in enumerate(seq[last]):
        if r["type"] != "pool" or len(r["inputs"]) != 1:
            continue
        m = mods.get(r["name"])
        kernel = cap._pair(m.kernel_size) if m is not None else [2, 2]
        k = kernel[0] * kernel[1]
        cells = []
        for p in points:
            by_name = {x["name"]: x for x in captures[p]["layers"]}
            if r["inputs"][0] not in by_name:
                break
            d_in, d_pool = by_name[r["inputs"][0]]["density"], seq[p][i]["density"]
            rho = implied_rho(d_in, d_pool, k)
            cells.append(f"{d_in:.3f} / {d_pool:.3f} / " + ("-" if rho is None else f"{rho:.2f}"))
            pools.append({"pool": r["name"], "step": p, "k": k, "d_in": d_in, "d_pool": d_pool, "rho": rho})
        print(f"| {r['name']} | {kernel[0]}x{kernel[1]} | " + " | ".join(cells) + " |")
    rhos = [x["rho"] for x in pools if x["rho"] is not None and x["step"] == last]
    if rhos:
        print(f"\nimplied rho at step {last}: {min(rhos):.2f}-{max(rhos):.2f} (median {np.median(rhos):.2f})")

    # R-relu-depth: the conv ReLUs' densities fitted to d = first * r^(t) over their order.
    # (the layers the workload derives by that rule; the first conv's ReLU starts it)
    rules = derived.get("rules", {})
    conv_relus = [i for i in range(n) if ours[i]["type"] == "relu" and
                  (rules.get(ours[i]["name"]) == "R-relu-depth" or (i == 0 and rules.get(ours[i]["name"])))]
    for p in points:
        ds = [seq[p][i]["density"] for i in conv_relus if seq[p][i]["density"] > 0]
        if len(ds) >= 2:
            ratio = (ds[-1] / ds[0]) ** (1 / (len(ds) - 1))
            print(f"step {p}: conv ReLUs {ds[0]:.3f} -> {ds[-1]:.3f}, geometric ratio per layer {ratio:.3f}")
    dd = [derived["layers"][ours[i]["name"]] for i in conv_relus]
    if len(dd) >= 2:
        print(f"derived ({workload}): {dd[0]:.3f} -> {dd[-1]:.3f}, ratio per layer "
              f"{(dd[-1] / dd[0]) ** (1 / (len(dd) - 1)):.3f}")
    print(f"\n{args.steps} steps in {time.time() - t0:.0f} s; traces in {out}/step_<n>")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"arch": args.arch, "workload": workload, "image_size": args.image_size, "steps": args.steps,
                   "batch": args.batch, "optimizer": args.optimizer, "lr": lr, "seed": args.seed, "points": points, "layers": rows,
                   "pools": pools, "final_loss": float(np.mean(losses[-20:])) if losses else None}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
