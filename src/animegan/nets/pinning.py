"""Whole-image statistics that tiled inference records once and pins for every tile.

LADE normalises with per-image channel statistics and external attention normalises its softmax over all the
positions of the image: computed per tile, each tile would get its own and the tiles would not match. Modules
that derive from :class:`PinnableStatistics` route each such statistic through :meth:`statistic`; tiling sets
``pin_mode = "record"`` for a pass on a downscaled copy of the whole image, then ``"pinned"`` for the tiles.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

PIN_MODES = (None, "record", "pinned")


class PinnableStatistics(nn.Module):
    """A module whose output depends on statistics of the whole image (recorded or pinned on request)."""

    def __init__(self) -> None:
        super().__init__()
        self.pin_mode: str | None = None  # None: computed from the input, as usual
        self.pinned: dict[str, torch.Tensor] = {}

    def statistic(self, name: str, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
        """``compute()``, kept under ``name`` in record mode; the kept value in pinned mode."""
        if self.pin_mode == "pinned":
            return self.pinned[name]
        value = compute()
        if self.pin_mode == "record":
            self.pinned[name] = value.detach()
        return value

    def set_pin_mode(self, mode: str | None) -> None:
        """Switch between computing (None), recording and using pinned statistics; None also forgets them."""
        if mode not in PIN_MODES:
            raise ValueError(f"unknown pin mode {mode!r}; expected one of {PIN_MODES}")
        self.pin_mode = mode
        if mode is None:
            self.pinned = {}
