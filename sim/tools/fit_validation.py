#!/usr/bin/env python3
"""The fitted activation model against held-out real activations (docs/validation.md, "On real activations").

Trains the Fashion-MNIST CNN (sim/tools/fashion_mnist_example.py, seed 1) capturing its activations at several
steps, fits a model (cdma-codec fit) at one step and compares tensors drawn from it with the real tensors of the
other steps (cdma-codec check-model --match-density: each layer moved to the held-out tensor's density, as a
densities file does). Prints, per held-out step and layer, the real ZV/RL/ZL ratios per 4 KiB chunk and the
relative error of the fitted model and of the Markov generator at the same density and lag-1 clustering, as
markdown tables, plus the largest fitted error per codec.

    /usr/bin/python3 sim/tools/fit_validation.py                     # fit step 500, hold out 200, 300, 1000
    /usr/bin/python3 sim/tools/fit_validation.py --fit-step 300 --held-out 1000
    /usr/bin/python3 sim/tools/fit_validation.py --captures out/tv_squeezenet      # any capture folder

Tensors under --min-bytes (default 16 KiB: four DMA chunks) are listed but left out of the largest errors: one
or two chunks of real data are too few for a ratio to mean much.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="out/fit_validation", help="captures and models go here")
    ap.add_argument("--fit-step", type=int, default=500)
    ap.add_argument("--held-out", default="200,300,1000", help="comma-separated steps")
    ap.add_argument("--codec-tool", default=os.path.join(ROOT, "build/release/bin/cdma-codec"))
    ap.add_argument("--reuse", action="store_true", help="keep captures already in --out")
    ap.add_argument("--captures", help="use this folder's step_<n> captures (e.g. sim/tools/torchvision_capture.py's)"
                                       " instead of training the Fashion-MNIST CNN")
    ap.add_argument("--min-bytes", type=int, default=16384)
    args = ap.parse_args()
    try:
        held = [int(s) for s in args.held_out.split(",") if s]
    except ValueError:
        ap.error(f"--held-out: not a list of steps: {args.held_out}")
    if not held or args.fit_step in held or min(held + [args.fit_step]) < 0:
        ap.error("--held-out needs steps >= 0, none equal to --fit-step")
    if not os.access(args.codec_tool, os.X_OK):
        ap.error(f"--codec-tool: {args.codec_tool} is not an executable (build first: ./cdma.sh build)")
    steps = sorted(set(held + [args.fit_step]))
    capture = args.captures or os.path.join(args.out, "captures")
    missing = [s for s in steps if not os.path.isdir(os.path.join(capture, f"step_{s}"))]
    if args.captures and missing:
        ap.error(f"--captures: no step_{missing[0]} in {args.captures}")
    os.makedirs(args.out, exist_ok=True)
    if not args.captures and (missing or not args.reuse):
        subprocess.run([sys.executable, os.path.join(ROOT, "sim/tools/fashion_mnist_example.py"),
                        "--steps", str(max(steps)), "--capture-at", ",".join(map(str, steps)),
                        "--out", capture, "--eval-images", "0"], check=True, stdout=subprocess.DEVNULL)
    model = os.path.join(args.out, f"model_step{args.fit_step}.json")
    subprocess.run([args.codec_tool, "fit", os.path.join(capture, f"step_{args.fit_step}"), "--out", model],
                   check=True, stdout=subprocess.DEVNULL)
    worst = {"zv": (0, ""), "rl": (0, ""), "zl": (0, "")}
    small = set()
    for step in held:
        text = subprocess.run([args.codec_tool, "check-model", model, os.path.join(capture, f"step_{step}"),
                               "--match-density", "--json"], check=True, capture_output=True, text=True).stdout
        rows = json.loads(text)["layers"]
        print(f"\nfitted at step {args.fit_step}, held out: step {step} (ratio per 4 KiB chunk; error of the "
              "fitted model / of the Markov generator)\n")
        print("| layer | density | ZV | fitted | Markov | RL | fitted | Markov | ZL | fitted | Markov | ZL whole tensor |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            path = os.path.join(capture, f"step_{step}", r["layer"] + ".npy")
            tiny = os.path.getsize(path) < args.min_bytes
            if tiny:
                small.add(r["layer"])
            cells = [r["layer"] + (" (small)" if tiny else ""), f"{r['real']['density']:.3f}"]
            for c in ("zv", "rl", "zl"):
                fe, se = r["fitted_error"][c], r["synthetic_error"][c]
                cells += [f"{r['real'][c]:.2f}", f"{100 * fe:+.1f} %", f"{100 * se:+.1f} %"]
                if not tiny and abs(fe) > abs(worst[c][0]):
                    worst[c] = (fe, f"{r['layer']} at step {step}")
            cells.append(f"{r['real']['zl_whole_tensor']:.2f}")
            print("| " + " | ".join(cells) + " |")
    print(f"\nlargest fitted error over tensors of at least {args.min_bytes} bytes: " +
          "; ".join(f"{c.upper()} {100 * e:+.1f} % ({where})" for c, (e, where) in worst.items()) +
          (f"; left out as small: {', '.join(sorted(small))}" if small else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
