"""Per-frame helpers of the video pipeline: a decoded frame with its timing, upright rotation, even sizes."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass
class DecodedFrame:
    """One decoded frame as RGB uint8 with the timing it is re-encoded with."""

    pts: int | None
    time_base: Fraction | None
    duration: int | None
    rgb: np.ndarray


def upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate decoded pixels so they look as a player would show them (rotation counter-clockwise degrees)."""
    if rotation == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))


def even(rgb: np.ndarray) -> np.ndarray:
    """Crop the last row/column of odd sizes: yuv420p needs even width and height."""
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]
