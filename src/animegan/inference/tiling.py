"""Tile-by-tile inference with overlap and blending, with every tile using the whole image's norm statistics.

The v2 generator normalises each layer over the whole image (``GroupNorm(1, C)``), v1 over each channel of it
(instance norm). Run naively per tile, each tile would get its own statistics and the tiles would not match
(visible seams and tone shifts). Here a first pass on a downscaled copy of the whole image records every norm
layer's mean and variance; the tile passes then normalise with those recorded statistics, so every tile sees the
same normalisation the untiled image would. v3's LADE layers and external attention (whose softmax runs over
all positions of the image) pin their statistics the same way (``nets.pinning``). Tiles overlap and are blended
with linear ramps, which hides the remaining differences at tile borders (reflection padding where the real
image continues).
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

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


def run_tiled(
    model: nn.Module,
    x: torch.Tensor,
    forward: Callable[[torch.Tensor], torch.Tensor],
    tile: int,
    overlap: int = 32,
    stats_side: int = 512,
    align: int = ALIGN,
) -> torch.Tensor:
    """Generator output for ``x`` (1x3xHxW, H and W multiples of ``align``) computed tile by tile.

    ``forward`` runs the model on a tensor (device, precision, layout); ``stats_side`` bounds the downscaled
    statistics pass; ``align`` is the generator's size multiple (tiles start on it). Memory is bounded by one
    window of (tile + 2 * overlap)^2 pixels plus the output.
    """
    return_freed_memory_promptly()
    tile = max(align, tile // align * align)
    overlap = max(align, overlap // align * align)
    _, _, h, w = x.shape
    out = torch.zeros(1, 3, h, w)
    total = torch.zeros(1, 1, h, w)
    with pinned_norms(model) as norms:
        forward(downscaled(x, stats_side, align))
        for norm in norms:
            norm.mode = "pinned"
        for top in tile_starts(h, tile):
            for left in tile_starts(w, tile):
                bottom, right = min(top + tile, h), min(left + tile, w)
                y0, y1 = max(0, top - overlap), min(h, bottom + overlap)
                x0, x1 = max(0, left - overlap), min(w, right + overlap)
                window = forward(x[:, :, y0:y1, x0:x1]).float().cpu()
                weight = ramp(h, y0, y1, top, bottom, overlap)[:, None] * ramp(
                    w, x0, x1, left, right, overlap
                )
                out[:, :, y0:y1, x0:x1] += window * weight
                total[:, :, y0:y1, x0:x1] += weight
    return out / total.clamp_min(1e-8)
