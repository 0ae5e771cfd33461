"""Tile-by-tile inference with overlap and blending, with every tile using the whole image's norm statistics.

The v2 generator normalises each layer over the whole image (``GroupNorm(1, C)``), v1 over each channel of it
(instance norm). Run naively per tile, each tile would get its own statistics and the tiles would not match
(visible seams and tone shifts). Here a first pass on a downscaled copy of the whole image records every norm
layer's mean and variance; the tile passes then normalise with those recorded statistics, so every tile sees the
same normalisation the untiled image would. v3's LADE layers and external attention (whose softmax runs over
all positions of the image) pin their statistics the same way (``nets.pinning``). Tiles overlap and are blended
with linear ramps, which hides the remaining differences at tile borders (reflection padding where the real
image continues).

The port's v2 upsampling (``align_corners=True``) is not shift-invariant: it maps output pixel ``i`` to input
``i * (n_in - 1) / (n_out - 1)``, so a tile resampled on its own drifts by up to half a low-resolution pixel
across its width against the whole image. While tiles run, the generator's ``_upsample`` samples at the whole
image's positions instead (``WholeImageResample``). The statistics pass has as many pixels as one tile window
(``stats_pass_side``). Tiled vs untiled at 1100x700, tile 512, fp32, overall / worst 64-pixel block: seeded
random v2 42.4 / 32.3 dB before, 52.8 / 46.5 dB now; a generator from a ``make demo`` run 34.9 / 22.6 dB
before, 49.2 / 43.2 dB now.
"""

from __future__ import annotations

import ctypes
import functools
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from animegan.inference.options import TILE_OVERLAP, TILE_STATS_SIDE
from animegan.nets.pinning import PinnableStatistics

ALIGN = 4  # tiles start on multiples of the generator's total stride so the strided grids line up (v1/v2)
M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MMAP_THRESHOLD_BYTES = 1 << 20


@functools.cache
def return_freed_memory_promptly() -> bool:
    """glibc: serve allocations of 1 MiB and more with mmap, so each tile's freed activations go back to the OS.

    By default glibc raises its mmap threshold after large frees and keeps later activations in the heap, where
    fragmentation across tile shapes grows the peak RSS by a gigabyte on a 4K frame. Process-wide; done once.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False


class PinnedStatsNorm(nn.Module):
    """Wraps a GroupNorm / InstanceNorm2d: records its per-group statistics, or normalises with recorded ones."""

    def __init__(self, norm: nn.GroupNorm | nn.InstanceNorm2d) -> None:
        super().__init__()
        self.norm = norm
        self.groups = norm.num_groups if isinstance(norm, nn.GroupNorm) else norm.num_features
        self.mode = "record"
        self.mean: torch.Tensor | None = None
        self.var: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "record":
            grouped = x.float().reshape(x.shape[0], self.groups, -1)
            self.var, self.mean = torch.var_mean(grouped, dim=2, unbiased=False)
            return self.norm(x)
        c = x.shape[1]
        inv_std = torch.rsqrt(self.var + self.norm.eps).repeat_interleave(c // self.groups, dim=1)
        mean = self.mean.repeat_interleave(c // self.groups, dim=1)
        scale = inv_std if self.norm.weight is None else inv_std * self.norm.weight.float()
        shift = -mean * scale if self.norm.bias is None else self.norm.bias.float() - mean * scale
        n = x.shape[0]
        return torch.addcmul(shift.reshape(n, c, 1, 1).to(x.dtype), x, scale.reshape(n, c, 1, 1).to(x.dtype))


class _SelfPinning:
    """Gives a PinnableStatistics module (LADE, attention) the wrappers' ``mode`` switch."""

    def __init__(self, module: PinnableStatistics) -> None:
        self.module = module
        module.set_pin_mode("record")

    @property
    def mode(self) -> str | None:
        return self.module.pin_mode

    @mode.setter
    def mode(self, value: str) -> None:
        self.module.set_pin_mode(value)


@contextmanager
def pinned_norms(model: nn.Module) -> Iterator[list[PinnedStatsNorm | _SelfPinning]]:
    """Temporarily wrap every GroupNorm/InstanceNorm2d of ``model`` in a PinnedStatsNorm and put its
    PinnableStatistics modules in record mode; restore on exit."""
    replaced: list[tuple[nn.Module, str, nn.Module]] = []
    wrappers: list[PinnedStatsNorm | _SelfPinning] = []
    pinning = [_SelfPinning(m) for m in model.modules() if isinstance(m, PinnableStatistics)]
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.GroupNorm | nn.InstanceNorm2d):
                wrapper = PinnedStatsNorm(child)
                setattr(parent, name, wrapper)
                replaced.append((parent, name, child))
                wrappers.append(wrapper)
    try:
        yield wrappers + pinning
    finally:
        for parent, name, child in replaced:
            setattr(parent, name, child)
        for item in pinning:
            item.mode = None


@dataclass(frozen=True)
class Window:
    """Where the window being computed lies in the whole image: top-left corner, its size, the whole size."""

    offset: tuple[int, int]
    size: tuple[int, int]
    whole: tuple[int, int]


def corner_aligned_positions(
    n_out: int, n_in: int, offset: int, window: int, whole: int
) -> torch.Tensor | None:
    """Input positions (in input samples, float64) of an ``align_corners=True`` resize of one axis from ``n_in``
    to ``n_out`` samples, at the positions the whole image's resize would use.

    The window covers ``[offset, offset + window)`` of an axis of ``whole`` pixels; a tensor axis of ``n`` samples
    in it stands for ``whole * n / window`` samples over the whole image. None when the scales are not exact.
    """
    sizes = [whole * n for n in (n_in, n_out)] + [offset * n for n in (n_in, n_out)]
    if any(size % window for size in sizes):
        return None
    whole_in, whole_out, start_in, start_out = (size // window for size in sizes)
    scale = (whole_in - 1) / (whole_out - 1) if whole_out > 1 else 0.0
    position = (torch.arange(n_out, dtype=torch.float64) + start_out) * scale - start_in
    return position.clamp(0, n_in - 1)  # only at window edges inside the image, which the blend discards


def resample_rows(rows: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Float32 ``rows`` (K, ...) linearly interpolated along its first axis at ``positions``: each output row is
    a weighted sum of two whole input rows (views: nothing is gathered; gathering rows is 10x slower here)."""
    lower = positions.floor().long()
    upper = (lower + 1).clamp(max=rows.shape[0] - 1)
    weights = (positions - lower).tolist()
    flat = rows.reshape(rows.shape[0], -1)
    out = flat.new_empty(len(positions), flat.shape[1])
    for i, (low, high, weight) in enumerate(zip(lower.tolist(), upper.tolist(), weights, strict=True)):
        torch.mul(flat[high], weight, out=out[i]).add_(flat[low], alpha=1.0 - weight)  # 5x faster than lerp
    return out.reshape(len(positions), *rows.shape[1:])


def resample_at(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """NCHW ``x`` bilinearly sampled at every (row, column) position pair, computed in float32, returned in
    ``x``'s dtype as channels_last. Each axis is one ``resample_rows`` with that axis leading (as fast as a plain
    resize where per-channel gathers on channels_last tensors were 30x slower)."""
    by_rows = x.permute(2, 0, 3, 1).float()  # H, N, W, C
    tall = resample_rows(by_rows.contiguous(), rows)  # H', N, W, C
    wide = resample_rows(tall.permute(2, 1, 0, 3).contiguous(), cols)  # W', N, H', C
    out = torch.empty(x.shape[0], len(rows), len(cols), x.shape[1], dtype=x.dtype, device=x.device)
    out.copy_(wide.permute(1, 2, 0, 3))  # N, H', W', C
    return out.permute(0, 3, 1, 2)


class WholeImageResample:
    """Replaces a generator's ``_upsample(x, size)`` (``align_corners=True``) while tiles run: with ``window``
    set, each tile samples where the whole image's resize would; with None it is the generator's own."""

    def __init__(self, own: Callable[[torch.Tensor, torch.Size], torch.Tensor]) -> None:
        self.own = own
        self.window: Window | None = None

    def __call__(self, x: torch.Tensor, size: torch.Size) -> torch.Tensor:
        if self.window is None:
            return self.own(x, size)
        window = self.window
        rows, cols = (
            corner_aligned_positions(
                int(size[axis]), x.shape[2 + axis], window.offset[axis], window.size[axis], window.whole[axis]
            )
            for axis in (0, 1)
        )
        if rows is None or cols is None:
            return self.own(x, size)
        return resample_at(x, rows, cols)


@contextmanager
def whole_image_resampling(model: nn.Module) -> Iterator[WholeImageResample | None]:
    """Temporarily route ``model._upsample`` through a WholeImageResample if it resizes with aligned corners."""
    if not (getattr(model, "align_corners", False) and hasattr(model, "_upsample")):
        yield None
        return
    resample = WholeImageResample(model._upsample)
    model._upsample = resample
    try:
        yield resample
    finally:
        del model._upsample  # the class's method again


def tile_starts(length: int, tile: int) -> list[int]:
    """Start offsets of the tile cores along one axis (cores of ``tile`` pixels; the last may be shorter)."""
    return list(range(0, max(length, 1), tile))


def ramp(length: int, start: int, stop: int, lo: int, hi: int, overlap: int) -> torch.Tensor:
    """Blend weights of window [start, stop) along an axis of ``length``: 1 inside, linear ramps to 0 at
    the window's edges that lie inside the image (none at image borders). Neighbour ramps sum to 1."""
    positions = torch.arange(start, stop, dtype=torch.float32) + 0.5
    weight = torch.ones(stop - start)
    if start > 0:
        weight = torch.minimum(weight, ((positions - (lo - overlap)) / (2 * overlap)).clamp(0, 1))
    if stop < length:
        weight = torch.minimum(weight, (((hi + overlap) - positions) / (2 * overlap)).clamp(0, 1))
    return weight


def downscaled(x: torch.Tensor, max_side: int, align: int = ALIGN) -> torch.Tensor:
    """``x`` resized (area) so that its longer side is at most ``max_side``, sides kept multiples of ``align``."""
    h, w = x.shape[-2:]
    scale = min(1.0, max_side / max(h, w))
    if scale == 1.0:
        return x
    size = (
        max(align * 4, round(h * scale / align) * align),
        max(align * 4, round(w * scale / align) * align),
    )
    return F.interpolate(x.float(), size=size, mode="area").to(x.dtype)


def stats_pass_side(h: int, w: int, window: int, min_side: int) -> int:
    """Longer side of the statistics pass: as many pixels as one tile window (so it costs no more memory than a
    tile does), and at least ``min_side``. The more pixels, the closer the pinned statistics are to the whole
    image's (a trained generator at 1100x700, tile 512: 44.2 dB at a 512-px pass, 50.4 dB at 768 px)."""
    return max(min_side, math.isqrt(window * window * max(h, w) // min(h, w)))


def run_tiled(
    model: nn.Module,
    x: torch.Tensor,
    forward: Callable[[torch.Tensor], torch.Tensor],
    tile: int,
    overlap: int = TILE_OVERLAP,
    stats_side: int = TILE_STATS_SIDE,
    align: int = ALIGN,
) -> torch.Tensor:
    """Generator output for ``x`` (1x3xHxW, H and W multiples of ``align``) computed tile by tile.

    ``forward`` runs the model on a tensor (device, precision, layout); the downscaled statistics pass has as many
    pixels as one window, and a longer side of at least ``stats_side``; ``align`` is the generator's size
    multiple (tiles start on it). Memory is bounded by one window of (tile + 2 * overlap)^2 pixels (or that pass,
    for small tiles) plus the output.
    """
    return_freed_memory_promptly()
    tile = max(align, tile // align * align)
    overlap = max(align, overlap // align * align)
    _, _, h, w = x.shape
    out = torch.zeros(1, 3, h, w)
    total = torch.zeros(1, 1, h, w)
    with pinned_norms(model) as norms, whole_image_resampling(model) as resample:
        forward(downscaled(x, stats_pass_side(h, w, tile + 2 * overlap, stats_side), align))
        for norm in norms:
            norm.mode = "pinned"
        for top in tile_starts(h, tile):
            for left in tile_starts(w, tile):
                bottom, right = min(top + tile, h), min(left + tile, w)
                y0, y1 = max(0, top - overlap), min(h, bottom + overlap)
                x0, x1 = max(0, left - overlap), min(w, right + overlap)
                if resample is not None:
                    resample.window = Window((y0, x0), (y1 - y0, x1 - x0), (h, w))
                window = forward(x[:, :, y0:y1, x0:x1]).float().cpu()
                weight = ramp(h, y0, y1, top, bottom, overlap)[:, None] * ramp(
                    w, x0, x1, left, right, overlap
                )
                out[:, :, y0:y1, x0:x1] += window * weight
                total[:, :, y0:y1, x0:x1] += weight
    return out / total.clamp_min(1e-8)
