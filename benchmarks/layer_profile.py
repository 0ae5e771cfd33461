"""Per-layer profile of the default PyTorch path (bf16 channels_last on CPUs with bf16), for ``bench_stylize``:
where a warm 512x512 forward spends its time, by kind of layer, and each kind's GFLOP/s against the bf16 matrix
peak measured in the same run.

Forward hooks time every leaf module (the CPU runs them synchronously); what runs between leaves (upsampling,
residual adds, casts) is reported as ``between layers``. Convolution FLOPs are counted as
2 x output elements x input channels per group x kernel area. A kind far below the peak with a large share of
the time is what limits the whole forward (memory-bound layers: depthwise convolutions, norms, padding).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn

from animegan.inference.runtimes.precision import as_input, autocast
from animegan.inference.stylizer import Stylizer


def kind_of(module: nn.Module) -> str:
    """A label for the layer's kind: convolutions by kernel and grouping, others by class."""
    if isinstance(module, nn.Conv2d):
        k = "x".join(str(side) for side in module.kernel_size)
        if module.groups == module.in_channels and module.groups > 1:
            return f"conv {k} depthwise"
        return f"conv {k}"
    return type(module).__name__


def conv_flops(module: nn.Module, output: torch.Tensor) -> float:
    if not isinstance(module, nn.Conv2d):
        return 0.0
    kh, kw = module.kernel_size
    return 2.0 * output.numel() * (module.in_channels // module.groups) * kh * kw


def profile(stylizer: Stylizer, side: int, rounds: int, bf16_peak: float) -> dict:
    """Median seconds per kind of layer over ``rounds`` warm forwards of a ``side`` x ``side`` input."""
    generator = stylizer.generator
    leaves = [m for m in generator.modules() if not list(m.children())]
    seconds: dict[str, float] = defaultdict(float)
    flops: dict[str, float] = defaultdict(float)
    starts: dict[int, float] = {}

    def before(module, args):
        starts[id(module)] = time.perf_counter()

    def after(module, args, output):
        seconds[kind_of(module)] += time.perf_counter() - starts.pop(id(module))
        flops[kind_of(module)] += conv_flops(module, output)

    handles = [
        h for m in leaves for h in (m.register_forward_pre_hook(before), m.register_forward_hook(after))
    ]
    x = torch.rand(1, 3, side, side) * 2 - 1
    totals, per_round = [], []
    try:
        with torch.inference_mode(), autocast(stylizer.execution, stylizer.device):
            generator(as_input(x, stylizer.execution, stylizer.device))  # warm
            for _ in range(rounds):
                seconds.clear()
                flops.clear()
                t0 = time.perf_counter()
                generator(as_input(x, stylizer.execution, stylizer.device))
                totals.append(time.perf_counter() - t0)
                per_round.append((dict(seconds), dict(flops)))
    finally:
        for handle in handles:
            handle.remove()
    best = int(np.argsort(totals)[len(totals) // 2])  # the median round, whole
    total, (layer_s, layer_flops) = totals[best], per_round[best]
    layer_s["between layers"] = max(total - sum(layer_s.values()), 0.0)
    rows = []
    for kind, s in sorted(layer_s.items(), key=lambda item: -item[1]):
        gflops = layer_flops.get(kind, 0.0) / s / 1e9 if s > 0 else 0.0
        rows.append({
            "kind": kind,
            "seconds": s,
            "share": s / total,
            "gflops": gflops,
            "share_of_bf16_peak": gflops / bf16_peak if bf16_peak else 0.0,
        })  # fmt: skip
    print(f"  per-layer profile {side}x{side} [{stylizer.describe()}], {total:.3f} s (median of {rounds}):")
    for row in rows:
        rate = f"{row['gflops']:7.1f} GFLOP/s ({100 * row['share_of_bf16_peak']:3.0f}% bf16 peak)"
        print(
            f"    {row['kind']:<22} {row['seconds']:7.4f} s {100 * row['share']:5.1f}%  {rate if row['gflops'] else ''}"
        )
    return {"size": f"{side}x{side}", "path": stylizer.describe(), "seconds": total, "layers": rows}
