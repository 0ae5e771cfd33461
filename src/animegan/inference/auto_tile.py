"""``--tile auto``: tiles sized from free accelerator memory, and a retry with smaller tiles on out-of-memory.

A window of ``s x s`` pixels costs about ``BYTES_PER_PIXEL`` bytes per pixel of activations at fp32 for the v2
generator (its widest layers hold 256 channels at a quarter of the resolution plus the skip tensors; half that
at fp16/bf16). The tile is the largest multiple of ``align`` whose window fits in ``FREE_FRACTION`` of the free
memory. When the device still runs out of memory, the caller's whole tiled run is retried with half the tile,
down to ``MIN_TILE``; nothing is written until a run succeeds, so no half-written file can remain.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import torch

BYTES_PER_PIXEL = 2048  # fp32 activations of one window pixel, a generous bound for v1/v2 (see module doc)
FREE_FRACTION = 0.6  # of the free memory one window may use; the rest is the model, allocator slack, output
MIN_TILE = 64
MAX_TILE = 4096
T = TypeVar("T")


def out_of_memory_errors() -> tuple[type[BaseException], ...]:
    """The exception types a device raises when it runs out of memory (torch.OutOfMemoryError where it exists)."""
    kinds: list[type[BaseException]] = []
    for owner, name in ((torch, "OutOfMemoryError"), (torch.cuda, "OutOfMemoryError")):
        kind = getattr(owner, name, None)
        if isinstance(kind, type) and kind not in kinds:
            kinds.append(kind)
    return tuple(kinds) or (RuntimeError,)


def free_device_bytes(device: torch.device) -> int | None:
    """Free memory on a CUDA ``device`` (torch.cuda.mem_get_info), or None for other devices."""
    if device.type != "cuda" or not torch.cuda.is_available():
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return int(free)


def tile_for_memory(free_bytes: int, overlap: int, bytes_per_pixel: float, align: int = 4) -> int:
    """Largest tile core (multiple of ``align``, within [MIN_TILE, MAX_TILE]) whose window fits the budget."""
    budget_pixels = FREE_FRACTION * free_bytes / bytes_per_pixel
    window = math.isqrt(max(int(budget_pixels), 0))
    tile = (window - 2 * overlap) // align * align
    return max(MIN_TILE, min(MAX_TILE, tile))


def auto_tile(device: torch.device, overlap: int, dtype: torch.dtype, fallback: int = 1024) -> int:
    """The ``--tile auto`` size on ``device``: from free CUDA memory, else ``fallback`` (CPU memory is larger
    and slower to exhaust than a GPU's; bounded tiles still cap the peak)."""
    free = free_device_bytes(device)
    if free is None:
        return fallback
    per_pixel = BYTES_PER_PIXEL * (0.5 if dtype in (torch.float16, torch.bfloat16) else 1.0)
    return tile_for_memory(free, overlap, per_pixel)


def with_oom_retry(run: Callable[[int], T], tile: int, on_retry: Callable[[int], None] | None = None) -> T:
    """``run(tile)``; on an out-of-memory error, empty the CUDA cache and retry with half the tile, down to
    MIN_TILE (then the error propagates). ``on_retry`` hears each new tile size."""
    errors = out_of_memory_errors()
    while True:
        try:
            return run(tile)
        except errors:
            if tile <= MIN_TILE:
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            tile = max(MIN_TILE, tile // 2)
            if on_retry is not None:
                on_retry(tile)
