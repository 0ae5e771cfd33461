"""The reference ``edge_smooth.py`` (CartoonGAN / AnimeGAN ``tools/edge_smooth.py``), re-implemented step by step
for tests: cv2.imread colour and grayscale, cv2.resize, the per-pixel Gaussian loop, cv2.imwrite."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def reference_smooth(bgr: np.ndarray, gray: np.ndarray, size: int) -> np.ndarray:
    """One Python iteration per dilated edge pixel and channel, as the reference script does."""
    kernel_size = 5
    gauss = cv2.getGaussianKernel(kernel_size, 0)
    gauss = gauss * gauss.transpose(1, 0)
    bgr_img = cv2.resize(bgr, (size, size))
    pad_img = np.pad(bgr_img, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    gray_img = cv2.resize(gray, (size, size))
    dilation = cv2.dilate(cv2.Canny(gray_img, 100, 200), np.ones((kernel_size, kernel_size), np.uint8))
    out = np.copy(bgr_img)
    rows, cols = np.where(dilation != 0)
    for y, x in zip(rows, cols, strict=True):
        for c in range(3):
            out[y, x, c] = np.sum(np.multiply(pad_img[y : y + kernel_size, x : x + kernel_size, c], gauss))
    return out


def reference_file(source: Path, target: Path, size: int) -> Path:
    """The reference's whole path for one file: both reads, the loop, cv2.imwrite under the same name."""
    bgr = cv2.imread(str(source))
    gray = cv2.imread(str(source), cv2.IMREAD_GRAYSCALE)
    target.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(target), reference_smooth(bgr, gray, size))
    return target
