"""One point of a sweep: the cdma-sim command line it is, running it, and what it yields (the metrics, the
per-layer rows, the effective platform) or the error that stopped it."""

import json
import os
import shutil
import subprocess
import tempfile
import time

from . import spec as specmod

# A training point's summary figures, and how the bottleneck hop is found in its statistics.
TRAIN_METRICS = ["oracle_s", "vdnn_s", "cdma_s", "vdnn_performance", "cdma_performance", "cdma_speedup_over_vdnn",
                 "vdnn_stall_s", "cdma_stall_s", "offload_traffic_vs_vdnn", "average_ratio", "max_ratio",
                 "aggregate_ratio", "offloaded_bytes"]
# Transfer figures of stats.json's first phase (its "bytes" is stored as original_bytes: "bytes" is a parameter).
TRANSFER_METRICS = {"seconds": "seconds", "ratio": "ratio", "pcie_gbps": "pcie_gbps", "dram_gbps": "dram_gbps",
                    "bytes": "original_bytes", "compressed_bytes": "compressed_bytes", "host_bytes": "host_bytes"}
# Hop -> where its busy fraction is in a report's platform_stats (the most loaded instance of per-channel hops).
HOPS = {"compression": ("soc.cu", "datapath"), "crossbar": ("soc.crossbar", "dma_port"),
        "gpu_dram": ("soc.mc", "bandwidth"), "host_dram": ("soc.host_dram", "bandwidth"),
        "pcie_to_host": ("soc.pcie", "to_host"), "pcie_to_gpu": ("soc.pcie", "to_gpu")}


def command_line(sim, command, point, out_dir, jobs=1):
    """The cdma-sim argv of a point (jobs: processes of a training run; a sweep runs points side by side)."""
    argv = [sim]
    p = dict(point)
    argv += ["--platform", str(p.pop("platform", "titan-x"))]
    for key in sorted(k for k in p if specmod.is_platform_field(k)):
        argv += ["--set", f"{key}={json.dumps(p.pop(key))}"]
    if "backend" in p:
        argv += ["--set", f"gpu.compression.backend={json.dumps(p.pop('backend'))}"]
    for flag in ("mode", "algorithm", "seed"):
        if flag in p:
            argv += [f"--{flag}", str(p.pop(flag))]
    if command == "train":
        argv += ["train", "--jobs", str(jobs)]
        for flag in ("network", "batch", "policy", "efficiency", "optimizer"):
            if flag in p:
                argv += [f"--{flag}", str(p.pop(flag))]
    else:
        for flag in ("op", "bytes", "density", "dtype"):
            if flag in p:
                argv += [f"--{flag}", str(p.pop(flag))]
    assert not p, f"parameters without a flag: {sorted(p)}"
    return argv + ["--out", out_dir]


def bottleneck(platform_stats):
    """The hop busiest over the run, from the merged statistics of a training report."""
    modules = platform_stats.get("modules", {})
    best, best_busy = "", -1.0
    for hop, (prefix, part) in HOPS.items():
        for name, m in modules.items():
            if name == prefix or (name.startswith(prefix) and name[len(prefix):].isdigit()):
                busy = m.get(part, {}).get("busy_fraction")
                if busy is not None and busy > best_busy:
                    best, best_busy = hop, busy
    return best, max(best_busy, 0.0)


def run_point(sim, command, point, keep_dir=None, jobs=1, timeout=None):
    """Runs one point; returns {"status": "ok"|"failed", "error", "wall_s", "metrics", "layers", "platform"}."""
    out_dir = keep_dir or tempfile.mkdtemp(prefix="cdma_sweep_")
    argv = command_line(sim, command, point, out_dir, jobs)
    t0 = time.monotonic()
    result = {"status": "failed", "error": "", "wall_s": 0.0, "metrics": {}, "layers": [], "platform": None,
              "command": argv}
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        result["wall_s"] = time.monotonic() - t0
        if r.returncode != 0:
            lines = [line for line in r.stderr.strip().splitlines() if line.strip()]
            result["error"] = lines[-1] if lines else f"cdma-sim exited with {r.returncode}"
            return result
        with open(os.path.join(out_dir, "platform.json")) as f:
            result["platform"] = json.load(f)
        if command == "train":
            with open(os.path.join(out_dir, "report.json")) as f:
                report = json.load(f)
            s = report["summary"]
            m = {k: s[k] for k in TRAIN_METRICS}
            m["gpu_peak_bytes"] = report["memory"]["vdnn"]["peak_bytes"]
            m["oracle_gpu_peak_bytes"] = report["memory"]["oracle"]["peak_bytes"]
            m["bytes_identical"] = s["bytes_identical"]
            m["bottleneck"], m["bottleneck_busy"] = bottleneck(report["platform_stats"])
            result["layers"] = report["layers"]
        else:
            with open(os.path.join(out_dir, "stats.json")) as f:
                stats = json.load(f)
            phase = stats["phases"][0]
            m = {name: phase[k] for k, name in TRANSFER_METRICS.items()}
            m["bottleneck"] = phase["bottleneck"]
            m["bottleneck_busy"] = phase["hop_utilisation"].get(phase["bottleneck"], 0.0)
            m["simulated_time_s"] = stats["simulated_time_s"]
        result["metrics"] = m
        result["status"] = "ok"
    except subprocess.TimeoutExpired:
        result["wall_s"] = time.monotonic() - t0
        result["error"] = f"timed out after {timeout} s"
    except (OSError, ValueError, KeyError) as e:
        result["wall_s"] = time.monotonic() - t0
        result["error"] = f"{type(e).__name__}: {e}"
    finally:
        if keep_dir is None:
            shutil.rmtree(out_dir, ignore_errors=True)
    return result


def check_platform_values(sim, spec):
    """Every platform value of the spec, one at a time on its platform(s), through `cdma-sim --check-config`:
    an unknown field or a value out of range is found before any point runs. Returns a list of errors."""
    platforms = set()
    for param, vals in spec.axes:
        if param == "platform":
            platforms.update(vals)
    platforms = sorted(platforms) or [spec.base.get("platform", "titan-x")]
    fields = [(k, [v]) for k, v in spec.base.items() if specmod.is_platform_field(k)]
    fields += [(p, vals) for p, vals in spec.axes if specmod.is_platform_field(p)]
    if "backend" in spec.base:
        fields.append(("gpu.compression.backend", [spec.base["backend"]]))
    errors = []
    for platform in platforms:
        argv = [sim, "--platform", str(platform), "--check-config"]
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            errors.append(f"platform {platform}: {r.stderr.strip()}")
            continue
        for field, vals in fields:
            for v in vals:
                r = subprocess.run(argv + ["--set", f"{field}={json.dumps(v)}"], capture_output=True, text=True)
                if r.returncode != 0:
                    errors.append(f"{field}={json.dumps(v)} on {platform}: {r.stderr.strip()}")
    return errors
