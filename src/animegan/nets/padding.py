"""Reflect padding that keeps its input's dtype under autocast.

CPU autocast runs ``reflection_pad2d`` in float32: a bf16 activation is widened before the pad and narrowed again
by the conv after it, in the forward and the backward pass. Padding copies values, so padding in the input's own
dtype gives the conv exactly the values it would get otherwise, without the two conversions (measured in
``benchmarks/bench_train.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def reflect_pad(x: torch.Tensor, padding: Sequence[int]) -> torch.Tensor:
    """``F.pad(x, padding, mode="reflect")`` in ``x``'s dtype: under autocast, the pad runs with autocast off
    (outside autocast, as in exports, it is the plain op)."""
    if not torch.is_autocast_enabled(x.device.type):
        return F.pad(x, tuple(padding), mode="reflect")
    with torch.autocast(x.device.type, enabled=False):
        return F.pad(x, tuple(padding), mode="reflect")


class ReflectionPad(nn.ReflectionPad2d):
    """``nn.ReflectionPad2d`` that keeps its input's dtype under autocast (see :func:`reflect_pad`)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return reflect_pad(x, self.padding)
