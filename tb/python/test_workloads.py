"""Workload files (sim/workloads/*.json) and their density files: parse, shapes consistent, a density for every
layer. Standard library only; runs without PyTorch.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import glob
import importlib.util
import json
import math
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKLOADS = os.path.join(ROOT, "sim", "workloads")
PAPER_NETWORKS = ["alexnet", "overfeat", "nin", "vgg16", "squeezenet", "googlenet", "resnet50"]
TYPES = {"conv", "fc", "relu", "pool", "lrn", "concat", "dropout", "softmax", "add", "batchnorm"}


def load(path):
    with open(path) as f:
        return json.load(f)


def network_files():
    return sorted(p for p in glob.glob(os.path.join(WORKLOADS, "*.json")))


def conv_out(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def pool_out(n, k, s, p, ceil_mode):
    if not ceil_mode:
        return (n + 2 * p - k) // s + 1
    out = -(-(n + 2 * p - k) // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return out


def check_shapes(tc, net):
    """An independent re-implementation of the schema's shape rules (sim/workloads/README.md)."""
    shapes = {"input": net["input"]}
    prev = "input"
    for layer in net["layers"]:
        name, typ, li, lo = layer["name"], layer["type"], layer["in"], layer["out"]
        where = f"{net['name']}/{name}"
        tc.assertIn(typ, TYPES, where)
        tc.assertNotIn(name, shapes, f"{where}: duplicate name")
        tc.assertRegex(name, r"^[A-Za-z0-9_.-]+$", f"{where}: name must be a safe file name")
        tc.assertTrue(all(isinstance(v, int) and v > 0 for v in li + lo), where)
        srcs = layer.get("inputs", [prev])
        for s in srcs:
            tc.assertIn(s, shapes, f"{where}: input {s} not produced earlier")
        ins = [shapes[s] for s in srcs]
        if typ in ("concat", "add"):
            tc.assertIn("inputs", layer, where)
            tc.assertGreaterEqual(len(srcs), 2, where)
            tc.assertEqual(li, lo, where)
            if typ == "add":
                for s in ins:
                    tc.assertEqual(s, lo, where)
            else:
                tc.assertEqual(sum(s[0] for s in ins), lo[0], where)
                for s in ins:
                    tc.assertEqual(s[1:], lo[1:], where)
        else:
            tc.assertEqual(len(srcs), 1, where)
            if typ == "fc":
                tc.assertEqual(li, [math.prod(ins[0])], f"{where}: fc in is the flattened producer out")
                tc.assertEqual(len(lo), 1, where)
            else:
                tc.assertEqual(li, ins[0], f"{where}: in != producer out")
            if typ == "conv":
                kh, kw = layer["kernel"]
                s, p, g = layer["stride"], layer["pad"], layer["groups"]
                tc.assertEqual(lo, [lo[0], conv_out(li[1], kh, s, p), conv_out(li[2], kw, s, p)], where)
                tc.assertEqual(li[0] % g, 0, where)
                tc.assertEqual(lo[0] % g, 0, where)
            elif typ == "pool":
                tc.assertIn(layer["mode"], ("max", "avg"), where)
                kh, kw = layer["kernel"]
                s, p, cm = layer["stride"], layer.get("pad", 0), layer.get("ceil_mode", False)
                tc.assertEqual(lo, [li[0], pool_out(li[1], kh, s, p, cm), pool_out(li[2], kw, s, p, cm)], where)
            elif typ == "dropout":
                tc.assertTrue(0.0 <= layer["p"] < 1.0, where)
                tc.assertEqual(li, lo, where)
            elif typ != "fc":
                tc.assertEqual(li, lo, where)
        shapes[name] = lo
        prev = name
    return shapes


class WorkloadFiles(unittest.TestCase):
    def test_all_networks_present(self):
        names = {os.path.basename(p)[:-5] for p in network_files()}
        for n in PAPER_NETWORKS + ["fmnist_cnn"]:
            self.assertIn(n, names)

    def test_schema_and_shapes(self):
        for path in network_files():
            with self.subTest(path=os.path.basename(path)):
                net = load(path)
                self.assertEqual(set(net), {"name", "description", "input", "layers"})
                self.assertEqual(net["name"], os.path.basename(path)[:-5])
                self.assertTrue(net["description"])
                self.assertGreater(len(net["layers"]), 3)
                for layer in net["layers"]:
                    for key in ("name", "type", "in", "out"):
                        self.assertIn(key, layer)
                check_shapes(self, net)

    def test_densities_cover_every_layer(self):
        for path in network_files():
            name = os.path.basename(path)[:-5]
            with self.subTest(network=name):
                net = load(path)
                dens = load(os.path.join(WORKLOADS, "densities", name + ".json"))
                self.assertEqual(dens["network"], name)
                self.assertTrue(dens["source"])
                self.assertTrue(0.0 <= dens["default_clustering"] < 1.0)
                layer_names = [l["name"] for l in net["layers"]]
                for key in ("layers", "layers_at_init"):
                    if key not in dens:
                        continue
                    self.assertEqual(set(dens[key]), set(layer_names), f"{name} {key}")
                    for lname, d in dens[key].items():
                        self.assertTrue(0.0 < d <= 1.0, f"{name}/{lname}: density {d}")
                for lname, c in dens.get("clustering", {}).items():
                    self.assertIn(lname, layer_names)
                    self.assertTrue(0.0 <= c < 1.0)

    def test_density_rules_hold(self):
        # Properties the README promises: pre-activation outputs dense, ReLU outputs sparse, LRN keeps density,
        # dropout scales by 1-p, max pooling never lowers density.
        for name in PAPER_NETWORKS:
            with self.subTest(network=name):
                net = load(os.path.join(WORKLOADS, name + ".json"))
                dens = load(os.path.join(WORKLOADS, "densities", name + ".json"))["layers"]
                prev = None
                for layer in net["layers"]:
                    src = layer.get("inputs", [prev])[0]
                    d = dens[layer["name"]]
                    t = layer["type"]
                    if t in ("conv", "fc", "batchnorm", "add", "softmax"):
                        self.assertEqual(d, 1.0)
                    elif t == "relu":
                        self.assertLess(d, 0.6)
                    elif t == "lrn":
                        self.assertAlmostEqual(d, dens[src], places=3)
                    elif t == "dropout":
                        self.assertAlmostEqual(d, dens[src] * (1 - layer["p"]), places=3)
                    elif t == "pool" and src is not None:
                        self.assertGreaterEqual(d, dens[src] - 1e-9)
                    prev = layer["name"]

    def test_paper_anchors(self):
        d = load(os.path.join(WORKLOADS, "densities", "alexnet.json"))["layers"]
        self.assertAlmostEqual(d["relu1"], 0.49)   # paper conv0
        self.assertAlmostEqual(d["relu2"], 0.36)   # paper conv1
        self.assertAlmostEqual(d["relu5"], 0.22)   # paper conv4
        self.assertAlmostEqual(d["relu7"], 0.31)   # paper fc1
        for name in PAPER_NETWORKS:
            init = load(os.path.join(WORKLOADS, "densities", name + ".json"))["layers_at_init"]
            net = load(os.path.join(WORKLOADS, name + ".json"))
            for layer in net["layers"]:
                if layer["type"] == "relu":
                    self.assertEqual(init[layer["name"]], 0.5)

    def test_known_sizes(self):
        # spot checks against the papers' tables
        def out(name, layer):
            return next(l["out"] for l in load(os.path.join(WORKLOADS, name + ".json"))["layers"]
                        if l["name"] == layer)
        self.assertEqual(out("vgg16", "conv1_1"), [64, 224, 224])
        self.assertEqual(out("vgg16", "pool5"), [512, 7, 7])
        self.assertEqual(out("alexnet", "pool5"), [256, 6, 6])
        self.assertEqual(out("overfeat", "pool5"), [1024, 6, 6])
        self.assertEqual(out("googlenet", "inception_3a_output"), [256, 28, 28])
        self.assertEqual(out("googlenet", "inception_5b_output"), [1024, 7, 7])
        self.assertEqual(out("squeezenet", "fire9_concat"), [512, 13, 13])
        self.assertEqual(out("nin", "cccp8"), [1000, 6, 6])
        self.assertEqual(out("resnet50", "res5c_relu"), [2048, 7, 7])
        self.assertEqual(out("resnet50", "res2a"), [256, 56, 56])

    def test_generator_output_is_committed(self):
        script = os.path.join(WORKLOADS, "generate_workloads.py")
        res = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_generator_check_rejects_bad_shapes(self):
        spec = importlib.util.spec_from_file_location("gen", os.path.join(WORKLOADS, "generate_workloads.py"))
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        net = load(os.path.join(WORKLOADS, "vgg16.json"))
        gen.check_network(net)
        net["layers"][2]["out"] = [64, 111, 111]  # conv1_2 with a wrong output size
        with self.assertRaises(ValueError):
            gen.check_network(net)


if __name__ == "__main__":
    unittest.main()
