"""Short synthetic clips for tests and benchmarks (moving pattern, static noisy scene, camera motion over a
photo, rotation metadata), written by the demo's clip writer ``animegan.data.demo.clip.write_clip``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from animegan.data.demo.clip import pattern, write_clip


def pan_zoom(
    photo: np.ndarray, size: tuple[int, int], frames: int, pan: float = 0.15, zoom: float = 1.3
) -> Callable[[int], np.ndarray]:
    """Frame index -> a ``size`` (width, height) view of RGB ``photo`` that pans right by ``pan`` of its width and
    zooms in by ``zoom`` over ``frames`` frames (bilinear, sub-pixel): a clip with real, smooth camera motion."""
    import cv2

    width, height = size
    ph, pw = photo.shape[:2]
    base = min(pw / width, ph / height) * (1 - pan)  # source pixels per output pixel at the start

    def frame(index: int) -> np.ndarray:
        t = index / max(1, frames - 1)
        k = base / (1 + (zoom - 1) * t)
        cx, cy = pw * (0.5 - pan / 2 + pan * t), ph / 2
        to_photo = np.array([[k, 0, cx - k * width / 2], [0, k, cy - k * height / 2]], np.float32)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(photo, to_photo, (width, height), flags=flags, borderMode=cv2.BORDER_REFLECT)

    return frame


def make_test_video(
    path: str | Path,
    frames: int = 24,
    fps: int = 12,
    size: tuple[int, int] = (64, 48),
    with_audio: bool = True,
    static: bool = False,
    noise: float = 0.0,
    rotation: int = 0,
    seed: int = 0,
    source: Callable[[int], np.ndarray] | None = None,
) -> Path:
    """Write a short synthetic clip (moving pattern, or a static scene with sensor noise) with a 440 Hz sine track.

    ``size`` is (width, height); ``rotation`` (degrees) is stored as display rotation metadata; ``source``
    (frame index -> RGB uint8 of ``size``, e.g. ``pan_zoom``) replaces the pattern.
    """
    width, height = size
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)

    def frame_at(index: int) -> np.ndarray:
        shift = 0 if static else 3 * index
        base = source(index).astype(np.float32) if source else pattern(xs, ys, shift)
        return base + rng.normal(0, noise, base.shape) if noise else base

    return write_clip(path, frame_at, frames, fps, size, with_audio=with_audio, rotation=rotation)
