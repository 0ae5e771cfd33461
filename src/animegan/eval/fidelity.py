"""How faithfully a stylization keeps a photo: PSNR (RGB and luma) and the mean chroma error, on a 0-255 scale.

The colour space is OpenCV's BT.601 YCrCb (``cv2.COLOR_RGB2YCrCb``) computed in float, so nothing is rounded:
luma Y in 0-255, chroma Cr and Cb in 0-255 around 128. The chroma error of a pair is the mean over pixels of the
Euclidean distance between their (Cr, Cb) values: 0 for the same colours, whatever the luma does.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

PEAK = 255.0


def _pair(reference: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both images as float32 (H, W, 3) RGB on 0-255; they must have the same shape."""
    if reference.shape != image.shape or reference.ndim != 3 or reference.shape[2] != 3:
        raise ValueError(
            f"expected two RGB images of the same shape (H, W, 3), got {reference.shape} and {image.shape}"
        )
    return reference.astype(np.float32), image.astype(np.float32)


def ycrcb(rgb: np.ndarray) -> np.ndarray:
    """RGB (0-255, any dtype) -> float32 YCrCb on 0-255 (OpenCV's BT.601 conversion, unrounded)."""
    unit = np.ascontiguousarray(rgb, dtype=np.float32) / PEAK
    return cv2.cvtColor(unit, cv2.COLOR_RGB2YCrCb) * PEAK


def psnr_of(mse: float) -> float:
    """PSNR in dB for a mean squared error on the 0-255 scale (inf when the images are equal)."""
    return float("inf") if mse <= 0 else float(10.0 * np.log10(PEAK**2 / mse))


def psnr(reference: np.ndarray, image: np.ndarray) -> float:
    """PSNR in dB over the three RGB channels (0-255)."""
    a, b = _pair(reference, image)
    return psnr_of(float(np.mean((a - b) ** 2)))


def luma_psnr(reference: np.ndarray, image: np.ndarray) -> float:
    """PSNR in dB of the luma (Y of YCrCb) alone: the drawing, whatever the colours."""
    a, b = _pair(reference, image)
    return psnr_of(float(np.mean((ycrcb(a)[..., 0] - ycrcb(b)[..., 0]) ** 2)))


def chroma_error(reference: np.ndarray, image: np.ndarray) -> float:
    """Mean Euclidean distance of the (Cr, Cb) chroma per pixel, 0-255 scale: the colours, whatever the luma."""
    a, b = _pair(reference, image)
    difference = ycrcb(a)[..., 1:] - ycrcb(b)[..., 1:]
    return float(np.mean(np.sqrt(np.sum(difference**2, axis=-1))))


def fidelity(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Mean PSNR, luma PSNR and chroma error over (photo, stylized) pairs; the PSNRs from the mean MSE."""
    rgb_mse, luma_mse, chroma, count = 0.0, 0.0, 0.0, 0
    for reference, image in pairs:
        a, b = _pair(reference, image)
        rgb_mse += float(np.mean((a - b) ** 2))
        luma_mse += float(np.mean((ycrcb(a)[..., 0] - ycrcb(b)[..., 0]) ** 2))
        chroma += chroma_error(a, b)
        count += 1
    if count == 0:
        raise ValueError("fidelity needs at least one (photo, stylized) pair")
    return {
        "psnr": psnr_of(rgb_mse / count),
        "luma_psnr": psnr_of(luma_mse / count),
        "chroma_error": chroma / count,
        "images": count,
    }
