"""FFHQ face alignment from 68 landmarks, rendered with one affine warp straight to the output size.

Follows the FFHQ recipe used by the AnimeGAN face models: an oriented square (the "quad") from the eyes and the
mouth, shrink when the face is much larger than the output, crop to the quad plus a border, reflect-pad where the
quad leaves the image (blending the padding towards a blurred copy and the median colour), then map the quad onto
the output square. Instead of rendering at 4096x4096 and downsampling, the remaining scale is pre-filtered with a
Gaussian and the quad is warped once at the target size. The transform and its inverse are returned so that a
stylized crop can be pasted back.

Coordinates are pixel index coordinates (pixel centres at integers), as dlib's landmarks and OpenCV use.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DEFAULT_EXPAND = 1.3  # the PyTorch port's demo; FFHQ itself uses 1.0


@dataclass
class AlignedFace:
    """An aligned crop with its transforms (3x3): ``forward`` maps image -> crop, ``inverse`` crop -> image."""

    crop: np.ndarray
    forward: np.ndarray
    inverse: np.ndarray
    quad: np.ndarray
    qsize: float
    padded: bool

    def to_crop(self, points: np.ndarray) -> np.ndarray:
        """Image points (N, 2) in crop coordinates."""
        return apply(self.forward, points)

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Crop points (N, 2) in image coordinates."""
        return apply(self.inverse, points)


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 affine matrix to points (N, 2)."""
    points = np.asarray(points, dtype=np.float64)
    return points @ matrix[:2, :2].T + matrix[:2, 2]


def ffhq_quad(landmarks: np.ndarray, expand: float = DEFAULT_EXPAND) -> tuple[np.ndarray, float]:
    """The oriented square (4, 2) around the face (corners: top-left, bottom-left, bottom-right, top-right) and its side."""
    lm = np.asarray(landmarks, dtype=np.float64)
    eye_left, eye_right = lm[36:42].mean(axis=0), lm[42:48].mean(axis=0)
    eye_avg = (eye_left + eye_right) * 0.5
    eye_to_eye = eye_right - eye_left
    mouth_avg = (lm[48] + lm[54]) * 0.5
    eye_to_mouth = mouth_avg - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8) * expand
    y = np.flipud(x) * [-1, 1]
    c = eye_avg + eye_to_mouth * 0.1
    quad = np.stack([c - x - y, c - x + y, c + x + y, c + x - y])
    return quad, float(np.hypot(*x) * 2)


def crop_to_image(quad: np.ndarray, size: int) -> np.ndarray:
    """3x3 matrix taking crop pixel (j, i) to the image: the crop's pixel squares tile the quad."""
    top_left, bottom_left, top_right = quad[0], quad[1], quad[3]
    ex, ey = (top_right - top_left) / size, (bottom_left - top_left) / size
    origin = top_left + 0.5 * (ex + ey)
    return np.array([[ex[0], ey[0], origin[0]], [ex[1], ey[1], origin[1]], [0.0, 0.0, 1.0]])


def _scale_translate(sx: float, sy: float, tx: float, ty: float) -> np.ndarray:
    return np.array([[sx, 0.0, tx], [0.0, sy, ty], [0.0, 0.0, 1.0]])


def wide_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; for a large ``sigma`` computed at reduced resolution (box down, blur, bilinear up).

    Shrinking by k adds a box of variance k^2/12 and bilinear upsampling a tent of variance k^2/6, so the
    blur at low resolution makes up the rest: the result matches a full-size blur to a small fraction of a level.
    """
    k = int(sigma // 4)
    if k < 2:
        return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)
    h, w = img.shape[:2]
    small = cv2.resize(img, (-(-w // k), -(-h // k)), interpolation=cv2.INTER_AREA)
    small_sigma = float(np.sqrt(sigma * sigma - k * k / 4.0)) / k
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=small_sigma, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def median_color(img: np.ndarray) -> np.ndarray:
    """Per-channel median of a float RGB image with values in [0, 255], to the nearest level (histograms)."""
    levels = cv2.convertScaleAbs(img)
    half = levels.shape[0] * levels.shape[1] / 2.0
    counts = [cv2.calcHist([levels], [c], None, [256], [0, 256]).ravel() for c in range(3)]
    return np.array([np.searchsorted(np.cumsum(c), half) for c in counts], dtype=np.float32)


def _reflect_pad(img: np.ndarray, pad: np.ndarray, qsize: float) -> np.ndarray:
    """FFHQ padding: reflect, then fade the padding towards a blurred copy and the median colour."""
    left, top, right, bottom = (int(p) for p in pad)
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_REFLECT_101).astype(np.float32)
    h, w = img.shape[:2]
    x, y = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
    mask_x = 1.0 - np.minimum(x / left, (w - 1 - x) / right)
    mask_y = 1.0 - np.minimum(y / top, (h - 1 - y) / bottom)
    mask = np.maximum(mask_y[:, None], mask_x[None, :])
    to_blur = np.clip(mask * 3.0 + 1.0, 0.0, 1.0)
    img = cv2.blendLinear(img, wide_blur(img, qsize * 0.02), 1.0 - to_blur, to_blur)
    to_median = np.clip(mask, 0.0, 1.0)
    img = cv2.blendLinear(img, np.full_like(img, median_color(img)), 1.0 - to_median, to_median)
    return cv2.convertScaleAbs(img)


def antialias_sigma(scale: float) -> float:
    """Gaussian pre-filter (source pixels) for a warp that shrinks by ``scale``, in place of the 4096 render.

    0.3 * sqrt(scale^2 - 1) came closest to the port's bilinear-4096-then-Lanczos result on real faces.
    """
    return 0.3 * float(np.sqrt(scale * scale - 1.0)) if scale > 1.0 else 0.0


def align_face(
    rgb: np.ndarray, landmarks: np.ndarray, size: int = 512, expand: float = DEFAULT_EXPAND
) -> AlignedFace:
    """The FFHQ-aligned ``size`` x ``size`` crop of the face with ``landmarks`` in ``rgb`` (uint8 RGB)."""
    rgb = np.ascontiguousarray(rgb)
    quad, qsize = ffhq_quad(landmarks, expand)
    inverse = crop_to_image(quad, size)
    forward = np.linalg.inv(inverse)

    # ``source`` is the picture the final warp samples; ``to_source`` maps image coordinates into it.
    source, to_source = rgb, np.eye(3)
    h, w = rgb.shape[:2]
    shrink = int(np.floor(qsize / size * 0.5))
    if shrink > 1:
        rw, rh = int(np.rint(w / shrink)), int(np.rint(h / shrink))
        source = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_AREA)
        sx, sy = rw / w, rh / h
        to_source = _scale_translate(sx, sy, 0.5 * sx - 0.5, 0.5 * sy - 0.5)
    q = apply(to_source, quad)
    qs = qsize * float(np.sqrt(abs(np.linalg.det(to_source[:2, :2]))))

    border = max(int(np.rint(qs * 0.1)), 3)
    sh, sw = source.shape[:2]
    x0, y0 = int(np.floor(q[:, 0].min())) - border, int(np.floor(q[:, 1].min())) - border
    x1, y1 = int(np.ceil(q[:, 0].max())) + border, int(np.ceil(q[:, 1].max())) + border
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, sw), min(y1, sh)
    if x1 <= x0 or y1 <= y0:  # the quad lies entirely outside the picture: sample the nearest edge
        x0, y0, x1, y1 = min(x0, sw - 1), min(y0, sh - 1), max(x1, x0 + 1), max(y1, y0 + 1)
    source = source[y0:y1, x0:x1]
    to_source = _scale_translate(1, 1, -x0, -y0) @ to_source
    q = apply(to_source, quad)

    sh, sw = source.shape[:2]
    pad = np.array(
        [
            max(-int(np.floor(q[:, 0].min())) + border, 0),
            max(-int(np.floor(q[:, 1].min())) + border, 0),
            max(int(np.ceil(q[:, 0].max())) - sw + border, 0),
            max(int(np.ceil(q[:, 1].max())) - sh + border, 0),
        ]
    )
    padded = bool(pad.max() > border - 4)
    if padded:
        pad = np.maximum(pad, int(np.rint(qs * 0.3)))
        source = _reflect_pad(source, pad, qs)
        to_source = _scale_translate(1, 1, pad[0], pad[1]) @ to_source

    sigma = antialias_sigma(qs / size)
    if sigma > 0:
        source = cv2.GaussianBlur(source, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)
    crop = cv2.warpAffine(
        source,
        (to_source @ inverse)[:2],
        (size, size),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return AlignedFace(crop, forward, inverse, quad, qsize, padded)
