"""The ``auto`` precision's verdict on the CPU, kept in the runtime cache: the calibration of
``precision.choose_path`` (a forward pass in fp32 and one in bf16 at 128x128, then their PSNR) runs once per
weights, versions and CPU instead of in every process (a single photo's ``animegan stylize`` waited for it).

An entry (``<key>.path``) holds the chosen path's name, keyed like the OpenVINO export (``cache.weights_key``:
every weight, the config) plus the torch and animegan versions, this CPU, the PSNR bar and the candidate paths.
The same weights on the same CPU and software give the same verdict, so every output stays what it was. An
unreadable entry or a name no longer among the candidates is ignored and written anew; off the CPU, and for an
explicit precision, nothing is cached (``choose_path`` as before).
"""

from __future__ import annotations

import platform
from functools import cache

import torch
from torch import nn

import animegan
from animegan.device import cpu_has_bf16
from animegan.inference.runtimes.cache import RuntimeCache, weights_key
from animegan.inference.runtimes.precision import MIN_PSNR_DB, ExecutionPath, candidate_paths, choose_path

SUFFIX = ".path"


@cache
def cpu_identity() -> str:
    """This CPU's model name (``/proc/cpuinfo``, else the platform) and whether it has bf16."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            name = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), name
            )
    except OSError:
        pass
    return f"{name} bf16={cpu_has_bf16()}"


def verdict_key(generator: nn.Module, device: torch.device) -> str:
    """The cache key of ``generator``'s ``auto`` verdict on ``device`` (see the module docstring)."""
    context = {
        "torch": torch.__version__,
        "animegan": animegan.__version__,
        "cpu": cpu_identity(),
        "min_psnr": str(MIN_PSNR_DB),
        "candidates": ",".join(str(p) for p in candidate_paths(device)),
        "verdict": "auto",
    }
    return weights_key(generator, context)


def choose_path_cached(
    generator: nn.Module, device: torch.device, precision: str = "auto", cache: RuntimeCache | None = None
) -> ExecutionPath:
    """``choose_path(generator, device, precision)``, its ``auto`` verdict on the CPU read from or written to
    the runtime cache."""
    if precision != "auto" or device.type != "cpu":
        return choose_path(generator, device, precision)
    cache = cache or RuntimeCache()
    if not cache.enabled:
        return choose_path(generator, device, precision)
    key = verdict_key(generator, device)
    known = {str(path): path for path in candidate_paths(device)}
    entry = cache.load(key, SUFFIX)
    name = entry.decode("utf-8", errors="replace").strip() if entry else None
    if name in known:
        return known[name]
    path = choose_path(generator, device, precision)
    cache.store(key, str(path).encode(), SUFFIX)
    return path
