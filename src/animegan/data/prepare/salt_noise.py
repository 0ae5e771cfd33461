"""Salt noise on the edge-smoothed style images (AnimeGANv3 Shinkai's ``smooth_noise/`` set).

As ``get_saltNoise.py`` does it: ``int(prob * H * W)`` positions drawn with replacement, rows in [1, H-2] and
columns in [1, W-2], each set to white (no pepper). The reference draws without a seed; here each image has its
own seed, so a re-run writes the same files.
"""

from __future__ import annotations

import zlib

import numpy as np

SALT_PROBABILITY = 0.1  # the value the reference used (its function default is 0.4)


def salt_noise(rgb: np.ndarray, probability: float, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``rgb`` (H, W, 3 uint8) with ``int(probability * H * W)`` interior pixels set to white."""
    height, width = rgb.shape[:2]
    count = int(probability * height * width)
    rows = rng.integers(1, height - 1, count)
    cols = rng.integers(1, width - 1, count)
    out = rgb.copy()
    out[rows, cols] = 255
    return out


def image_seed(name: str, seed: int) -> list[int]:
    """A per-image seed from the file name and a global seed (stable across runs and machines)."""
    return [seed, zlib.crc32(name.encode())]
