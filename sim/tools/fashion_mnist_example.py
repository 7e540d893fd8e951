#!/usr/bin/python3
"""Train a small CNN on Fashion-MNIST on the CPU and watch its activations get sparser, capturing traces on the way.

    /usr/bin/python3 sim/tools/fashion_mnist_example.py                 # default: 300 steps, ~35 s on 2 idle cores
    /usr/bin/python3 sim/tools/fashion_mnist_example.py --steps 2000 --capture-at 0,50,200,1000,2000
    /usr/bin/python3 sim/tools/fashion_mnist_example.py --steps 20 --batch 64 --capture-at 0,20   # smoke test

The network (sim/workloads/fmnist_cnn.json, written by this script with --network-json):
    conv1 5x5 1->16 pad 2, relu1, pool1 max 2x2 | conv2 5x5 16->32 pad 2, relu2, pool2 max 2x2 |
    fc1 1568->128, relu3, drop1 (p 0.5) | fc2 128->10 (softmax folded into the loss)
SGD with momentum, batch 64 by default. At every capture point (default: steps 0, 50, 200 and the last step) the
layers' outputs for a fixed batch of --capture-batch test images are written by capture_activations.capture() to
<out>/step_<n>/<layer>.npy with a manifest.json (layer names as in the network file), in training mode (dropout
active, as in the forward pass of a training step). The script prints the per-layer density at each capture point,
writes <out>/densities.json (all points) and, with --densities-json, a density file in the sim/workloads/densities
schema from the last capture point.

Data: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist/*.gz), read with gzip + numpy;
nothing is downloaded. Needs python3-torch; run with /usr/bin/python3.
"""

import argparse
import collections
import gzip
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture_activations as cap  # noqa: E402

import torch  # noqa: E402  (capture_activations exits with a hint if torch is missing)
import torch.nn as nn  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"
NETWORK_DESCRIPTION = (
    "Small CNN for Fashion-MNIST (28x28 grey images, 10 classes), trained by sim/tools/fashion_mnist_example.py; "
    "its captured activation traces (one <layer>.npy per layer output, batch first) drive the training simulation. "
    "Network file written by capture_activations.network_json() from the PyTorch module.")


def read_idx(path):
    """Reads a gzip'd IDX file (big-endian header: magic 0x0000 08 <ndim>, then ndim uint32 sizes, then uint8)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {arr.size} bytes of data for shape {dims}")
    return arr.reshape(dims)


def load_split(split, data_dir=DATA_DIR):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    # scale to [0, 1], then normalise with the training-set statistics (mean 0.286, std 0.353)
    x = (images.astype(np.float32) / 255.0 - 0.286) / 0.353
    return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(labels.astype(np.int64))


def batch_indices(rng, n, batch):
    """Training batches: a permutation of the n images taken `batch` at a time, a new one when it runs out."""
    perm, pos = rng.permutation(n), 0
    while True:
        if pos + batch > len(perm):
            perm, pos = rng.permutation(n), 0
        yield torch.from_numpy(perm[pos:pos + batch])
        pos += batch


def make_model():
    return nn.Sequential(collections.OrderedDict([
        ("conv1", nn.Conv2d(1, 16, 5, padding=2)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2, 2)),
        ("conv2", nn.Conv2d(16, 32, 5, padding=2)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2, 2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(32 * 7 * 7, 128)), ("relu3", nn.ReLU()), ("drop1", nn.Dropout(0.5)),
        ("fc2", nn.Linear(128, 10)),
    ]))


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return correct / len(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    ap.add_argument("--batch", type=int, default=64, help="training batch size")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--capture-at", default=None,
                    help="comma-separated steps to capture at (default: 0,50,200,<steps>, those <= --steps)")
    ap.add_argument("--capture-batch", type=int, default=64, help="test images per captured batch")
    ap.add_argument("--out", default="out/fmnist", help="output directory")
    ap.add_argument("--no-traces", action="store_true", help="measure densities without writing .npy files")
    ap.add_argument("--network-json", help="write the network file here (e.g. sim/workloads/fmnist_cnn.json)")
    ap.add_argument("--densities-json", help="write a density file (last capture point) here")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--eval-images", type=int, default=2000, help="test images for the accuracy figure (0: skip)")
    args = ap.parse_args(argv)

    if not os.path.exists(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")):
        sys.exit(f"Fashion-MNIST not found in {args.data_dir}: apt-get install -y dataset-fashion-mnist")
    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    if args.capture_at:
        points = sorted({int(s) for s in args.capture_at.split(",")})
    else:
        points = sorted({p for p in (0, 50, 200, args.steps) if p <= args.steps})
    points = [p for p in points if 0 <= p <= args.steps]

    t0 = time.time()
    x_train, y_train = load_split("train", args.data_dir)
    x_test, y_test = load_split("test", args.data_dir)
    x_cap = x_test[:args.capture_batch]
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    print(f"Fashion-MNIST: {len(x_train)} training, {len(x_test)} test images; {args.steps} steps of batch "
          f"{args.batch}, captures at steps {points} on {args.capture_batch} test images")

    results = collections.OrderedDict()  # step -> {"loss", "accuracy", "layers": {name: density}}
    manifest = None
    losses = []

    def do_capture(step):
        nonlocal manifest
        out_dir = os.path.join(args.out, f"step_{step}")
        # the capture pass draws its own dropout mask without disturbing the training's random stream, so the
        # training trajectory does not depend on where the captures are
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(args.seed + 1000 + step)
            manifest = cap.capture(model, x_cap, out_dir, mode="train", save=not args.no_traces)
        acc = accuracy(model, x_test[:args.eval_images], y_test[:args.eval_images]) if args.eval_images else None
        recent = float(np.mean(losses[-20:])) if losses else None
        results[step] = {"loss": recent, "test_accuracy": acc,
                         "layers": {r["name"]: r["density"] for r in manifest["layers"]},
                         "clustering": {r["name"]: r["clustering"] for r in manifest["layers"]}}
        msg = f"  step {step:>5}: captured {len(manifest['layers'])} layers"
        if not args.no_traces:
            msg += f" to {out_dir}"
        if recent is not None:
            msg += f", loss {recent:.3f}"
        if acc is not None:
            msg += f", test accuracy {acc:.3f}"
        print(msg, flush=True)

    model.train()
    batches = batch_indices(rng, len(x_train), args.batch)
    for step in range(args.steps + 1):
        if step in points:
            do_capture(step)
        if step == args.steps:
            break
        idx = next(batches)
        opt.zero_grad()
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    elapsed = time.time() - t0

    # density table: one row per layer, one column per capture point
    names = list(results[points[0]]["layers"].keys())
    types = {r["name"]: r["type"] for r in manifest["layers"]}
    print("\nOutput activation density (fraction of non-zero elements) per layer at each capture point:")
    head = f"{'layer':<8} {'type':<8}" + "".join(f" {'step ' + str(p):>10}" for p in points)
    print(head)
    for n in names:
        print(f"{n:<8} {types[n]:<8}" + "".join(f" {results[p]['layers'][n]:>10.3f}" for p in points))
    sparse = [n for n in names if types[n] in ("relu", "pool", "dropout")]  # "sparse" row: their mean
    print(f"{'mean':<8} {'sparse':<8}" +
          "".join(f" {np.mean([results[p]['layers'][n] for n in sparse]):>10.3f}" for p in points))
    print(f"\n{args.steps} steps in {elapsed:.1f} s")

    os.makedirs(args.out, exist_ok=True)
    summary = {"network": "fmnist_cnn", "steps": args.steps, "batch": args.batch, "capture_batch": args.capture_batch,
               "capture_points": points, "elapsed_s": round(elapsed, 2),
               "results": {str(k): v for k, v in results.items()}}
    with open(os.path.join(args.out, "densities.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    net = cap.network_json(manifest, "fmnist_cnn", NETWORK_DESCRIPTION)
    with open(os.path.join(args.out, "fmnist_cnn.json"), "w") as f:
        f.write(cap.dump_network(net))
    if args.network_json:
        with open(args.network_json, "w") as f:
            f.write(cap.dump_network(net))
        print(f"wrote {args.network_json}")
    if args.densities_json:
        last = points[-1]
        doc = {"network": "fmnist_cnn",
               "source": f"Measured by sim/tools/fashion_mnist_example.py (seed {args.seed}) at step {last} of "
                         f"{args.steps} (batch {args.batch}, lr {args.lr}) on {args.capture_batch} test images, "
                         "training mode; layers_at_init measured at step 0.",
               "phase": f"measured after {last} training steps; layers_at_init: step 0",
               "default_clustering": round(float(np.median([c for n, c in results[last]["clustering"].items()
                                                             if 0.0 < results[last]["layers"][n] < 1.0])), 2),
               "layers": results[last]["layers"]}
        if 0 in results:
            doc["layers_at_init"] = results[0]["layers"]
        # The layers' fitted activation model, written by `cdma-codec fit <out>/step_<last> --out ...`
        # (sim/workloads/README.md): cdma-sim train draws these layers from it at the densities above.
        doc["activation_model"] = "../models/fmnist_cnn.json"
        # measured lag-1 clustering of the zero pattern, clipped to the generator's range [0, 1)
        doc["clustering"] = {n: min(max(round(c, 2), 0.0), 0.99) for n, c in results[last]["clustering"].items()}
        with open(args.densities_json, "w") as f:
            f.write(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {args.densities_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
