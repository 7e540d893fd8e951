"""sim/tools/torchvision_capture.py: bad arguments refused before training; a short SqueezeNet run prints the
density comparison with every ReLU and max pool of the workload, the R-pool check, and writes summary.json."""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "sim", "tools", "torchvision_capture.py")
HAVE = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("torchvision") is not None
FMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=240)


@unittest.skipUnless(HAVE and os.path.exists(FMNIST), "needs python3-torch, python3-torchvision, dataset-fashion-mnist")
class TorchvisionCapture(unittest.TestCase):
    def test_bad_arguments(self):
        with tempfile.TemporaryDirectory() as d:
            for args, message in ((["--workload", "nosuch"], "--workload: no sim/workloads/nosuch.json"),
                                  (["--arch", "nosuch", "--workload", "alexnet"], "no architecture 'nosuch'"),
                                  (["--steps", "5", "--capture-at", "9"], "--capture-at: steps must be in")):
                r = run("--out", d, *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(message, r.stderr)
            self.assertEqual(os.listdir(d), [])

    def test_short_squeezenet_run(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("--arch", "squeezenet1_0", "--workload", "squeezenet", "--steps", "4", "--capture-at", "0,4",
                    "--batch", "4", "--capture-batch", "2", "--out", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("29 in the workload squeezenet, 29 captured", r.stdout)
            self.assertIn("| 29 | relu_conv10 (relu) |", r.stdout)
            self.assertIn("implied rho at step 4", r.stdout)
            with open(os.path.join(d, "summary.json")) as f:
                s = json.load(f)
            self.assertEqual(len(s["layers"]), 29)
            self.assertEqual(len([p for p in s["pools"] if p["step"] == 4]), 3)
            for row in s["layers"]:
                for v in row["density"].values():
                    self.assertTrue(0 <= v <= 1)
            self.assertTrue(os.path.exists(os.path.join(d, "step_4", "manifest.json")))


if __name__ == "__main__":
    unittest.main()
