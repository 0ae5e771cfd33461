"""Colour keeping and strength: what the stylized image keeps of the photo (no torch here).

``keep_colors``: the stylized image's luma with the photo's chroma (YCbCr, BT.601), so the drawing style stays
and the colours are the photo's. ``strength`` in [0, 1] blends the photo (0) and the stylization (1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_STRENGTH = 1.0  # the plain stylization


def check_strength(value: float) -> float:
    """``value`` if it is a number in [0, 1]; ValueError with one line otherwise."""
    if not 0.0 <= value <= FULL_STRENGTH:  # also refuses NaN
        raise ValueError(f"strength {value}: expected a number from 0 (the photo) to 1 (full style)")
    return float(value)


def keep_chroma(original: np.ndarray, stylized: np.ndarray) -> np.ndarray:
    """RGB uint8 with the luma of ``stylized`` and the chroma (Cb, Cr) of ``original`` (same shapes)."""
    import cv2

    ycrcb = cv2.cvtColor(stylized, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 1:] = cv2.cvtColor(original, cv2.COLOR_RGB2YCrCb)[..., 1:]
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


def blend(original: np.ndarray, stylized: np.ndarray, strength: float) -> np.ndarray:
    """``(1 - strength) * original + strength * stylized``, rounded to uint8."""
    import cv2

    return cv2.addWeighted(original, 1.0 - strength, stylized, strength, 0.0)


@dataclass(frozen=True)
class ColorAdjust:
    """A per-image (per-frame) step ``(photo, stylized) -> result``: keep the photo's colours, then blend.

    Python API: ``ColorAdjust(strength=0.6, keep_colors=True)(photo, stylizer(photo))``.
    """

    strength: float = FULL_STRENGTH
    keep_colors: bool = False

    def __post_init__(self) -> None:
        check_strength(self.strength)

    @property
    def is_identity(self) -> bool:
        """True when the stylized image is returned unchanged."""
        return self.strength == FULL_STRENGTH and not self.keep_colors

    def __call__(self, original: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        if original.shape != stylized.shape:
            raise ValueError(f"photo {original.shape} and stylized {stylized.shape} differ in shape")
        result = keep_chroma(original, stylized) if self.keep_colors else stylized
        if self.strength != FULL_STRENGTH:
            result = blend(original, result, self.strength)
        return result
