"""The signature-set cost model (sim/sweep/cdmasweep/costmodel.py): signature selection on matrices whose answer
is known, the layer encoding against its closed form, pivoting a sweep store, and the paper's claim on its
public data (../shared/data/iiswc2020-cost-model: skipped with a message when absent): with 10 signature
networks R^2 over held-out (device, network) pairs >= 0.90, and one network clearly worse than ten.
Needs python3-xgboost, python3-sklearn, python3-scipy (skipped without them).

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import json
import os
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "sim", "sweep"))

from cdmasweep import costmodel as cm, spec as specmod, store as storemod  # noqa: E402

DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "iiswc2020-cost-model")
try:
    import sklearn  # noqa: F401
    import xgboost  # noqa: F401
    HAVE_ML = True
except ImportError:
    HAVE_ML = False


class Selection(unittest.TestCase):
    def setUp(self):
        # Two families of networks across 40 devices: family A scales with a device's speed a, family B with an
        # independent speed b; network 0 and network 5 are their cleanest members.
        rng = np.random.default_rng(0)
        a, b = rng.uniform(1, 10, 40), rng.uniform(1, 10, 40)
        noise = lambda s: np.exp(rng.normal(0, s, 40))  # noqa: E731
        self.lat = np.array([a * noise(0.001), a * noise(0.3), a * noise(0.3), a * noise(0.3), a * noise(0.3),
                             b * noise(0.001), b * noise(0.3), b * noise(0.3), b * noise(0.3), b * noise(0.3)])

    def test_spearman_covers_both_families_with_two_networks(self):
        sig = cm.select_signature("spearman", self.lat, 2)
        self.assertEqual({s // 5 for s in sig}, {0, 1})  # one of each family

    @unittest.skipUnless(HAVE_ML, "python3-sklearn / python3-xgboost missing")
    def test_mutual_information_does_not_pick_two_of_one_family(self):
        sig = cm.select_signature("mi", self.lat, 2)
        self.assertEqual({s // 5 for s in sig}, {0, 1})

    def test_random_is_seeded_and_sizes_are_checked(self):
        self.assertEqual(cm.select_signature("random", self.lat, 3, seed=4),
                         cm.select_signature("random", self.lat, 3, seed=4))
        for k in (0, 10):
            with self.assertRaises(cm.CostModelError):
                cm.select_signature("spearman", self.lat, k)
        with self.assertRaises(cm.CostModelError):
            cm.select_signature("best", self.lat, 2)


class CommandLine(unittest.TestCase):
    def test_bad_flags_are_one_clear_error_before_any_work(self):
        import contextlib
        import io
        from cdmasweep.costmodel_cli import main
        cases = [(["paper", "--k", "0"], "--k 0: sizes must be >= 1"),
                 (["paper", "--k", "five"], "--k five: a comma-separated list of whole numbers"),
                 (["paper", "--methods", "best"], "--methods: 'best' is not one of random, mi, spearman"),
                 (["paper", "--test-fraction", "1"], "--test-fraction must be in (0, 1)"),
                 (["paper", "--data", "/nonexistent"], "/nonexistent/onnxEmbeddings.csv: not found"),
                 (["cdma", "--store", "/nonexistent/s.sqlite"], "/nonexistent/s.sqlite: no such store")]
        for argv, says in cases:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                self.assertEqual(main(argv), 1, argv)
            self.assertIn(says, err.getvalue(), argv)


class Features(unittest.TestCase):
    def test_a_conv_layer_in_the_papers_thirteen_numbers(self):
        f = cm.layer_features({"type": "conv", "in": [3, 224, 224], "out": [64, 112, 112], "kernel": [7, 7],
                               "stride": 2, "pad": 3, "groups": 1})
        self.assertEqual(len(f), cm.LAYER_FEATURES)
        self.assertEqual(f[:5], [1, 0, 0, 0, 0])
        self.assertEqual(f[5:12], [224, 112, 3, 64, 7, 2, 3])
        self.assertEqual(f[12], 64 * 112 * 112 * 3 * 7 * 7)  # multiply-accumulates
        g = cm.layer_features({"type": "conv", "in": [32, 56, 56], "out": [32, 56, 56], "kernel": [3, 3],
                               "stride": 1, "pad": 1, "groups": 32})
        self.assertEqual(g[:5], [0, 1, 0, 0, 0])
        self.assertEqual(g[12], 32 * 56 * 56 * 9)
        emb = cm.network_embedding(os.path.join(ROOT, "sim", "workloads", "alexnet.json"))
        with open(os.path.join(ROOT, "sim", "workloads", "alexnet.json")) as f:
            self.assertEqual(len(emb), cm.LAYER_FEATURES * len(json.load(f)["layers"]))

    def test_a_store_pivots_into_workloads_by_platform_points(self):
        with tempfile.TemporaryDirectory() as d:
            st = storemod.Store(os.path.join(d, "s.sqlite"))
            sp = specmod.parse_spec({"name": "x", "base": {}, "axes": [{"param": "network", "values": ["a"]}]})
            sid = st.sweep_id(sp)
            for i, (net, lanes, t) in enumerate([("a", 8, 1.0), ("a", 16, 0.5), ("b", 8, 2.0), ("b", 16, 1.5)]):
                point = {"network": net, "batch": 4, "pcie.lanes": lanes}
                st.record(sid, str(i), point, {"status": "ok", "error": "", "wall_s": 0, "metrics": {"cdma_s": t},
                                               "platform": {}})
            lat, workloads, devices = cm.latency_matrix_from_store(st, "cdma_s", ["network", "batch"])
            self.assertEqual(workloads, [("a", 4), ("b", 4)])
            self.assertEqual(lat.tolist(), [[1.0, 0.5], [2.0, 1.5]])
            st.record(sid, "9", {"network": "c", "batch": 4, "pcie.lanes": 8},
                      {"status": "ok", "error": "", "wall_s": 0, "metrics": {"cdma_s": 3.0}, "platform": {}})
            with self.assertRaises(cm.CostModelError):  # c has no point at 16 lanes
                cm.latency_matrix_from_store(st, "cdma_s", ["network", "batch"])


@unittest.skipUnless(HAVE_ML, "python3-sklearn / python3-xgboost missing")
@unittest.skipUnless(os.path.isdir(DATA), f"{DATA} absent: the IISWC 2020 data set is not placed on this machine")
class Paper(unittest.TestCase):
    def test_ten_signature_networks_predict_held_out_devices(self):
        emb, lat, devices = cm.load_paper_data(DATA)
        self.assertEqual(lat.shape, (118, 106))
        train, test = cm.split_devices(lat.shape[1], 0.2, seed=1)
        ten = cm.evaluate(emb, lat, train, test, cm.select_signature("spearman", lat[:, train], 10), seed=1)
        self.assertGreaterEqual(ten["r2"], 0.90, ten)
        one = cm.evaluate(emb, lat, train, test, cm.select_signature("spearman", lat[:, train], 1), seed=1)
        self.assertLess(one["r2"], ten["r2"] - 0.03, (one, ten))
        self.assertGreater(one["mape_percent"], ten["mape_percent"])


if __name__ == "__main__":
    unittest.main()
