"""The activation capture tool (sim/tools/capture_activations.py) and the Fashion-MNIST example. Skipped when
PyTorch (Debian python3-torch) or the dataset (dataset-fashion-mnist) is missing.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import collections
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "sim", "tools")
WORKLOADS = os.path.join(ROOT, "sim", "workloads")
FMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

try:
    import torch
    import torch.nn as nn
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

sys.path.insert(0, TOOLS)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen", os.path.join(WORKLOADS, "generate_workloads.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def bit_density(a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    return np.count_nonzero(a.view(np.uint32)) / a.size


@unittest.skipUnless(HAVE_TORCH, "needs python3-torch")
class CaptureTool(unittest.TestCase):
    def tiny_model(self):
        torch.manual_seed(0)
        return nn.Sequential(collections.OrderedDict([
            ("conv1", nn.Conv2d(3, 8, 3, padding=1)), ("relu1", nn.ReLU(inplace=True)),
            ("pool1", nn.MaxPool2d(2, 2)),
            ("conv2", nn.Conv2d(8, 6, 3, stride=2, padding=1)), ("bn2", nn.BatchNorm2d(6)), ("relu2", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(6 * 3 * 3, 10)), ("relu3", nn.ReLU()), ("drop", nn.Dropout(0.5)),
            ("fc2", nn.Linear(10, 4)), ("prob", nn.Softmax(dim=1)),
        ]))

    def test_traces_and_manifest(self):
        import capture_activations as cap
        model = self.tiny_model()
        x = torch.randn(5, 3, 12, 12, generator=torch.Generator().manual_seed(3))
        with tempfile.TemporaryDirectory() as d:
            manifest = cap.capture(model, x, d, mode="train")
            with open(os.path.join(d, "manifest.json")) as f:
                on_disk = json.load(f)
            self.assertEqual(on_disk["format"], "cdma-activation-trace/1")
            self.assertEqual(on_disk["batch"], 5)
            names = [r["name"] for r in on_disk["layers"]]
            self.assertEqual(names, ["conv1", "relu1", "pool1", "conv2", "bn2", "relu2", "fc1", "relu3", "drop",
                                     "fc2", "prob"])  # Flatten is not captured
            expect_shapes = {"conv1": [5, 8, 12, 12], "relu1": [5, 8, 12, 12], "pool1": [5, 8, 6, 6],
                             "conv2": [5, 6, 3, 3], "bn2": [5, 6, 3, 3], "relu2": [5, 6, 3, 3], "fc1": [5, 10],
                             "relu3": [5, 10], "drop": [5, 10], "fc2": [5, 4], "prob": [5, 4]}
            types = {"conv1": "conv", "relu1": "relu", "pool1": "pool", "bn2": "batchnorm", "fc1": "fc",
                     "drop": "dropout", "prob": "softmax"}
            for rec in on_disk["layers"]:
                path = os.path.join(d, rec["file"])
                self.assertEqual(rec["file"], rec["name"] + ".npy")
                arr = np.load(path)
                self.assertEqual(arr.dtype, np.float32)
                self.assertTrue(arr.flags["C_CONTIGUOUS"])
                self.assertEqual(list(arr.shape), expect_shapes[rec["name"]], rec["name"])
                self.assertEqual(rec["shape"], expect_shapes[rec["name"]])
                self.assertAlmostEqual(rec["density"], bit_density(arr), places=5)
                self.assertIn(rec["type"], ("conv", "relu", "pool", "batchnorm", "fc", "dropout", "softmax"))
                if rec["name"] in types:
                    self.assertEqual(rec["type"], types[rec["name"]])
            # in-place ReLU: conv1's trace is the pre-activation (has negatives), relu1's is not
            self.assertLess(np.load(os.path.join(d, "conv1.npy")).min(), 0.0)
            self.assertGreaterEqual(np.load(os.path.join(d, "relu1.npy")).min(), 0.0)
            self.assertEqual(on_disk["layers"][0]["density"], 1.0)
            self.assertLess(on_disk["layers"][1]["density"], 0.8)
            # producers found by storage, through the in-place ReLU and the Flatten view
            inputs = {r["name"]: r["inputs"] for r in on_disk["layers"]}
            self.assertEqual(inputs["conv1"], ["input"])
            self.assertEqual(inputs["relu1"], ["conv1"])
            self.assertEqual(inputs["fc1"], ["relu2"])
            # the input trace
            xin = np.load(os.path.join(d, "input.npy"))
            self.assertEqual(list(xin.shape), [5, 3, 12, 12])
            np.testing.assert_array_equal(xin, x.numpy())
            # the exported network file satisfies the schema's shape rules
            net = cap.network_json(manifest, "tiny", "test model")
            _load_generator().check_network(net)
            from test_workloads import check_shapes
            check_shapes(self, net)
            self.assertEqual(net["layers"][0]["kernel"], [3, 3])
            self.assertEqual(net["layers"][6]["in"], [54])

    def test_shared_module_and_functional_ops(self):
        import capture_activations as cap

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(2, 3, 1)
                self.b = nn.Conv2d(2, 3, 1)
                self.relu = nn.ReLU()
                self.c = nn.Conv2d(6, 4, 1)

            def forward(self, x):
                y = torch.cat([self.relu(self.a(x)), self.relu(self.b(x))], 1)  # shared ReLU, functional cat
                return self.c(y)

        with tempfile.TemporaryDirectory() as d:
            # hooks see modules only: the cat is invisible and the network cannot be written
            man = cap.capture(Net(), torch.randn(2, 2, 4, 4), d, tracer="hooks")
            self.assertEqual(man["tracer"], "hooks")
            names = [r["name"] for r in man["layers"]]
            self.assertEqual(names, ["a", "relu", "b", "relu_2", "c"])
            self.assertTrue(os.path.exists(os.path.join(d, "relu_2.npy")))
            self.assertEqual(man["layers"][-1]["inputs"], ["?"])  # produced by torch.cat, not a module
            with self.assertRaises(ValueError):
                cap.network_json(man, "n", "d")
        with tempfile.TemporaryDirectory() as d:
            # torch.fx (the default) sees the graph: the cat is a layer with both producers
            man = cap.capture(Net(), torch.randn(2, 2, 4, 4), d)
            self.assertEqual(man["tracer"], "fx")
            self.assertEqual([r["name"] for r in man["layers"]], ["a", "relu", "b", "relu_2", "cat", "c"])
            by_name = {r["name"]: r for r in man["layers"]}
            self.assertEqual(by_name["cat"]["type"], "concat")
            self.assertEqual(by_name["cat"]["inputs"], ["relu", "relu_2"])
            self.assertEqual(by_name["c"]["inputs"], ["cat"])
            net = cap.network_json(man, "n", "d")
            _load_generator().check_network(net)
            self.assertEqual(net["layers"][4], {"name": "cat", "type": "concat", "in": [6, 4, 4], "out": [6, 4, 4],
                                                "inputs": ["relu", "relu_2"]})

    def test_functional_relu_pool_add_and_flatten(self):
        import torch.nn.functional as F
        import capture_activations as cap

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
                self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
                self.fc = nn.Linear(4 * 4 * 4, 3)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = x + F.relu(self.conv2(x))
                x = torch.flatten(F.max_pool2d(x, 2), 1)
                return self.fc(F.dropout(x, 0.25, self.training))

        torch.manual_seed(0)
        with tempfile.TemporaryDirectory() as d:
            man = cap.capture(Net(), torch.randn(3, 1, 8, 8), d)
            recs = {r["name"]: r for r in man["layers"]}
            self.assertEqual(list(recs), ["conv1", "relu", "conv2", "relu_1", "add", "max_pool2d", "dropout", "fc"])
            self.assertEqual([recs[n]["type"] for n in recs],
                             ["conv", "relu", "conv", "relu", "add", "pool", "dropout", "fc"])
            self.assertEqual(recs["add"]["inputs"], ["relu", "relu_1"])
            self.assertEqual(recs["dropout"]["inputs"], ["max_pool2d"])  # through torch.flatten
            relu = np.load(os.path.join(d, "relu.npy"))
            self.assertGreaterEqual(relu.min(), 0.0)
            self.assertAlmostEqual(recs["relu"]["density"], bit_density(relu), places=5)
            net = cap.network_json(man, "f", "functional")
            _load_generator().check_network(net)
            layers = {l["name"]: l for l in net["layers"]}
            self.assertEqual(layers["max_pool2d"]["mode"], "max")
            self.assertEqual(layers["max_pool2d"]["kernel"], [2, 2])
            self.assertEqual(layers["dropout"]["p"], 0.25)
            self.assertEqual(layers["dropout"]["out"], [4, 4, 4])  # the flattened bytes, in the pool's shape
            self.assertEqual(layers["fc"]["in"], [64])

    def test_untraceable_models_fall_back_to_hooks(self):
        import capture_activations as cap

        class Branchy(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 2, 1)
                self.relu = nn.ReLU()

            def forward(self, x):
                if x.sum() > 0:  # data-dependent control flow: torch.fx cannot trace it
                    x = -x
                return self.relu(self.conv(x))

        with tempfile.TemporaryDirectory() as d:
            import contextlib
            import io
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                man = cap.capture(Branchy(), torch.randn(2, 1, 3, 3), d)
            self.assertEqual(man["tracer"], "hooks")
            self.assertIn("torch.fx cannot trace this model", err.getvalue())
            self.assertEqual([r["name"] for r in man["layers"]], ["conv", "relu"])
            with self.assertRaises(Exception):
                cap.capture(Branchy(), torch.randn(2, 1, 3, 3), d, tracer="fx")
            with self.assertRaises(ValueError):
                cap.capture(Branchy(), torch.randn(2, 1, 3, 3), d, tracer="magic")

    @unittest.skipUnless(importlib.util.find_spec("torchvision") is not None, "needs python3-torchvision")
    def test_torchvision_architecture_in_one_command(self):
        with tempfile.TemporaryDirectory() as d:
            out, net_path = os.path.join(d, "trace"), os.path.join(d, "resnet18.json")
            res = subprocess.run([sys.executable, os.path.join(TOOLS, "capture_activations.py"), "--model",
                                  "torchvision:resnet18", "--input-shape", "3,32,32", "--batch", "2", "--out", out,
                                  "--network-json", net_path, "--name", "resnet18"],
                                 capture_output=True, text=True, timeout=180)
            self.assertEqual(res.returncode, 0, res.stderr)
            with open(net_path) as f:
                net = json.load(f)
            _load_generator().check_network(net)
            types = collections.Counter(l["type"] for l in net["layers"])
            self.assertEqual(types["add"], 8)    # two basic blocks in each of four stages
            self.assertEqual(types["conv"], 20)  # 1 + 16 in the blocks + 3 downsampling shortcuts
            for layer in net["layers"]:          # a trace per layer, of its shape
                arr = np.load(os.path.join(out, layer["name"] + ".npy"), mmap_mode="r")
                self.assertEqual(arr.shape[0], 2)
            res = subprocess.run([sys.executable, os.path.join(TOOLS, "capture_activations.py"), "--model",
                                  "torchvision:no_such_net", "--input-shape", "3,8,8", "--out", out],
                                 capture_output=True, text=True, timeout=60)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn("torchvision.models has no architecture 'no_such_net'", res.stderr)

    def test_density_and_clustering_helpers(self):
        import capture_activations as cap
        a = np.array([0.0, -0.0, 1.0, 2.0, 0.0, 0.0, 3.0, 0.0], dtype=np.float32)
        self.assertAlmostEqual(cap.density_of(a), 4 / 8)  # -0.0 is non-zero, as in the ZV codec
        self.assertEqual(cap.clustering_of(np.ones(10, np.float32)), 0.0)
        runs = np.repeat(np.array([0, 1] * 50, np.float32), 20)
        self.assertGreater(cap.clustering_of(runs), 0.9)
        alt = np.array([0, 1] * 500, np.float32)
        self.assertLess(cap.clustering_of(alt), -0.9)

    def test_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            model_py = os.path.join(d, "m.py")
            with open(model_py, "w") as f:
                f.write("import torch.nn as nn\n"
                        "def make():\n"
                        "    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))\n")
            out = os.path.join(d, "trace")
            res = subprocess.run([sys.executable, os.path.join(TOOLS, "capture_activations.py"), "--model",
                                  model_py + ":make", "--input-shape", "2,9,9", "--batch", "3", "--out", out,
                                  "--network-json", os.path.join(d, "n.json")],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(res.returncode, 0, res.stderr)
            with open(os.path.join(out, "manifest.json")) as f:
                man = json.load(f)
            self.assertEqual([r["name"] for r in man["layers"]], ["0", "1", "2"])
            self.assertEqual(list(np.load(os.path.join(out, "2.npy")).shape), [3, 4, 1, 1])
            with open(os.path.join(d, "n.json")) as f:
                net = json.load(f)
            _load_generator().check_network(net)


@unittest.skipUnless(HAVE_TORCH and os.path.exists(FMNIST), "needs python3-torch and dataset-fashion-mnist")
class FashionMnistExample(unittest.TestCase):
    def test_quick_run(self):
        with tempfile.TemporaryDirectory() as d:
            res = subprocess.run([sys.executable, os.path.join(TOOLS, "fashion_mnist_example.py"), "--steps", "20",
                                  "--batch", "64", "--capture-at", "0,10,20", "--capture-batch", "16",
                                  "--eval-images", "200", "--out", d],
                                 capture_output=True, text=True, timeout=180)
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertIn("step 0", res.stdout)
            self.assertIn("relu1", res.stdout)
            with open(os.path.join(d, "densities.json")) as f:
                summary = json.load(f)
            self.assertEqual(summary["capture_points"], [0, 10, 20])
            with open(os.path.join(WORKLOADS, "fmnist_cnn.json")) as f:
                net = json.load(f)
            names = [l["name"] for l in net["layers"]]
            for step in ("0", "10", "20"):
                dens = summary["results"][step]["layers"]
                self.assertEqual(list(dens), names)  # trace names match the committed network file
                for n, v in dens.items():
                    self.assertTrue(0.0 < v <= 1.0, (step, n, v))
                for layer in net["layers"]:  # one trace per layer, shape [batch, *out]
                    arr = np.load(os.path.join(d, f"step_{step}", layer["name"] + ".npy"))
                    self.assertEqual(list(arr.shape), [16] + layer["out"])
            # the exported network equals the committed one
            with open(os.path.join(d, "fmnist_cnn.json")) as f:
                self.assertEqual(json.load(f), net)


if __name__ == "__main__":
    unittest.main()
