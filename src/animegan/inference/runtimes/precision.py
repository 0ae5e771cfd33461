"""Devices, numeric precisions and memory layouts for inference, and the ``auto`` choice between them.

``auto`` walks a per-device list of execution paths, fastest first (measured by ``benchmarks/bench_stylize.py``):

| device | paths tried, fastest first                  |
|--------|---------------------------------------------|
| cuda   | fp16 autocast + channels_last, bf16 + channels_last, fp32 |
| cpu with bf16 (AVX512-BF16 / AMX) | bf16 weights + channels_last, fp32 + channels_last |
| other cpu | fp32 + channels_last                     |

and keeps the first whose output on a calibration image is within ``MIN_PSNR_DB`` of the fp32 output of the
same weights (a quick check, one forward pass of each at 128x128): weights whose activations overflow or lose
too much in reduced precision fall back to fp32.

On the CPU, bf16 runs a bf16 copy of the generator on bf16 activations rather than under autocast: autocast keeps
every norm layer in fp32 and so converts each activation twice per layer, while the CPU's GroupNorm and
InstanceNorm kernels take bf16 and accumulate in fp32 anyway (v2 at 512x512: 1.5x faster, the same PSNR).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from animegan.device import cpu_has_bf16

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
MIN_PSNR_DB = 35.0
UNIT_PEAK = 2.0  # psnr's peak for images in [-1, 1]: the same dB as on the 0..255 scale
CALIBRATION_SIZE = 128


@dataclass(frozen=True)
class ExecutionPath:
    """How to run the generator: autocast dtype (None = plain fp32) and memory layout."""

    precision: str
    channels_last: bool

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[self.precision]

    def __str__(self) -> str:
        return f"{self.precision}{' channels_last' if self.channels_last else ''}"


def candidate_paths(device: torch.device) -> list[ExecutionPath]:
    """Execution paths for ``auto``, fastest first (see the module docstring)."""
    if device.type == "cuda":  # fp16 and bf16 run at the same tensor-core rate; fp16 keeps more mantissa
        return [ExecutionPath("fp16", True), ExecutionPath("bf16", True), ExecutionPath("fp32", False)]
    fast = [ExecutionPath("bf16", True)] if cpu_has_bf16() else []
    return [*fast, ExecutionPath("fp32", True)]


def explicit_path(precision: str, device: torch.device) -> ExecutionPath:
    """The path for an explicitly requested precision (channels_last wherever it helps: always here)."""
    if precision not in PRECISIONS[1:]:
        raise ValueError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    return ExecutionPath(precision, channels_last=precision != "fp32" or device.type == "cpu")


def weights_dtype(path: ExecutionPath, device: torch.device) -> torch.dtype | None:
    """The dtype the generator's weights and inputs are cast to for ``path`` (None: kept as they are)."""
    return torch.bfloat16 if path.precision == "bf16" and device.type == "cpu" else None


def autocast(path: ExecutionPath, device: torch.device) -> contextlib.AbstractContextManager:
    """The autocast context for ``path`` (a no-op for fp32 and for paths that cast the weights)."""
    if path.autocast_dtype is None or weights_dtype(path, device) is not None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=path.autocast_dtype)


def prepared(generator: nn.Module, path: ExecutionPath, device: torch.device) -> nn.Module:
    """``generator`` in ``path``'s memory layout; a cast copy where ``path`` casts the weights (the caller's
    module keeps its fp32 weights)."""
    dtype = weights_dtype(path, device)
    if dtype is not None:
        generator = copy.deepcopy(generator).to(dtype)
    memory_format = torch.channels_last if path.channels_last else torch.contiguous_format
    return generator.to(memory_format=memory_format)


def as_input(x: torch.Tensor, path: ExecutionPath, device: torch.device) -> torch.Tensor:
    """``x`` on ``device`` in ``path``'s dtype and memory layout."""
    x = x.to(device, dtype=weights_dtype(path, device) or x.dtype, non_blocking=True)
    return x.contiguous(memory_format=torch.channels_last) if path.channels_last else x


def psnr(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, peak: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB between two images of the same shape (inf when equal)."""
    a64 = np.asarray(a, dtype=np.float64)
    b64 = np.asarray(b, dtype=np.float64)
    mse = float(np.mean((a64 - b64) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak**2 / mse)


def calibration_image(size: int = CALIBRATION_SIZE) -> torch.Tensor:
    """A deterministic 1x3xSxS test pattern in [-1, 1]: gradients, edges, texture and a little noise."""
    gen = torch.Generator().manual_seed(0)
    ys, xs = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    disc = ((xs - 0.6) ** 2 + (ys - 0.4) ** 2 < 0.05).float()
    stripes = (torch.sin(xs * 40 + ys * 13) > 0).float()
    rgb = torch.stack([xs * 0.8 + 0.2 * disc, ys * 0.6 + 0.3 * stripes, 0.5 * (1 - xs) + 0.4 * disc])
    rgb = rgb + 0.03 * torch.randn(rgb.shape, generator=gen)
    return (rgb.clamp(0, 1) * 2 - 1).unsqueeze(0)


def run_path(
    generator: nn.Module, x: torch.Tensor, path: ExecutionPath, device: torch.device
) -> torch.Tensor:
    """Forward ``x`` through ``generator`` (``prepared`` for ``path``) on ``path``; float32 NCHW output."""
    with torch.inference_mode(), autocast(path, device):
        return generator(as_input(x, path, device)).float().contiguous()


def calibrated_psnr(generator: nn.Module, path: ExecutionPath, device: torch.device) -> float:
    """PSNR (dB, on the 0..255 scale) of ``path``'s output against plain fp32 on the calibration image."""
    x = calibration_image()
    fp32 = ExecutionPath("fp32", False)
    reference = run_path(prepared(generator, fp32, device), x, fp32, device)
    candidate = run_path(prepared(generator, path, device), x, path, device)
    return psnr(reference.cpu(), candidate.cpu(), peak=UNIT_PEAK)


def fastest_first(paths: list[ExecutionPath], seconds: Mapping[str, float] | None) -> list[ExecutionPath]:
    """``paths`` ordered by a measured timing table (``str(path)`` -> seconds per image, e.g. from
    ``benchmarks/gpu_check.py``); paths missing from it keep the documented order after the measured ones. The
    plain fp32 fallback (last) stays last: it is the reference every other path is checked against."""
    if not seconds:
        return paths
    *fast, fallback = paths
    measured = sorted((p for p in fast if str(p) in seconds), key=lambda p: seconds[str(p)])
    return [*measured, *(p for p in fast if str(p) not in seconds), fallback]


def choose_path(
    generator: nn.Module,
    device: torch.device,
    precision: str = "auto",
    min_psnr: float = MIN_PSNR_DB,
    seconds: Mapping[str, float] | None = None,
) -> ExecutionPath:
    """The execution path for ``precision``; for ``auto`` the fastest candidate (by ``seconds`` where measured,
    else the documented order) whose output keeps ``min_psnr`` against fp32 on the calibration image."""
    if precision != "auto":
        return explicit_path(precision, device)
    candidates = fastest_first(candidate_paths(device), seconds)
    for path in candidates[:-1]:
        if calibrated_psnr(generator, path, device) >= min_psnr:
            return path
    return candidates[-1]
