"""Choosing style frames from anime video: shot cuts, black/fade frames, letterbox bars, square crops, sharpness,
near-duplicates. Pure numpy/OpenCV on RGB uint8 frames (the decoding lives in ``animegan.frames.style_frames``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import cv2
import numpy as np

from animegan.frames.options import FITS


class ShotDetector:
    """Content-based cut detection (PySceneDetect's ContentDetector formula): the mean absolute difference of
    hue, saturation and value between consecutive frames, averaged over the three channels; a cut where it reaches
    ``threshold`` and the current shot is at least ``min_frames`` long."""

    def __init__(self, threshold: float, min_frames: int) -> None:
        self.threshold, self.min_frames = threshold, min_frames
        self._previous: np.ndarray | None = None
        self._length = 0

    @staticmethod
    def score(previous_hsv: np.ndarray, hsv: np.ndarray) -> float:
        """Content change between two HSV uint8 frames (0: identical; about 60-120 across a cut)."""
        delta = np.abs(hsv.astype(np.int16) - previous_hsv.astype(np.int16))
        return float(delta.reshape(-1, 3).mean(axis=0).mean())

    def is_cut(self, small_rgb: np.ndarray) -> bool:
        """Feed the next (downscaled) frame; True when it starts a new shot."""
        hsv = cv2.cvtColor(small_rgb, cv2.COLOR_RGB2HSV)
        previous, self._previous = self._previous, hsv
        self._length += 1
        if previous is None or self._length < self.min_frames:
            return False
        if self.score(previous, hsv) >= self.threshold:
            self._length = 0
            return True
        return False


def luma(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def is_blank(rgb: np.ndarray, black_level: float = 24.0, min_contrast: float = 8.0) -> bool:
    """True for black frames, frames fading to/from black (dark) and flat frames (no contrast)."""
    gray = luma(rgb)
    return float(gray.mean()) < black_level or float(gray.std()) < min_contrast


def _bar(dark: np.ndarray) -> int:
    """How many leading entries of ``dark`` are True."""
    return int(np.argmin(dark)) if not dark.all() else len(dark)


def letterbox(rgb: np.ndarray, bar_level: int = 24) -> tuple[int, int]:
    """(rows, columns) of black bars on each side: letterbox top/bottom, pillarbox left/right.

    A bar is a run of rows (columns) at both edges whose every pixel is darker than ``bar_level``; the smaller of
    the two edges counts, so a dark sky at the top of a scene is not taken for a bar. Bars of 2 pixels or less, or
    of a third of the frame or more (a dark frame, not a bar), count as none.
    """
    gray = luma(rgb)

    def both_edges(dark: np.ndarray) -> int:
        bar = min(_bar(dark), _bar(dark[::-1]))
        return bar if 2 < bar < len(dark) / 3 else 0

    return both_edges(gray.max(axis=1) < bar_level), both_edges(gray.max(axis=0) < bar_level)


def without_bars(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` with its letterbox/pillarbox bars cut off."""
    rows, cols = letterbox(rgb)
    h, w = rgb.shape[:2]
    return rgb[rows : h - rows, cols : w - cols]


def to_square(rgb: np.ndarray, size: int, fit: str = "crop") -> np.ndarray:
    """``size`` x ``size``: the centred square resized (``crop``) or the whole frame squeezed (``resize``)."""
    if fit not in FITS:
        raise ValueError(f"fit {fit!r}: expected one of {', '.join(FITS)}")
    h, w = rgb.shape[:2]
    if fit == "crop":
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        rgb = rgb[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if min(rgb.shape[:2]) >= size else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(rgb), (size, size), interpolation=interpolation)


def sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian of the luma: low for blurred (motion, focus pulls) frames."""
    return float(cv2.Laplacian(luma(rgb), cv2.CV_64F).var())


@dataclass(order=True)
class Candidate:
    """A frame that may be kept: ranked by sharpness; its index names the output file."""

    sharpness: float
    index: int
    rgb: np.ndarray = field(compare=False)


class ShotBest:
    """The ``keep`` sharpest candidates of the current shot (a bounded heap: memory stays ``keep`` frames)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._heap: list[Candidate] = []

    def offer(self, candidate: Candidate) -> None:
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, candidate)
        elif candidate > self._heap[0]:
            heapq.heapreplace(self._heap, candidate)

    def take(self) -> list[Candidate]:
        """The kept candidates in time order; the shot starts empty again."""
        chosen, self._heap = sorted(self._heap, key=lambda c: c.index), []
        return chosen


class NearDuplicates:
    """Perceptual hashes (pHash) of the frames kept so far; a frame within ``distance`` bits is a duplicate."""

    def __init__(self, distance: int) -> None:
        self.distance = distance
        self._hashes: list = []

    @staticmethod
    def hash_of(rgb: np.ndarray):
        import imagehash
        from PIL import Image

        return imagehash.phash(Image.fromarray(rgb))

    def is_duplicate(self, rgb: np.ndarray) -> bool:
        """True if ``rgb`` looks like a kept frame; otherwise it is remembered and False is returned."""
        digest = self.hash_of(rgb)
        if any(digest - kept <= self.distance for kept in self._hashes):
            return True
        self._hashes.append(digest)
        return False

    def remember(self, rgb: np.ndarray) -> None:
        """Add a frame kept earlier (for example a file already in the style folder)."""
        self._hashes.append(self.hash_of(rgb))
