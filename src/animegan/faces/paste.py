"""Faces stylized with a face model and pasted back into the whole-frame stylization.

For each face: FFHQ-align the original, stylize the aligned crop with the face model, warp it back with the
inverse transform and blend it in through a feathered ellipse. Pixels outside the ellipse are exactly the
whole-frame stylization. In video mode faces are tracked between detections and their landmarks smoothed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter

import cv2
import numpy as np

from animegan.errors import AnimeGANError, InputError
from animegan.faces.align import DEFAULT_EXPAND, AlignedFace, align_face
from animegan.faces.detect import Face, FaceDetector
from animegan.faces.track import FaceTracker, TrackingOptions

STAGES = ("detect", "track", "landmarks", "align", "face_model", "paste")


@dataclass
class PasteOptions:
    """Numbers of the face path. Mask geometry is in fractions of the aligned crop's side."""

    size: int = 512
    expand: float = DEFAULT_EXPAND
    min_face_px: int = 64
    upsample: int = 1
    min_score: float = 0.3
    detect_max_side: int | None = 2560  # stills: faces of 64 px are still found in 4K pictures
    video_detect_max_side: int | None = 1280  # video: faster; faces from ~40 px at 1280 px wide
    mask_center: tuple[float, float] = (0.5, 0.56)
    mask_radii: tuple[float, float] = (0.31, 0.38)
    feather: float = 0.3  # fraction of the radius over which the mask fades from 1 to 0
    tracking: TrackingOptions = field(default_factory=TrackingOptions)


@dataclass
class PastedFace:
    """What was done with one face of a frame."""

    face: Face
    aligned: AlignedFace


class StageTimes:
    """Seconds per stage, accumulated over frames (``per_frame`` gives averages, ``last`` the latest frame)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.frames = 0
        self.last: dict[str, float] = {}

    def add(self, times: dict[str, float]) -> None:
        self.frames += 1
        self.last = dict(times)
        for name, seconds in times.items():
            self.total[name] += seconds

    def per_frame(self) -> dict[str, float]:
        """Mean seconds per frame for every stage seen, plus ``total``."""
        n = max(self.frames, 1)
        means = {name: self.total[name] / n for name in STAGES if name in self.total}
        means["total"] = sum(means.values())
        return means

    def summary(self) -> str:
        """One line: frames, seconds per frame, and the split by stage."""
        means = self.per_frame()
        split = ", ".join(f"{k} {v:.3f}" for k, v in means.items() if k != "total")
        return f"faces: {self.frames} frame(s), {means['total']:.3f} s/frame ({split})"


def feathered_ellipse(
    size: int, center: tuple[float, float], radii: tuple[float, float], feather: float
) -> np.ndarray:
    """(size, size) float32 mask: 1 inside, smooth fall-off over ``feather`` of the radius, exactly 0 outside."""
    coords = (np.arange(size, dtype=np.float64) + 0.5) / size
    dx = (coords[None, :] - center[0]) / radii[0]
    dy = (coords[:, None] - center[1]) / radii[1]
    distance = np.sqrt(dx * dx + dy * dy)
    t = np.clip((1.0 - distance) / feather, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def paste_face(canvas: np.ndarray, face: np.ndarray, mask: np.ndarray, aligned: AlignedFace) -> None:
    """Blend the stylized crop ``face`` into ``canvas`` (in place) through ``mask``, warped by ``aligned.forward``."""
    size = face.shape[0]
    h, w = canvas.shape[:2]
    corners = aligned.to_image(np.array([[-1, -1], [size, -1], [size, size], [-1, size]], dtype=np.float64))
    x0, y0 = (max(int(np.floor(v)), 0) for v in corners.min(axis=0))
    x1, y1 = min(int(np.ceil(corners[:, 0].max())) + 1, w), min(int(np.ceil(corners[:, 1].max())) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return
    region_to_crop = aligned.forward @ np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
    warp = {
        "M": region_to_crop[:2],
        "dsize": (x1 - x0, y1 - y0),
        "flags": cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        "borderMode": cv2.BORDER_CONSTANT,
        "borderValue": 0,
    }
    alpha = cv2.warpAffine(mask, **warp)[..., None]
    covered = alpha[..., 0] > 0
    if not covered.any():
        return
    styled = cv2.warpAffine(face.astype(np.float32), **warp)
    region = canvas[y0:y1, x0:x1]
    blended = region.astype(np.float32)
    blended += alpha * (styled - blended)
    region[covered] = np.clip(np.rint(blended[covered]), 0, 255).astype(np.uint8)


class FacePaster:
    """``paster(original_rgb, stylized_rgb) -> (out_rgb, notes)``: faces stylized by ``face_stylizer``, pasted back.

    ``face_stylizer``: any callable RGB uint8 (S, S, 3) -> RGB uint8 (S, S, 3), e.g. a ``Stylizer``.
    ``detector``: "hog", "cnn" or a ready ``FaceDetector``. ``video``: track faces between frames.
    ``timings`` holds seconds per stage and frame; ``last_faces`` the faces pasted into the latest frame.
    """

    def __init__(
        self,
        face_stylizer: Callable[[np.ndarray], np.ndarray],
        detector: str | FaceDetector = "hog",
        video: bool = False,
        options: PasteOptions | None = None,
    ) -> None:
        self.options = options or PasteOptions()
        opts = self.options
        self.face_stylizer = face_stylizer
        max_side = opts.video_detect_max_side if video else opts.detect_max_side
        self.detector = (
            detector
            if isinstance(detector, FaceDetector)
            else FaceDetector(detector, opts.upsample, opts.min_score, max_side)
        )
        self.tracker = FaceTracker(self.detector, opts.tracking) if video else None
        self.mask = feathered_ellipse(opts.size, opts.mask_center, opts.mask_radii, opts.feather)
        self.timings = StageTimes()
        self.last_faces: list[PastedFace] = []

    def find_faces(self, rgb: np.ndarray, times: dict[str, float]) -> list[Face]:
        """Faces of this picture (video: tracked and smoothed)."""
        if self.tracker is not None:
            return self.tracker.update(rgb, times)
        start = perf_counter()
        boxes = self.detector.detect(rgb)
        times["detect"] = perf_counter() - start
        start = perf_counter()
        faces = [Face(box, self.detector.landmarks(rgb, box)) for box in boxes]
        times["landmarks"] = perf_counter() - start
        return faces

    def __call__(self, original: np.ndarray, stylized: np.ndarray) -> tuple[np.ndarray, list[str]]:
        if original.shape != stylized.shape or original.ndim != 3 or original.shape[2] != 3:
            raise InputError(
                f"face paste needs two RGB pictures of one size, got {original.shape} and {stylized.shape}"
            )
        if original.dtype != np.uint8 or stylized.dtype != np.uint8:
            raise InputError(f"face paste needs uint8 pictures, got {original.dtype} and {stylized.dtype}")
        original = np.ascontiguousarray(original)
        opts = self.options
        times: dict[str, float] = defaultdict(float)
        faces = self.find_faces(original, times)
        out = stylized.copy()
        notes = [] if faces else ["no face found"]
        self.last_faces = []
        for face in faces:
            if face.box.size < opts.min_face_px:
                notes.append(f"skipped a face of {face.box.size:.0f} px (< {opts.min_face_px} px)")
                continue
            start = perf_counter()
            aligned = align_face(original, face.landmarks, opts.size, opts.expand)
            times["align"] += perf_counter() - start
            start = perf_counter()
            styled = np.asarray(self.face_stylizer(aligned.crop))
            times["face_model"] += perf_counter() - start
            if styled.shape != aligned.crop.shape:
                raise AnimeGANError(
                    f"the face model returned {styled.shape} for a {aligned.crop.shape} crop; expected the same size"
                )
            start = perf_counter()
            paste_face(out, styled, self.mask, aligned)
            times["paste"] += perf_counter() - start
            self.last_faces.append(PastedFace(face, aligned))
        self.timings.add(times)
        return out, notes
