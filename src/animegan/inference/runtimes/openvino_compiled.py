"""A compiled OpenVINO generator on NumPy arrays, and the compile settings, torch-free: shared by the PyTorch
side's ``openvino_runtime`` (which builds and checks models) and the warm start (``warm_start``), which runs
a model from the runtime cache without importing PyTorch."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from animegan.inference.cancel import cancellable
from animegan.inference.runtimes.signal_stack import kept_signal_stack

OV_PRECISION = {"bf16": "bf16", "fp32": "f32", "int8": "bf16"}  # int8: its float layers in bf16 (or f32)


def compile_config(precision: str, has_bf16: bool, threads: int) -> dict[str, str | int]:
    """OpenVINO's CPU settings for ``precision`` (bf16 falls back to f32 without bf16), latency first."""
    hint = OV_PRECISION[precision] if precision == "fp32" or has_bf16 else "f32"
    return {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}


def compile_model(core, model, config: dict, blob_dir: Path | None = None):
    """``core.compile_model`` on the CPU; with ``blob_dir``, OpenVINO's own cache of compiled blobs there (keyed
    by the model, the config and OpenVINO's version), or without it where OpenVINO cannot use that folder."""
    if blob_dir is not None:
        try:
            return core.compile_model(model, "CPU", {**config, "CACHE_DIR": str(blob_dir)})
        except Exception:  # noqa: BLE001 - an unwritable or broken blob cache: compiled without it below
            pass
    return core.compile_model(model, "CPU", config)


class CompiledGenerator:
    """A compiled generator: float32 NCHW arrays in [-1, 1] (any batch, sides multiples of its size multiple)
    -> float32 NCHW arrays; one call at a time, cancellable by Ctrl-C/SIGTERM (``inference.cancel``)."""

    def __init__(self, compiled, precision: str) -> None:
        self.compiled, self.precision = compiled, precision
        self._request = compiled.create_infer_request()
        self._lock = threading.Lock()  # one infer request: one call at a time

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """The generator's output for ``batch`` (a new float32 array), computed frame by frame: on the CPU a
        batch gains nothing (``bench_video.py``, 1080p on the idle 2-core CPU: 2.47 s a frame in batches of 4,
        2.12 s one by one), and each frame of a video is then exactly what the image path makes of it."""
        return np.concatenate([self._infer_one(frame[None]) for frame in batch])

    def _infer_one(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        with self._lock, kept_signal_stack(), cancellable(self._request.cancel):
            out = self._request.infer({0: x})[0]
        return np.array(out, dtype=np.float32, copy=True)
