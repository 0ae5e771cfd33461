"""CartoonGAN/AnimeGAN edge smoothing, vectorised; pixel-for-pixel equal to the reference per-pixel loop.

Reference: resize BGR and gray to size x size, reflect-pad BGR by 2, Canny(gray, 100, 200), dilate with a 5x5
ones kernel, and at every dilated edge pixel replace each channel by the 5x5 Gaussian-weighted sum
(``getGaussianKernel(5, 0)`` outer itself) of the padded image, truncated to uint8.

OpenCV's 5-tap kernel for sigma <= 0 is the fixed table (1, 4, 6, 4, 1) / 16, so every product and partial sum
of the reference is an exact multiple of 1/256 in float64: the weighted sum is exact in any order and equals
``floor(integer_sum / 256)``. That is what is computed here for the whole image at once: the integer taps are
applied by OpenCV in float32, where every intermediate value is an integer below 2**24 and hence exact.
"""

from __future__ import annotations

import cv2
import numpy as np

from animegan.data.image_side import IMAGE_SIDE

KERNEL_SIZE = 5
CANNY_LOW, CANNY_HIGH = 100, 200


def integer_gaussian_taps(kernel_size: int = KERNEL_SIZE) -> tuple[np.ndarray, int]:
    """Integer taps and their scale such that ``getGaussianKernel(k, 0) == taps / scale`` exactly."""
    kernel = cv2.getGaussianKernel(kernel_size, 0).ravel()
    scale = 1 << (kernel_size - 1)
    taps = kernel * scale
    if not np.array_equal(taps, np.rint(taps)):
        raise ValueError(
            f"getGaussianKernel({kernel_size}, 0) is not a dyadic table; exact integer path unavailable"
        )
    return taps.astype(np.int32), scale


def dilated_edges(gray: np.ndarray) -> np.ndarray:
    """The dilated Canny edges of a uint8 grayscale image (uint8, nonzero on edges)."""
    edges = cv2.Canny(gray, CANNY_LOW, CANNY_HIGH)
    return cv2.dilate(edges, np.ones((KERNEL_SIZE, KERNEL_SIZE), np.uint8))


def edge_mask(gray: np.ndarray) -> np.ndarray:
    """Boolean mask of the dilated Canny edges of a uint8 grayscale image."""
    return dilated_edges(gray) != 0


def gaussian_truncated(bgr: np.ndarray) -> np.ndarray:
    """Every pixel's 5x5 Gaussian-weighted sum over the reflect-padded image, truncated to uint8."""
    taps, scale = integer_gaussian_taps()
    taps = taps.astype(np.float32)
    # BORDER_REFLECT_101 is numpy's "reflect" padding used by the reference. The integer sums S are exact in
    # float32 (below 2**24); floor(S / 256) is rounding S / 256 - 511/1024 to the nearest (all exact multiples
    # of 1/1024), which is what convertScaleAbs does in one pass.
    total = cv2.sepFilter2D(bgr, cv2.CV_32F, taps, taps, borderType=cv2.BORDER_REFLECT_101)
    divisor = scale * scale
    return cv2.convertScaleAbs(total, alpha=1.0 / divisor, beta=-0.5 + 0.5 / (2 * divisor))


def edge_smooth(bgr: np.ndarray, gray: np.ndarray, size: int = IMAGE_SIDE) -> np.ndarray:
    """The edge-smoothed BGR image at ``size`` x ``size`` from a BGR uint8 image and its grayscale version."""
    resized = cv2.resize(bgr, (size, size))
    out = resized.copy() if np.shares_memory(resized, bgr) else resized  # never the caller's array
    cv2.copyTo(gaussian_truncated(resized), dilated_edges(cv2.resize(gray, (size, size))), out)
    return out
