"""The generators' pixel scale: uint8 values 0..255 <-> float in [-1, 1], written once for every room.

``to_unit`` is ``x / 127.5 - 1``; ``to_byte`` is ``(x + 1) * 127.5`` rounded (half to even) or truncated (the TF
reference's ``uint8(clip(...))``, for v3's training targets), clipped to 0..255. Both keep the tensor's layout
and device; ``inference.pixels`` wraps them for RGB frames (HxWx3 uint8 <-> NCHW).
"""

from __future__ import annotations

import torch

SCALE = 127.5  # half of 255: [-1, 1] spans 0..255


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """Values 0..255 (uint8 or float, any layout) -> a new float32 tensor in [-1, 1]."""
    return x.float().div(SCALE).sub_(1.0)


def to_byte(x: torch.Tensor, rounded: bool = True) -> torch.Tensor:
    """Float in [-1, 1] (any layout, gradients dropped) -> uint8 0..255, rounded or else truncated."""
    x = x.detach().float().add(1.0).mul_(SCALE)
    if rounded:
        x = x.round_()
    return x.clamp_(0, 255).to(torch.uint8)
