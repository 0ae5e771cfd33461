"""The data-mean shift of a style set (AnimeGAN 2020 / early v2): remove the colour cast of a film.

Reference definition: per-channel means over all style images (each image's mean, averaged over images),
overall mean ``m = (B + G + R) / 3``, shift ``(m - B, m - G, m - R)``, added in float (before scaling, no clipping)
to the colour style and smooth images, not to the grayscale ones. Stored here in RGB order as well.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def channel_mean_rgb(rgb: np.ndarray) -> list[float]:
    """Mean of each channel of an RGB uint8 image (H, W, 3), as float64."""
    return rgb.reshape(-1, 3).mean(axis=0, dtype=np.float64).tolist()


def mean_shift(per_image_means_rgb: Sequence[Sequence[float]]) -> dict[str, list[float]]:
    """Average the per-image channel means and return the shift (RGB and BGR order) with the channel means."""
    if not per_image_means_rgb:
        raise ValueError("the data mean needs at least one image")
    means = np.mean(np.asarray(per_image_means_rgb, dtype=np.float64), axis=0)
    shift = means.mean() - means
    return {
        "channel_mean_rgb": means.tolist(),
        "mean_shift_rgb": shift.tolist(),
        "mean_shift_bgr": shift[::-1].tolist(),
    }
