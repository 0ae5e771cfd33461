"""Face detection (dlib HOG or CNN) and 68-point landmarks, with models from ``face-recognition-models``.

The model files ship inside the PyPI package ``face-recognition-models``. Its ``__init__`` imports
``pkg_resources``, so the files are located through the import system without importing the package.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from animegan.errors import InputError, WeightsError

MODEL_PACKAGE = "face_recognition_models"
MODEL_DISTRIBUTION = "face-recognition-models"
LANDMARKS_MODEL = "shape_predictor_68_face_landmarks.dat"
CNN_MODEL = "mmod_human_face_detector.dat"
DETECTORS = ("hog", "cnn")


def model_file(name: str) -> Path:
    """Path of ``name`` inside the installed ``face_recognition_models`` package (which is not imported)."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    roots = list(spec.submodule_search_locations or []) if spec is not None else []
    for root in roots:
        path = Path(root) / "models" / name
        if path.is_file():
            return path
    where = f"in {roots[0]}/models" if roots else "(package not installed)"
    raise WeightsError(
        f"face model {name} not found {where}; install it with: pip install {MODEL_DISTRIBUTION}"
    )


@lru_cache(maxsize=1)
def hog_detector():
    """dlib's frontal face detector (HOG + linear SVM), loaded once per process."""
    import dlib

    return dlib.get_frontal_face_detector()


@lru_cache(maxsize=1)
def cnn_detector():
    """dlib's MMOD CNN face detector from ``face-recognition-models``, loaded once per process."""
    import dlib

    return dlib.cnn_face_detection_model_v1(str(model_file(CNN_MODEL)))


@lru_cache(maxsize=1)
def landmark_predictor():
    """dlib's 68-point shape predictor from ``face-recognition-models``, loaded once per process."""
    import dlib

    return dlib.shape_predictor(str(model_file(LANDMARKS_MODEL)))


@dataclass(frozen=True)
class Box:
    """A face box in pixel index coordinates (right/bottom exclusive, as dlib reports them) and its score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float = 0.0

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def size(self) -> float:
        """The larger side in pixels."""
        return max(self.width, self.height)

    @property
    def center(self) -> np.ndarray:
        return np.array([(self.left + self.right) / 2, (self.top + self.bottom) / 2])

    def scaled(self, factor: float) -> Box:
        """The box in an image resized by ``factor``."""
        return Box(
            self.left * factor, self.top * factor, self.right * factor, self.bottom * factor, self.score
        )

    def moved(self, matrix: np.ndarray) -> Box:
        """The box after a similarity transform (2x3): centre mapped, sides scaled."""
        scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
        cx, cy = matrix[:, :2] @ self.center + matrix[:, 2]
        half_w, half_h = self.width * scale / 2, self.height * scale / 2
        return Box(cx - half_w, cy - half_h, cx + half_w, cy + half_h, self.score)

    def iou(self, other: Box) -> float:
        """Intersection over union."""
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        inter = max(w, 0.0) * max(h, 0.0)
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0

    def to_dlib(self):
        import dlib

        left, top = int(round(self.left)), int(round(self.top))
        return dlib.rectangle(
            left, top, max(left, int(round(self.right)) - 1), max(top, int(round(self.bottom)) - 1)
        )


@dataclass
class Face:
    """A detected face: its box and its 68 landmarks (x, y) in pixel index coordinates."""

    box: Box
    landmarks: np.ndarray


class FaceDetector:
    """Find faces and their 68 landmarks in RGB uint8 images.

    ``detector``: "hog" (fast, frontal faces) or "cnn" (dlib's MMOD detector; slower on CPU, finds more poses).
    ``upsample``: how many times dlib doubles the image before searching (1 finds faces down to ~40 px).
    ``min_score``: detections scoring below it are dropped (HOG SVM score or CNN confidence).
    ``max_side``: larger images are shrunk to this longest side for detection only (landmarks use full size).
    """

    def __init__(
        self, detector: str = "hog", upsample: int = 1, min_score: float = 0.3, max_side: int | None = 2560
    ) -> None:
        if detector not in DETECTORS:
            raise InputError(f"unknown face detector {detector!r}; expected one of {', '.join(DETECTORS)}")
        self.kind = detector
        self.upsample = upsample
        self.min_score = min_score
        self.max_side = max_side
        self._detector = hog_detector() if detector == "hog" else cnn_detector()
        self._predictor = landmark_predictor()

    def detect(self, rgb: np.ndarray) -> list[Box]:
        """Face boxes in ``rgb`` (full-resolution coordinates), sorted left to right."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        factor = 1.0
        longest = max(rgb.shape[:2])
        if self.max_side and longest > self.max_side:
            factor = self.max_side / longest
            size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        if self.kind == "hog":
            rects, scores, _ = self._detector.run(rgb, self.upsample, 0.0)
            found = [(r, s) for r, s in zip(rects, scores, strict=True)]
        else:
            found = [(d.rect, d.confidence) for d in self._detector(rgb, self.upsample)]
        boxes = [
            Box(r.left(), r.top(), r.right() + 1, r.bottom() + 1, float(s)).scaled(1 / factor)
            for r, s in found
            if s >= self.min_score
        ]
        return sorted(boxes, key=lambda b: (b.left, b.top))

    def landmarks(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The 68 landmarks (68, 2) float64 of the face in ``box``."""
        shape = self._predictor(np.ascontiguousarray(rgb, dtype=np.uint8), box.to_dlib())
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)

    def __call__(self, rgb: np.ndarray) -> list[Face]:
        """Every face in ``rgb`` with its landmarks, left to right."""
        return [Face(box, self.landmarks(rgb, box)) for box in self.detect(rgb)]
