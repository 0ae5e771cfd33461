"""Speed columns of the DTGAN table: the generator's parameter count and its latency per image on a device.

Latency: the median wall time of ``repeats`` calls of the stylizer on a fixed random RGB image of the given size
(after ``warmup`` calls, which also let the default runtime settle: OpenVINO builds once it pays), end to end as
a user calls it (uint8 in, uint8 out, including padding and any host-device copies).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

SIZES = {"256x256": (256, 256), "1920x1080": (1920, 1080)}  # width x height


def parameter_count(stylizer: Any) -> int | None:
    """Parameters of the generator behind ``stylizer`` (a torch module, or an ONNX graph's initializers)."""
    generator = stylizer.generator
    if hasattr(generator, "parameters"):
        return int(sum(p.numel() for p in generator.parameters()))
    path = getattr(generator, "path", None)
    if path is None or Path(path).suffix.lower() != ".onnx":
        return None
    import onnx  # deferred: only ONNX generators need it

    graph = onnx.load(str(path), load_external_data=False).graph
    return int(sum(int(np.prod(init.dims)) for init in graph.initializer))


def latency(stylizer: Any, width: int, height: int, repeats: int = 3, warmup: int = 2) -> float:
    """Median seconds per image of ``stylizer`` on a ``width`` x ``height`` image."""
    image = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    for _ in range(warmup):
        stylizer(image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        stylizer(image)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
