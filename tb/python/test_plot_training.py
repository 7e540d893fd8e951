"""sim/tools/plot_training.py: --help describes it; on a report of a 100+-layer network (ResNet-50's golden) every
plot is written, no wider than 1600 px, and the density plot splits its layers over panels. Skipped when
matplotlib (Debian python3-matplotlib) is missing.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "sim", "tools", "plot_training.py")
GOLDEN = os.path.join(ROOT, "tb", "golden", "expected", "train_resnet50_b2_zv_lt.json")

try:
    import matplotlib  # noqa: F401
    from PIL import Image
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


class PlotTraining(unittest.TestCase):
    def test_help_describes_the_tool_and_its_arguments(self):
        r = subprocess.run([sys.executable, SCRIPT, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for s in ("density_ratio.png", "memory.png", "--per-panel", "out_dir"):
            self.assertIn(s, r.stdout)

    def test_a_missing_report_is_one_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, SCRIPT, d], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("report.json", r.stderr)
            self.assertNotIn("Traceback", r.stderr)

    @unittest.skipUnless(HAVE_MATPLOTLIB, "matplotlib missing (Debian: python3-matplotlib)")
    def test_plots_of_a_deep_network_stay_readable(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(GOLDEN, os.path.join(d, "report.json"))
            r = subprocess.run([sys.executable, SCRIPT, d], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            for name in ("density_ratio.png", "performance.png", "memory.png"):
                with Image.open(os.path.join(d, name)) as im:
                    self.assertLessEqual(im.size[0], 1600, name)
            # 122 offloaded rows at 40 per panel: four panels stacked, not one strip 6,000 px wide.
            with Image.open(os.path.join(d, "density_ratio.png")) as im:
                self.assertGreater(im.size[1], 800)


if __name__ == "__main__":
    unittest.main()
