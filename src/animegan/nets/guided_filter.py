"""The self-guided filter AnimeGANv3 applies to its support output (He et al.'s fast box-filter form).

Per channel, the image is its own guide: for I in [0, 1], m = box(I), v = box(I^2) - m^2, a = v / (v + eps),
b = m - a m, out = box(a) I + box(b), with box the mean over the (2r+1)^2 window truncated at the borders.
``avg_pool2d(..., count_include_pad=False)`` is exactly that truncated mean.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from animegan.nets.lade import at_least_float32

RADIUS = 2
EPS = 0.01  # 0.1 ** 2 (the reference's comment "0.25**2" does not match the value it uses)


def box_mean(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean of each (2r+1) x (2r+1) window, over the pixels of the window that lie inside the image."""
    return F.avg_pool2d(x, 2 * radius + 1, stride=1, padding=radius, count_include_pad=False)


def guided_filter(image: torch.Tensor, radius: int = RADIUS, eps: float = EPS) -> torch.Tensor:
    """Self-guided filter of images in [0, 1] (NCHW, each channel its own guide), computed in at least float32."""
    i = at_least_float32(image)
    mean = box_mean(i, radius)
    var = box_mean(i * i, radius) - mean * mean
    slope = var / (var + eps)
    offset = mean - slope * mean
    return box_mean(slope, radius) * i + box_mean(offset, radius)


def filter_tanh_output(image: torch.Tensor, radius: int = RADIUS, eps: float = EPS) -> torch.Tensor:
    """Gs^ = T(GF(S(Gs))): a tanh output in [-1, 1] mapped to [0, 1], filtered, mapped back (both clipped)."""
    unit = ((at_least_float32(image) + 1.0) / 2.0).clamp(0.0, 1.0)
    return (2.0 * guided_filter(unit, radius, eps) - 1.0).clamp(-1.0, 1.0).to(image.dtype)
