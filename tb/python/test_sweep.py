"""cdma-sweep (sim/sweep): spec expansion and its refusals, the SQLite store (schema, appending, resuming, failed
points, foreign files), the serial, Dask (a real local cluster of two workers) and Slurm (the array script
generated, validated and executed task by task as sbatch would) backends giving the same figures, and the plots.
Needs the release build's cdma-sim (CDMA_SIM overrides the path); Dask tests skip without python3-distributed.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "sim", "sweep"))

from cdmasweep import backends, spec as specmod, store as storemod  # noqa: E402
from cdmasweep.cli import main as sweep_main  # noqa: E402

SIM = os.environ.get("CDMA_SIM", os.path.join(ROOT, "build", "release", "bin", "cdma-sim"))
HAVE_SIM = os.access(SIM, os.X_OK)
try:
    import distributed  # noqa: F401
    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False
try:
    import matplotlib  # noqa: F401
    HAVE_MPL = True
except ImportError:
    HAVE_MPL = False


def spec(**kw):
    doc = {"name": "t", "command": "transfer", "base": {"bytes": "256KiB"},
           "axes": [{"param": "pcie.lanes", "values": [8, 16]}, {"param": "density", "values": [0.1, 0.5]}]}
    doc.update(kw)
    return doc


class Spec(unittest.TestCase):
    def test_product_zip_and_ranges(self):
        s = specmod.parse_spec(spec())
        self.assertEqual(len(s.points()), 4)
        self.assertEqual(s.points()[1], {"bytes": "256KiB", "pcie.lanes": 8, "density": 0.5})
        z = specmod.parse_spec(spec(combine="zip"))
        self.assertEqual([(p["pcie.lanes"], p["density"]) for p in z.points()], [(8, 0.1), (16, 0.5)])
        log = specmod._range_values("x", {"from": 1, "to": 128, "steps": 8, "scale": "log"})
        self.assertEqual(log, [1, 2, 4, 8, 16, 32, 64, 128])  # exactly, so they join other tables
        self.assertEqual(specmod._range_values("x", {"from": 0.5, "to": 256, "steps": 10, "scale": "log"})[6], 32.0)
        self.assertEqual(specmod._range_values("x", {"from": 2, "to": 10, "steps": 5}), [2, 4, 6, 8, 10])
        self.assertEqual(specmod._range_values("x", {"from": 0, "to": 1, "steps": 3}), [0.0, 0.5, 1.0])

    def test_samples(self):
        axes = [{"param": "density", "values": [i / 10 for i in range(10)]},
                {"param": "pcie.lanes", "range": {"from": 1, "to": 10, "steps": 10}}]
        lhs = specmod.parse_spec(spec(axes=axes, sample={"method": "lhs", "points": 10, "seed": 3})).points()
        # Ten strata per axis, ten points: every value of each axis exactly once.
        self.assertEqual(sorted(p["density"] for p in lhs), [i / 10 for i in range(10)])
        self.assertEqual(sorted(p["pcie.lanes"] for p in lhs), list(range(1, 11)))
        rnd = specmod.parse_spec(spec(axes=axes, sample={"method": "random", "points": 7, "seed": 3})).points()
        self.assertEqual(len({json.dumps(p, sort_keys=True) for p in rnd}), 7)
        again = specmod.parse_spec(spec(axes=axes, sample={"method": "random", "points": 7, "seed": 3})).points()
        self.assertEqual(rnd, again)
        self.assertEqual(specmod.point_key(rnd[0]), specmod.point_key(dict(reversed(list(rnd[0].items())))))
        # Sampling a sub-space: 4 LHS samples of the two platform axes, each crossed with both networks.
        sub = specmod.parse_spec({
            "name": "t", "command": "train",
            "axes": [{"param": "pcie.lanes", "values": [1, 2, 4, 8]},
                     {"param": "gpu.fp32_tflops", "values": [5, 10, 20, 40]},
                     {"param": "network", "values": ["vgg16", "alexnet"]}],
            "sample": {"method": "lhs", "points": 4, "seed": 2, "axes": ["pcie.lanes", "gpu.fp32_tflops"]}})
        pts = sub.points()
        self.assertEqual(len(pts), 8)
        platforms = {(p["pcie.lanes"], p["gpu.fp32_tflops"]) for p in pts}
        self.assertEqual(len(platforms), 4)
        self.assertEqual(sorted(l for l, _ in platforms), [1, 2, 4, 8])
        for pl in platforms:
            self.assertEqual(sorted(p["network"] for p in pts if (p["pcie.lanes"], p["gpu.fp32_tflops"]) == pl),
                             ["alexnet", "vgg16"])

    def test_bad_specs_name_the_field(self):
        cases = [
            (spec(axes=[{"param": "lanes", "values": [1]}]), "axes[0]: lanes: unknown parameter"),
            (spec(axes=[{"param": "batch", "values": [1]}]), "not a parameter of transfer runs"),
            (spec(axes=[{"param": "density", "values": []}]), "values is empty"),
            (spec(axes=[{"param": "density", "values": [2]}]), "2 is out of range: a number in [0, 1]"),
            (spec(axes=[{"param": "pcie.lanes", "range": {"from": 9, "to": 1, "steps": 3}}]), "range is empty"),
            (spec(axes=[{"param": "pcie.lanes", "range": {"from": 0, "to": 8, "steps": 3, "scale": "log"}}]),
             "a log scale needs from > 0"),
            (spec(axes=[{"param": "pcie.lanes", "range": {"from": 1, "to": 8}}]), "'steps' is missing"),
            (spec(combine="zip", axes=[{"param": "density", "values": [0.1]},
                                       {"param": "pcie.lanes", "values": [1, 2]}]), "axes of one length"),
            (spec(command="train", base={"batch": 0}, axes=[{"param": "network", "values": ["vgg16"]}]),
             "base.batch: 0 is out of range"),
            (spec(axes=[{"param": "density", "values": [0.1], "step": 1}]), "unknown key(s) ['step']"),
            (spec(name="../x"), "name:"),
            (spec(axes=[{"param": "dtype", "values": ["bfloat16"]}]), "'bfloat16' is out of range: float32, float16"),
            (spec(axes=[{"param": "pcie.lanes", "range": {"from": 1, "to": 2e6, "steps": 2000000}}]),
             "2000000 points; sample them"),
        ]
        for doc, says in cases:
            with self.assertRaises(specmod.SpecError, msg=says) as e:
                specmod.parse_spec(doc, "s.json")
            self.assertIn(says, str(e.exception))
            self.assertTrue(str(e.exception).startswith("s.json"), str(e.exception))


class Store(unittest.TestCase):
    def test_refuses_what_is_not_a_store(self):
        with tempfile.TemporaryDirectory() as d:
            other = os.path.join(d, "other.sqlite")
            db = sqlite3.connect(other)
            db.execute("CREATE TABLE runs(x)")
            db.commit()
            db.close()
            with self.assertRaises(storemod.StoreError) as e:
                storemod.Store(other)
            self.assertIn("not a cdma-sweep store", str(e.exception))
            text = os.path.join(d, "notes.txt")
            with open(text, "w") as f:
                f.write("not a database at all, just some text that is long enough\n" * 20)
            with self.assertRaises(storemod.StoreError):
                storemod.Store(text)
            with self.assertRaises(storemod.StoreError):
                storemod.Store(d)

    def test_schema_append_and_replace(self):
        with tempfile.TemporaryDirectory() as d:
            st = storemod.Store(os.path.join(d, "s.sqlite"))
            a = specmod.parse_spec(spec(name="a"))
            b = specmod.parse_spec(spec(name="b", axes=[{"param": "gpu.dma.chunk_bytes", "values": [1024]}]))
            ok = {"status": "ok", "error": "", "wall_s": 1.0, "metrics": {"seconds": 2.5}, "platform": {}}
            ida, idb = st.sweep_id(a), st.sweep_id(b)
            st.record(ida, "k1", {"pcie.lanes": 8}, ok)
            st.record(idb, "k2", {"gpu.dma.chunk_bytes": 1024}, dict(ok, status="failed", error="boom"))
            names, rows = st.query("SELECT point_key, status, error, pcie_lanes, gpu_dma_chunk_bytes, seconds "
                                   "FROM runs ORDER BY run_id")
            self.assertEqual(rows, [("k1", "ok", "", 8, None, 2.5), ("k2", "failed", "boom", None, 1024, 2.5)])
            self.assertEqual(st.done_keys(), {"k1"})
            st.record(idb, "k2", {"gpu.dma.chunk_bytes": 1024}, ok)  # a retried point replaces its row
            self.assertEqual(st.query("SELECT count(*) FROM runs")[1], [(2,)])
            with self.assertRaises(storemod.StoreError):
                st.sweep_id(specmod.parse_spec(spec(name="a", base={"bytes": "1MiB"})))


@unittest.skipUnless(HAVE_SIM, f"{SIM} not built")
class Runs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.store = os.path.join(self.dir.name, "s.sqlite")

    def tearDown(self):
        self.dir.cleanup()

    def write(self, doc):
        path = os.path.join(self.dir.name, doc["name"] + ".json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def sweep(self, *args):
        return sweep_main(list(args) + ["--store", self.store] + (["--sim", SIM] if args[0] == "run" else []))

    def rows(self, sql):
        return sqlite3.connect(self.store).execute(sql).fetchall()

    def test_serial_resumes_records_failures_and_refuses_bad_fields_before_running(self):
        path = self.write(spec(name="s", axes=[{"param": "bytes", "values": ["256KiB", "7GiB"]},
                                               {"param": "density", "values": [0.1, 0.5]}], base={}))
        self.assertEqual(self.sweep("run", path, "--backend", "serial"), 3)  # two points fail, two run
        rows = self.rows("SELECT bytes, status, error FROM runs ORDER BY bytes, density")
        self.assertEqual([r[1] for r in rows], ["ok", "ok", "failed", "failed"])
        self.assertIn("larger than half of GPU memory", rows[2][2])
        self.assertEqual(self.sweep("run", path, "--backend", "serial"), 3)  # only the failed ones again
        self.assertEqual(self.rows("SELECT count(*) FROM runs"), [(4,)])
        bad = self.write(spec(name="bad", axes=[{"param": "pcie.lane", "values": [8]}]))
        self.assertEqual(self.sweep("run", bad, "--backend", "serial"), 1)
        out_of_range = self.write(spec(name="bad2", axes=[{"param": "pcie.lanes", "values": [8, 3]}]))
        self.assertEqual(self.sweep("run", out_of_range, "--backend", "serial"), 1)
        for flags in (["--workers", "0"], ["--jobs", "0"], ["--timeout", "-1"], ["--timeout", "nan"]):
            self.assertEqual(self.sweep("run", out_of_range.replace("bad2", "s"), "--backend", "serial", *flags), 1)
        self.assertEqual(self.rows("SELECT count(*) FROM runs"), [(4,)])  # nothing of either ran

    @unittest.skipUnless(HAVE_DASK, "Dask distributed missing (Debian: python3-distributed)")
    def test_dask_with_two_workers_gives_the_serial_figures(self):
        path = self.write(spec(name="d"))
        self.assertEqual(self.sweep("run", path, "--backend", "dask", "--workers", "2"), 0)
        dask = self.rows("SELECT point_key, seconds, ratio, host_bytes, bottleneck FROM runs ORDER BY point_key")
        self.assertEqual(len(dask), 4)
        serial_store = os.path.join(self.dir.name, "serial.sqlite")
        self.assertEqual(sweep_main(["run", path, "--backend", "serial", "--store", serial_store, "--sim", SIM]), 0)
        serial = sqlite3.connect(serial_store).execute(
            "SELECT point_key, seconds, ratio, host_bytes, bottleneck FROM runs ORDER BY point_key").fetchall()
        self.assertEqual(dask, serial)
        # Everything is in the store: a second run has nothing to do.
        self.assertEqual(self.sweep("run", path, "--backend", "dask", "--workers", "2"), 0)
        self.assertEqual(self.rows("SELECT count(*) FROM runs"), [(4,)])

    @unittest.skipUnless(HAVE_DASK, "Dask distributed missing (Debian: python3-distributed)")
    def test_an_unreachable_scheduler_is_one_clear_error(self):
        path = self.write(spec(name="u"))
        r = subprocess.run([sys.executable, os.path.join(ROOT, "sim", "sweep", "cdma-sweep"), "run", path,
                            "--scheduler", "tcp://127.0.0.1:9", "--store", self.store, "--sim", SIM],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("--scheduler tcp://127.0.0.1:9: cannot connect", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_slurm_array_script_runs_task_by_task_and_is_collected(self):
        path = self.write(spec(name="sl"))
        results = os.path.join(self.dir.name, "res")
        self.assertEqual(self.sweep("run", path, "--backend", "slurm", "--results", results,
                                    "--sbatch-option=--time=00:10:00"), 0)
        script = os.path.join(results, "array.sbatch")
        with open(script) as f:
            text = f.read()
        self.assertEqual(backends.validate_slurm_script(text, 4), [])
        self.assertIn("#SBATCH --array=0-3", text)
        self.assertIn("#SBATCH --time=00:10:00", text)
        self.assertNotEqual(backends.validate_slurm_script(text, 5), [])
        self.assertNotEqual(backends.validate_slurm_script(text.replace("#SBATCH --cpus", "echo x\n#SBATCH --cpus"),
                                                           4), [])
        for task in range(4):  # what sbatch does, one task after another
            r = subprocess.run(["bash", script], env=dict(os.environ, SLURM_ARRAY_TASK_ID=str(task)),
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.rows("SELECT count(*) FROM runs"), [(0,)])
        self.assertEqual(self.sweep("collect", path, "--results", results), 0)
        self.assertEqual(self.rows("SELECT count(*), min(status), max(status) FROM runs"), [(4, "ok", "ok")])

    @unittest.skipUnless(HAVE_MPL, "matplotlib missing")
    def test_plots_and_export(self):
        path = self.write(spec(name="p"))
        self.assertEqual(self.sweep("run", path, "--backend", "serial"), 0)
        d = self.dir.name
        self.assertEqual(self.sweep("plot", "--x", "pcie.lanes", "--group", "density", "--metric", "pcie_gbps",
                                    "--out", os.path.join(d, "l.png")), 0)
        self.assertEqual(self.sweep("plot", "--x", "pcie.lanes", "--y", "density", "--metric", "seconds",
                                    "--out", os.path.join(d, "h.png")), 0)
        # Without --group the two densities collide at each lane count: refused, not averaged.
        self.assertEqual(self.sweep("plot", "--x", "pcie.lanes", "--metric", "seconds",
                                    "--out", os.path.join(d, "x.png")), 1)
        for png in ("l.png", "h.png"):
            self.assertGreater(os.path.getsize(os.path.join(d, png)), 5000)
        self.assertEqual(self.sweep("export", "--out", os.path.join(d, "runs.csv"), "--where", "density = 0.5"), 0)
        with open(os.path.join(d, "runs.csv")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn("pcie_lanes", lines[0].split(","))


if __name__ == "__main__":
    unittest.main()
