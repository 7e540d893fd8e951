#!/usr/bin/python3
"""What DEFLATE finds in a captured activation beyond the zeros: for one trace [batch, channels, height, width]
(float32), the fraction of each channel's repeated non-zero values (those occurring at least twice; the 256 most
frequent, as cdma-codec fit keeps) that equal the element a row above or to the left, and ZL per 4 KiB chunk
(raw when it does not shrink) before and after shuffling the other non-zero values within their channel
(docs/validation.md, "On real activations": the fitted model is one-dimensional along a plane).

    /usr/bin/python3 sim/tools/zl_structure.py out/fit_validation/captures/step_1000/relu1.npy
"""
import argparse
import sys
import zlib

import numpy as np

CHUNK = 4096
MAX_REPEATED = 256


def zl_ratio(a, level=6):
    b = np.ascontiguousarray(a, dtype="<f4").tobytes()
    out = sum(min(len(zlib.compress(b[i:i + CHUNK], level)), len(b[i:i + CHUNK])) for i in range(0, len(b), CHUNK))
    return len(b) / out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trace", help=".npy of shape [batch, channels, height, width], float32")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    try:
        a = np.load(args.trace)
    except (OSError, ValueError) as e:
        sys.exit(f"{args.trace}: {e}")
    if a.dtype != np.float32 or a.ndim != 4:
        sys.exit(f"{args.trace}: need float32 [batch, channels, height, width], got {a.dtype} {list(a.shape)}")
    repeated = np.zeros(a.shape, bool)
    for c in range(a.shape[1]):
        v = a[:, c]
        vals, counts = np.unique(v[v != 0], return_counts=True)
        order = np.argsort(-counts, kind="stable")[:MAX_REPEATED]
        top = vals[order][counts[order] >= 2]
        repeated[:, c] = np.isin(v, top) & (v != 0)
    varied = (a != 0) & ~repeated
    up = np.zeros(a.shape, bool)
    up[:, :, 1:, :] = a[:, :, 1:, :] == a[:, :, :-1, :]
    left = np.zeros(a.shape, bool)
    left[:, :, :, 1:] = a[:, :, :, 1:] == a[:, :, :, :-1]
    n_rep = max(1, int(repeated.sum()))
    shuffled = a.copy()
    rng = np.random.default_rng(args.seed)
    for c in range(a.shape[1]):
        plane, mask = shuffled[:, c], varied[:, c]
        vals = plane[mask]
        rng.shuffle(vals)
        plane[mask] = vals
    real, mixed = zl_ratio(a), zl_ratio(shuffled)
    print(f"{args.trace}: repeated values {100 * repeated.sum() / max(1, int((a != 0).sum())):.1f} % of the "
          f"non-zeros; of them {100 * (up & repeated).sum() / n_rep:.1f} % equal the element a row above, "
          f"{100 * (left & repeated).sum() / n_rep:.1f} % the one to the left")
    print(f"ZL per 4 KiB chunk {real:.3f}; other values shuffled within their channel {mixed:.3f} "
          f"({100 * (mixed / real - 1):+.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
