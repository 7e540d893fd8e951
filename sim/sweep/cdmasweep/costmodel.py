"""The signature-set cost model of "Generalizable cost models" (IISWC 2020; docs/costmodel.md): predict a network's
latency on a device nobody measured it on, from that device's latencies on a small signature set of networks.

A (network, device) pair's features are the network's per-layer encoding (padded to the deepest network) and the
device's log latencies on the signature networks; an XGBoost regressor learns log latency on the training
devices and predicts it for held-out devices, whose only measurements are their signature latencies. Signature
networks are chosen on the training devices only: at random, by mutual information (greedy: most informative
about all networks, least redundant with those chosen), or by Spearman correlation (greedy: the set whose best
rank correlation with every network is highest on average).
"""

import csv
import json
import math
import os

import numpy as np

METHODS = ("random", "mi", "spearman")
# One layer of a cdma network, in the paper's 13-number form: kind one-hot (conv, grouped conv, fc, element-wise,
# pool), input and output spatial size, input and output channels, kernel, stride, padding, FLOPs.
LAYER_FEATURES = 13


class CostModelError(ValueError):
    pass


def _need(module, package):
    try:
        return __import__(module)
    except ImportError:
        raise CostModelError(f"the cost model needs {module} (Debian: apt install {package})")


def pad(rows):
    width = max(len(r) for r in rows)
    return np.array([list(r) + [0.0] * (width - len(r)) for r in rows], dtype=float)


def load_paper_data(data_dir):
    """(embeddings [networks x features], latencies [networks x devices] in ms, device names)."""
    emb_path = os.path.join(data_dir, "onnxEmbeddings.csv")
    lat_path = os.path.join(data_dir, "mobileData", "Data-NetworksxHardwares.csv")
    for p in (emb_path, lat_path):
        if not os.path.isfile(p):
            raise CostModelError(f"{p}: not found (the IISWC 2020 data set, ../shared/data/iiswc2020-cost-model)")
    with open(emb_path) as f:
        emb = pad([[float(x) for x in r] for r in csv.reader(f) if r])
    with open(lat_path) as f:
        rows = [r for r in csv.reader(f) if r]
    devices = [f"{name}#{i}" for i, name in enumerate(rows[0][1:])]  # names repeat: the column is the device
    lat = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    if lat.shape[0] != emb.shape[0]:
        raise CostModelError(f"{lat_path}: {lat.shape[0]} networks, {emb_path}: {emb.shape[0]}")
    if not np.all(lat > 0):
        raise CostModelError(f"{lat_path}: latencies must be positive")
    return emb, lat, devices


def layer_features(layer):
    kinds = {"conv": 0, "fc": 2, "pool": 4}
    kind = kinds.get(layer["type"], 3)
    if layer["type"] == "conv" and layer.get("groups", 1) > 1:
        kind = 1
    one_hot = [0.0] * 5
    one_hot[kind] = 1.0
    i, o = layer["in"], layer["out"]
    size_in = float(i[1]) if len(i) == 3 else 1.0
    size_out = float(o[1]) if len(o) == 3 else 1.0
    k = layer.get("kernel", [0, 0])
    kernel = float(k[0]) if isinstance(k, list) else float(k)
    out_elems = float(np.prod(o))
    if layer["type"] == "conv":
        flops = out_elems * i[0] / layer.get("groups", 1) * k[0] * k[1]
    elif layer["type"] == "fc":
        flops = float(np.prod(i)) * out_elems
    else:
        flops = out_elems
    return one_hot + [size_in, size_out, float(i[0]), float(o[0]), kernel, float(layer.get("stride", 0)),
                      float(layer.get("pad", 0)), flops]


def network_embedding(path):
    with open(path) as f:
        net = json.load(f)
    return [x for layer in net["layers"] for x in layer_features(layer)]


def _spearman_matrix(lat_train):
    from scipy.stats import spearmanr
    rho = spearmanr(np.log(lat_train).T).correlation
    return np.atleast_2d(np.nan_to_num(rho))


def select_signature(method, lat_train, k, seed=1):
    """k network indices chosen on the training devices' latencies [networks x devices]."""
    n = lat_train.shape[0]
    if not 1 <= k < n:
        raise CostModelError(f"signature size {k}: must be in 1..{n - 1} (the other networks are predicted)")
    if method == "random":
        return sorted(np.random.default_rng(seed).choice(n, k, replace=False).tolist())
    if method == "spearman":
        rho = np.abs(_spearman_matrix(lat_train))
        chosen = []
        for _ in range(k):
            best = max((c for c in range(n) if c not in chosen),
                       key=lambda c: (rho[:, chosen + [c]].max(axis=1).mean(), -c))
            chosen.append(best)
        return chosen
    if method == "mi":
        feature_selection = _need("sklearn.feature_selection", "python3-sklearn").feature_selection
        x = np.log(lat_train).T  # devices x networks
        mi = np.array([feature_selection.mutual_info_regression(x, x[:, j], random_state=seed) for j in range(n)])
        relevance = mi.mean(axis=0)
        chosen = []
        for _ in range(k):
            def score(c):
                redundancy = mi[c, chosen].mean() if chosen else 0.0
                return relevance[c] - redundancy
            chosen.append(max((c for c in range(n) if c not in chosen), key=lambda c: (score(c), -c)))
        return chosen
    raise CostModelError(f"selection method {method!r}: one of {', '.join(METHODS)}")


def _pairs(emb, lat, devices, signature, targets):
    x, y, dev = [], [], []
    for d in devices:
        sig = np.log(lat[signature, d])
        for n in targets:
            x.append(np.concatenate([emb[n], sig]))
            y.append(lat[n, d])
            dev.append(d)
    return np.array(x), np.array(y), np.array(dev)


def r2(y, p):
    ss = ((y - y.mean()) ** 2).sum()
    return float(1 - ((p - y) ** 2).sum() / ss) if ss > 0 else float("nan")


def evaluate(emb, lat, train_devices, test_devices, signature, seed=1, trees=300):
    """Fits on the training devices and scores the held-out ones on every network outside the signature."""
    xgb = _need("xgboost", "python3-xgboost")
    from scipy.stats import spearmanr
    targets = [n for n in range(lat.shape[0]) if n not in signature]
    xtr, ytr, _ = _pairs(emb, lat, train_devices, signature, targets)
    xte, yte, dte = _pairs(emb, lat, test_devices, signature, targets)
    model = xgb.XGBRegressor(n_estimators=trees, max_depth=6, learning_rate=0.08, subsample=0.8,
                             colsample_bytree=0.3, tree_method="hist", max_bin=64, n_jobs=2, random_state=seed)
    model.fit(xtr, np.log(ytr))
    pred = np.exp(model.predict(xte))
    per_device = [r2(yte[dte == d], pred[dte == d]) for d in test_devices]
    return {"r2": r2(yte, pred), "r2_log": r2(np.log(yte), np.log(pred)),
            "rmse": float(math.sqrt(((pred - yte) ** 2).mean())),
            "mape_percent": float((np.abs(pred - yte) / yte).mean() * 100),
            "spearman": float(spearmanr(yte, pred).correlation),
            "per_device_r2_median": float(np.median(per_device)), "per_device_r2_min": float(np.min(per_device)),
            "pairs": int(len(yte)), "signature": [int(s) for s in signature]}


def split_devices(count, test_fraction, seed):
    perm = np.random.default_rng(seed).permutation(count)
    n_test = max(1, int(round(count * test_fraction)))
    return sorted(perm[n_test:].tolist()), sorted(perm[:n_test].tolist())


def experiment(emb, lat, ks, methods, test_fraction=0.2, seed=1, trees=300, progress=None):
    """R^2 and the other scores for every (method, signature size) on one device split."""
    train, test = split_devices(lat.shape[1], test_fraction, seed)
    rows = []
    for method in methods:
        for k in ks:
            sig = select_signature(method, lat[:, train], k, seed)
            m = evaluate(emb, lat, train, test, sig, seed, trees)
            m.update({"method": method, "k": k})
            rows.append(m)
            if progress:
                progress(m)
    return {"train_devices": len(train), "test_devices": len(test), "networks": int(lat.shape[0]), "rows": rows}


def latency_matrix_from_store(st, metric, workload_params, sweep=None):
    """Pivots a sweep into [workloads x platform points]: a workload is a value of workload_params (network,
    batch), a device is a value of every other parameter. Returns (matrix, workloads, devices); every cell must
    be a finished point."""
    where = " AND sweep_id = (SELECT sweep_id FROM sweeps WHERE name = ?)" if sweep else ""
    rows = st.query(f"SELECT params_json, \"{metric}\" FROM runs WHERE status = 'ok'{where}",
                    (sweep,) if sweep else ())[1]
    if not rows:
        raise CostModelError(f"{st.path}: no finished points" + (f" in sweep {sweep}" if sweep else ""))
    cells, workloads, devices = {}, [], []
    for params_json, value in rows:
        p = json.loads(params_json)
        w = tuple(p.get(k) for k in workload_params)
        d = json.dumps({k: v for k, v in p.items() if k not in workload_params}, sort_keys=True)
        if w not in workloads:
            workloads.append(w)
        if d not in devices:
            devices.append(d)
        cells[(w, d)] = value
    missing = [(w, d) for w in workloads for d in devices if (w, d) not in cells]
    if missing:
        raise CostModelError(f"{len(missing)} (workload, platform) cells have no finished point, e.g. "
                             f"{missing[0][0]} on {missing[0][1]}")
    lat = np.array([[cells[(w, d)] for d in devices] for w in workloads], dtype=float)
    return lat, workloads, devices
