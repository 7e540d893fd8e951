"""Where a sweep's points run: here one after another (serial), on a Dask distributed cluster (a local one of
--workers processes by default, or the scheduler at --scheduler), or as a Slurm job array (a script that runs
one point per array task into a results folder, collected into the store afterwards)."""

import json
import os
import shlex
import sys
import time

from .point import run_point


class BackendError(RuntimeError):
    pass


class Progress:
    """"points done / total, ETA" on stderr, one line per finished point."""

    def __init__(self, total, out=sys.stderr):
        self.total, self.done, self.failed, self.t0, self.out = total, 0, 0, time.monotonic(), out

    def tick(self, key, result):
        self.done += 1
        self.failed += result["status"] != "ok"
        elapsed = time.monotonic() - self.t0
        eta = elapsed / self.done * (self.total - self.done)
        what = "ok" if result["status"] == "ok" else "FAILED: " + result["error"]
        print(f"[{self.done}/{self.total}] {key} {what} ({result['wall_s']:.1f} s; elapsed {elapsed:.0f} s, "
              f"ETA {eta:.0f} s)", file=self.out, flush=True)


def run_serial(sim, command, todo, on_result, jobs=1, timeout=None):
    for key, point in todo:
        on_result(key, point, run_point(sim, command, point, jobs=jobs, timeout=timeout))


def _dask_task(sim, command, point, jobs, timeout):
    # Runs on a worker: imports resolved there (the package is shipped by path, below).
    from cdmasweep.point import run_point as rp
    return rp(sim, command, point, jobs=jobs, timeout=timeout)


def run_dask(sim, command, todo, on_result, workers=2, scheduler=None, jobs=1, timeout=None, connect_timeout=5):
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise BackendError("the dask backend needs Dask distributed (Debian: apt install python3-distributed)")
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError) as e:
                raise BackendError(f"--scheduler {scheduler}: cannot connect: {e}")
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=40)
            client = Client(cluster)
        with client:
            # Workers import cdmasweep from this tree.
            client.run(lambda d: sys.path.insert(0, d) if d not in sys.path else None, package_dir)
            futures = {client.submit(_dask_task, sim, command, point, jobs, timeout, key=f"point-{key}",
                                     pure=False): (key, point) for key, point in todo}
            for fut in as_completed(futures):
                key, point = futures[fut]
                try:
                    result = fut.result()
                except Exception as e:  # a worker died: the point failed, the sweep goes on
                    result = {"status": "failed", "error": f"worker: {type(e).__name__}: {e}", "wall_s": 0.0,
                              "metrics": {}, "layers": [], "platform": None}
                on_result(key, point, result)
    finally:
        if cluster is not None:
            cluster.close()


SLURM_TEMPLATE = """#!/bin/bash
# cdma-sweep {name}: {count} points as a Slurm job array, one point per task. Submit with
#   sbatch {script}
# then import the results with
#   {sweep} collect {spec} --store {store} --results {results}
#SBATCH --job-name=cdma-{name}
#SBATCH --array=0-{last}{throttle}
#SBATCH --cpus-per-task=1
#SBATCH --output={results}/slurm-%A_%a.out
{extra}
set -euo pipefail
exec {python} {sweep} run-point {spec} --index "${{SLURM_ARRAY_TASK_ID}}" --results {results} --sim {sim} \\
  --keys {keys}
"""


def write_slurm_script(path, spec_path, spec, store, results, sim, keys_path, count, sbatch_options=(),
                       throttle=None):
    """The array script for `count` points (their keys in keys_path, one per line, in array order)."""
    if count < 1:
        raise BackendError("nothing to submit: every point is in the store")
    sweep = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cdma-sweep")
    text = SLURM_TEMPLATE.format(
        name=spec.name, count=count, script=shlex.quote(path), sweep=shlex.quote(sweep), spec=shlex.quote(spec_path),
        store=shlex.quote(store), results=shlex.quote(results), last=count - 1,
        throttle=f"%{throttle}" if throttle else "", extra="\n".join(f"#SBATCH {o}" for o in sbatch_options),
        python=shlex.quote(sys.executable), sim=shlex.quote(sim), keys=shlex.quote(keys_path))
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return text


def validate_slurm_script(text, count):
    """Checks what sbatch would read: the array covers exactly the points, every #SBATCH line precedes the first
    command, and the body runs one point per task. Returns a list of problems (empty when fine)."""
    problems = []
    lines = text.splitlines()
    if not lines or lines[0] != "#!/bin/bash":
        problems.append("the first line is not #!/bin/bash")
    first_command = next((i for i, l in enumerate(lines) if l.strip() and not l.startswith("#")), len(lines))
    directives = [l for l in lines[:first_command] if l.startswith("#SBATCH")]
    late = [l for l in lines[first_command:] if l.startswith("#SBATCH")]
    if late:
        problems.append(f"#SBATCH after the first command is ignored by sbatch: {late[0]}")
    arrays = [d for d in directives if d.startswith("#SBATCH --array=")]
    if len(arrays) != 1:
        problems.append(f"expected one --array directive, found {len(arrays)}")
    else:
        spec = arrays[0].split("=", 1)[1].split("%")[0]
        lo, _, hi = spec.partition("-")
        if not (lo == "0" and hi.isdigit() and int(hi) == count - 1):
            problems.append(f"--array={spec} does not cover the {count} points 0-{count - 1}")
    if "${SLURM_ARRAY_TASK_ID}" not in text:
        problems.append("the body does not use SLURM_ARRAY_TASK_ID")
    return problems


def write_point_result(results, key, point, result):
    os.makedirs(results, exist_ok=True)
    tmp = os.path.join(results, f".point-{key}.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"key": key, "point": point, "result": result}, f)
    os.replace(tmp, os.path.join(results, f"point-{key}.json"))  # atomic: collect never reads half a file


def read_point_results(results):
    out = []
    for name in sorted(os.listdir(results)):
        if name.startswith("point-") and name.endswith(".json"):
            with open(os.path.join(results, name)) as f:
                out.append(json.load(f))
    return out
