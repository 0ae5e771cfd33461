"""Image preparation for training: crops, flips, grayscale, scaling to [-1, 1] (numpy in, torch out)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
import torch

from animegan.pixel_scale import to_unit


def cover_resize(rgb: np.ndarray, size: int) -> np.ndarray:
    """Resize up (keeping the aspect ratio) so both sides are at least ``size``; larger images are unchanged."""
    height, width = rgb.shape[:2]
    if min(height, width) >= size:
        return rgb
    scale = size / min(height, width)
    new_size = (max(size, math.ceil(width * scale)), max(size, math.ceil(height * scale)))
    return cv2.resize(rgb, new_size, interpolation=cv2.INTER_LINEAR)


def random_crop_flip(rgb: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``size`` x ``size`` crop (after resizing up if needed), mirrored with probability 1/2."""
    return random_crops_flips([rgb], size, rng)[0]


def random_crops_flips(images: Sequence[np.ndarray], size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The same random crop and flip of images of one size (a photo and its superpixel image)."""
    resized = [cover_resize(rgb, size) for rgb in images]
    height, width = resized[0].shape[:2]
    top = int(rng.integers(0, height - size + 1))
    left = int(rng.integers(0, width - size + 1))
    crops = [rgb[top : top + size, left : left + size] for rgb in resized]
    return [crop[:, ::-1] for crop in crops] if rng.random() < 0.5 else crops


def center_square(rgb: np.ndarray, size: int) -> np.ndarray:
    """Resize so the short side is ``size`` (up or down), then crop the centre square."""
    height, width = rgb.shape[:2]
    scale = size / min(height, width)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    if (new_w, new_h) != (width, height):
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        rgb = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return rgb[top : top + size, left : left + size]


def gray3(rgb: np.ndarray) -> np.ndarray:
    """Luminance (OpenCV's 0.299 R + 0.587 G + 0.114 B, uint8) copied to three channels."""
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return np.repeat(gray[..., None], 3, axis=2)


def to_tensor(image: np.ndarray, shift: Sequence[float] | None = None, clip: bool = True) -> torch.Tensor:
    """(H, W, 3) pixels -> float32 (3, H, W) in [-1, 1] as ``x / 127.5 - 1``, optionally shifted per channel first."""
    pixels = np.ascontiguousarray(image, dtype=np.float32)
    if shift is not None:
        pixels = pixels + np.asarray(shift, dtype=np.float32)
    tensor = to_unit(torch.from_numpy(pixels.transpose(2, 0, 1).copy()))
    return tensor.clamp_(-1.0, 1.0) if clip else tensor
