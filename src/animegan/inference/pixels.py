"""Pixels in and out of the generators: RGB uint8 frames <-> float NCHW in [-1, 1], and the padding of a batch
to the network's size multiple (read by ``Stylizer`` and ``OnnxStylizer``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from animegan.inference.frame_padding import MIN_SIDE, pad_mode, padded_side
from animegan.inference.tiling import ALIGN
from animegan.pixel_scale import to_byte, to_unit

__all__ = ["MIN_SIDE", "pad_to_multiple", "to_tensor", "to_uint8"]


def to_tensor(frames: Sequence[np.ndarray]) -> torch.Tensor:
    """RGB uint8 HxWx3 frames of one size -> float NCHW in [-1, 1]."""
    batch = torch.from_numpy(np.ascontiguousarray(np.stack(frames)))
    return to_unit(batch.permute(0, 3, 1, 2))


def to_uint8(x: torch.Tensor, rounded: bool = True) -> np.ndarray:
    """Float NCHW in [-1, 1] -> uint8 NHWC (rounded, or truncated: see ``pixel_scale.to_byte``)."""
    return to_byte(x, rounded).permute(0, 2, 3, 1).cpu().numpy()


def pad_to_multiple(x: torch.Tensor, multiple: int = ALIGN, min_side: int = MIN_SIDE) -> torch.Tensor:
    """Pad bottom/right to a multiple of ``multiple`` (and at least ``min_side``): ``frame_padding``'s rule."""
    h, w = x.shape[-2:]
    pad_h, pad_w = padded_side(h, multiple, min_side) - h, padded_side(w, multiple, min_side) - w
    if pad_h == 0 and pad_w == 0:
        return x
    return F.pad(x, (0, pad_w, 0, pad_h), mode=pad_mode(h, w, pad_h, pad_w))
