"""The generators' pixel scale: uint8 values 0..255 <-> float in [-1, 1], written once for every room.

``to_unit`` is ``x / 127.5 - 1``; ``to_byte`` is ``(x + 1) * 127.5`` rounded (half to even) or truncated (the TF
reference's ``uint8(clip(...))``, for v3's training targets), clipped to 0..255. Both keep the layout and take
torch tensors (the device kept) or NumPy arrays (the warm start's torch-free path, ``runtimes.warm_start``):
the same float32 operations in the same order, so both give the same bits. No torch import here.
``inference.pixels`` wraps them for RGB frames (HxWx3 uint8 <-> NCHW).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    import torch

SCALE = 127.5  # half of 255: [-1, 1] spans 0..255
Pixels = TypeVar("Pixels", "torch.Tensor", np.ndarray)


def to_unit(x: Pixels) -> Pixels:
    """Values 0..255 (uint8 or float, any layout) -> a new float32 tensor or array in [-1, 1]."""
    if isinstance(x, np.ndarray):
        unit = x.astype(np.float32)  # a copy: the input is never changed
        unit /= np.float32(SCALE)
        unit -= np.float32(1.0)
        return unit
    return x.float().div(SCALE).sub_(1.0)


def to_byte(x: Pixels, rounded: bool = True) -> Pixels:
    """Float in [-1, 1] (any layout, gradients dropped) -> uint8 0..255, rounded or else truncated."""
    if isinstance(x, np.ndarray):
        scaled = x.astype(np.float32)
        scaled += np.float32(1.0)
        scaled *= np.float32(SCALE)
        if rounded:
            np.rint(scaled, out=scaled)  # half to even, as torch.round
        return np.clip(scaled, 0, 255, out=scaled).astype(np.uint8)
    x = x.detach().float().add(1.0).mul_(SCALE)
    if rounded:
        x = x.round_()
    return x.clamp_(0, 255).byte()  # uint8
