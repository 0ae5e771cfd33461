"""``--precision int8`` set-up in a new process, for ``bench_stylize``: the quantized model read from the runtime
cache (today) against quantized anew (before: NNCF on every build, the ONNX export already cached), interleaved.

Each round is a fresh child process timing ``openvino_runtime.build(generator, "int8")`` (key, fp32 checks,
load or quantize, compile, the PSNR check against fp32). Before each baseline round the int8 entry and
OpenVINO's compiled blobs are removed, so the child quantizes as every process did before the cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

CHILD = """
import json, sys, time
import torch
from animegan.inference.runtimes import openvino_runtime
from animegan.nets import GeneratorV2
generator = GeneratorV2().eval()
generator.load_state_dict(torch.load(sys.argv[1], weights_only=True))
t0 = time.perf_counter()
model = openvino_runtime.build(generator, "int8")
print(json.dumps({"setup_s": time.perf_counter() - t0, "precision": getattr(model, "precision", None)}))
"""


def child(weights: Path, env: dict) -> dict:
    """One fresh process's int8 build: seconds and the precision it ended in."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(weights)], capture_output=True, text=True, env=env, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"int8 set-up child failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def drop_int8(cache: Path) -> None:
    """Remove the quantized entries and compiled blobs (the ONNX export stays, as before the int8 cache)."""
    for entry in cache.glob("*.int8"):
        entry.unlink()
    shutil.rmtree(cache / "openvino", ignore_errors=True)


def measure(state: dict, rounds: int) -> dict:
    """Median set-up seconds, quantized anew and read from the cache, over interleaved rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        weights = folder / "generator.pt"
        torch.save(state, weights)
        env = {**os.environ, "ANIMEGAN_CACHE": str(folder / "cache")}
        cache = folder / "cache" / "runtime"
        first = child(weights, env)  # fills the cache: export, quantization
        times: dict[str, list[float]] = {"quantized_each_time": [], "cached": []}
        precisions = {first["precision"]}
        for _ in range(rounds):
            drop_int8(cache)
            before = child(weights, env)
            after = child(weights, env)
            times["quantized_each_time"].append(before["setup_s"])
            times["cached"].append(after["setup_s"])
            precisions |= {before["precision"], after["precision"]}
    baseline, cached = (float(np.median(v)) for v in times.values())
    row = {
        "first_build_s": first["setup_s"],
        "quantized_each_time_s": baseline,
        "cached_s": cached,
        "int8_setup_speedup": baseline / cached,
        "precisions": sorted(str(p) for p in precisions),
        "rounds_s": times,
    }
    print(
        f"  int8 set-up in a new process: quantized each time {baseline:.2f} s, from the cache {cached:.2f} s: "
        f"x{baseline / cached:.2f} (first build, empty cache: {first['setup_s']:.2f} s; {rounds} rounds; "
        f"built as {', '.join(row['precisions'])})",
        flush=True,
    )
    return row
