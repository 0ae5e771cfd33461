"""A classical cartoon filter (no learning): flat colours by bilateral smoothing and k-means, dark outlines."""

from __future__ import annotations

import cv2
import numpy as np


def kmeans_palette(pixels: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 8) -> np.ndarray:
    """k colour centres (float32, (k, 3)) of ``pixels`` (N, 3) by Lloyd's algorithm from random pixels."""
    sample = pixels[rng.choice(len(pixels), size=min(len(pixels), 4096), replace=False)].astype(np.float32)
    centres = sample[rng.choice(len(sample), size=k, replace=False)].copy()
    for _ in range(iterations):
        labels = np.argmin(((sample[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for j in range(k):
            members = sample[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    return centres


def quantise(rgb: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Replace every pixel by its nearest centre."""
    flat = rgb.reshape(-1, 3).astype(np.float32)
    labels = np.argmin(((flat[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    return np.clip(np.rint(centres[labels]), 0, 255).astype(np.uint8).reshape(rgb.shape)


def outlines(rgb: np.ndarray) -> np.ndarray:
    """Boolean mask of dark outline pixels (adaptive threshold of the median-blurred luminance)."""
    gray = cv2.medianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), 5)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 7) == 0


def cartoonize(rgb: np.ndarray, rng: np.random.Generator, colours: int = 10) -> np.ndarray:
    """Flat, saturated colours with dark outlines, from an RGB uint8 photo."""
    smooth = rgb
    for _ in range(3):
        smooth = cv2.bilateralFilter(smooth, 7, 40, 7)
    hsv = cv2.cvtColor(smooth, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 1] = np.minimum(hsv[..., 1] * 1.35, 255)
    hsv[..., 2] = np.minimum(hsv[..., 2] * 1.08 + 6, 255)
    vivid = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    flat = quantise(vivid, kmeans_palette(vivid.reshape(-1, 3), colours, rng))
    flat[outlines(rgb)] = (28, 22, 30)
    return flat
