"""The generators' input frames, torch-free: what a frame must be, and the padding rule: bottom/right up to the network's size multiple and at least
``MIN_SIDE``, by reflection, or by replication where the image is too small to reflect.

``pixels.pad_to_multiple`` (torch), ``OnnxStylizer`` and the warm start (``runtimes.warm_start``, NumPy) all
read it, so every runtime pads an image the same way.
"""

from __future__ import annotations

import numpy as np

MIN_SIDE = 16  # smaller inputs are padded up to this: the net needs a few pixels after two downsamples


def check_frame(rgb: np.ndarray) -> None:
    """ValueError (one line) unless ``rgb`` is an RGB uint8 image of shape (H, W, 3)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 array of shape (H, W, 3), got {rgb.dtype} {rgb.shape}")


def padded_side(side: int, multiple: int, min_side: int = MIN_SIDE) -> int:
    """``side`` rounded up to a multiple of ``multiple``, and at least ``min_side``."""
    return max(min_side, -(-side // multiple) * multiple)


def pad_mode(h: int, w: int, pad_h: int, pad_w: int) -> str:
    """``reflect`` where each pad is shorter than its side (reflection needs that), else ``replicate``."""
    return "reflect" if pad_h < h and pad_w < w else "replicate"


def pad_frames(frames: np.ndarray, multiple: int, min_side: int = MIN_SIDE) -> np.ndarray:
    """N x H x W x C frames padded bottom/right by the rule above (the same values as ``pad_to_multiple``)."""
    h, w = frames.shape[1:3]
    pad_h, pad_w = padded_side(h, multiple, min_side) - h, padded_side(w, multiple, min_side) - w
    if pad_h == 0 and pad_w == 0:
        return frames
    mode = "reflect" if pad_mode(h, w, pad_h, pad_w) == "reflect" else "edge"
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode=mode)
