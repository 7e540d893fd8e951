"""sim/tools/fit_validation.py: refuses bad arguments before training, and a quick run prints one table per
held-out step with every layer and the largest errors. Needs the release build's cdma-codec (CDMA_CODEC
overrides the path), python3-torch and dataset-fashion-mnist for the run."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "sim", "tools", "fit_validation.py")
CODEC = os.environ.get("CDMA_CODEC", os.path.join(ROOT, "build", "release", "bin", "cdma-codec"))
FMNIST = "/usr/share/datasets/fashion-mnist"
try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=240)


class FitValidation(unittest.TestCase):
    def test_bad_arguments_are_refused_before_training(self):
        with tempfile.TemporaryDirectory() as d:
            for args, message in ((["--held-out", "a,b"], "--held-out: not a list of steps"),
                                  (["--fit-step", "20", "--held-out", "20"], "none equal to --fit-step"),
                                  (["--codec-tool", os.path.join(d, "nope")], "is not an executable")):
                r = run("--out", d, "--codec-tool", CODEC, *args)  # a later --codec-tool wins
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertEqual(os.listdir(d), [])  # nothing trained

    @unittest.skipUnless(HAVE_TORCH and os.path.exists(FMNIST) and os.access(CODEC, os.X_OK),
                         "needs python3-torch, dataset-fashion-mnist and the release build's cdma-codec")
    def test_quick_run_prints_a_table_per_held_out_step(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("--out", d, "--codec-tool", CODEC, "--fit-step", "20", "--held-out", "10")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("fitted at step 20, held out: step 10", r.stdout)
            rows = [l for l in r.stdout.splitlines() if l.startswith("| relu")]
            self.assertEqual(len(rows), 3)  # relu1, relu2, relu3
            for row in rows:
                self.assertEqual(len(row.strip("|").split("|")), 12)
            self.assertIn("largest fitted error over tensors of at least 16384 bytes: ZV", r.stdout)
            self.assertTrue(os.path.exists(os.path.join(d, "model_step20.json")))


if __name__ == "__main__":
    unittest.main()


class ZlStructure(unittest.TestCase):
    def test_row_repeats_and_refusals(self):
        import numpy as np
        script = os.path.join(ROOT, "sim", "tools", "zl_structure.py")
        with tempfile.TemporaryDirectory() as d:
            a = np.zeros((2, 1, 4, 8), np.float32)
            a[:, :, :, :4] = 0.5  # a constant block: every repeated value below row 0 equals the one above
            path = os.path.join(d, "a.npy")
            np.save(path, a)
            r = subprocess.run([sys.executable, script, path], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("repeated values 100.0 % of the non-zeros; of them 75.0 % equal the element a row above",
                          r.stdout)
            np.save(path, np.zeros((2, 3), np.float32))
            r = subprocess.run([sys.executable, script, path], capture_output=True, text=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("need float32 [batch, channels, height, width]", r.stderr)


class UniformDensities(unittest.TestCase):
    def test_every_sparse_layer_gets_the_ratios_density(self):
        script = os.path.join(ROOT, "sim", "tools", "uniform_densities.py")
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, script, "--ratio", "4", "--out", d, "--networks", "alexnet"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            import json
            with open(os.path.join(d, "alexnet.json")) as f:
                doc = json.load(f)
            with open(os.path.join(ROOT, "sim", "workloads", "densities", "alexnet.json")) as f:
                shipped = json.load(f)
            self.assertEqual(set(doc["layers"]), set(shipped["layers"]))
            for k, v in shipped["layers"].items():
                self.assertEqual(doc["layers"][k], v if v >= 1 else round(1 / 4 - 1 / 32, 6), k)  # ZV 4x
            for bad in (["--ratio", "1"], ["--networks", "nosuch"]):
                r = subprocess.run([sys.executable, script, "--out", d, *bad], capture_output=True, text=True)
                self.assertEqual(r.returncode, 2, bad)
