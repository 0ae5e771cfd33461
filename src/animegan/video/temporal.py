"""Flicker reduction for stylized video: blend each output frame with the previous output, warped by optical flow.

Per frame: dense flow (Farneback) from the current input frame to the previous one, computed at a reduced size;
the previous *output* is warped along it onto the current frame; an occlusion mask keeps the blend only where the
warped previous *input* agrees with the current input (so moving or newly revealed content is not smeared:
no ghosting). Where it agrees, out = (1 - s) * current + s * warped previous, a recursive filter that averages
the generator's frame-to-frame noise away on static and smoothly moving content.
"""

from __future__ import annotations

import cv2
import numpy as np


def flicker(frames: list[np.ndarray]) -> float:
    """Mean absolute difference between consecutive frames (0..255 scale): the flicker measure."""
    if len(frames) < 2:
        return 0.0
    diffs = [
        np.mean(np.abs(a.astype(np.float32) - b.astype(np.float32)))
        for a, b in zip(frames[:-1], frames[1:], strict=True)
    ]
    return float(np.mean(diffs))


class TemporalSmoother:
    """Stateful per-video filter: ``smoother(input_rgb, stylized_rgb) -> smoothed stylized rgb``."""

    def __init__(self, strength: float = 0.6, flow_side: int = 480, tolerance: float = 12.0) -> None:
        self.strength = strength
        self.flow_side = flow_side
        self.tolerance = tolerance  # mean abs input difference (0..255) where the blend fades out
        self._prev_gray: np.ndarray | None = None
        self._prev_input: np.ndarray | None = None
        self._prev_output: np.ndarray | None = None

    def _small_gray(self, rgb: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, self.flow_side / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return gray

    def _warp(self, image: np.ndarray, flow: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        fh, fw = flow.shape[:2]
        flow = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR) * np.array(
            [w / fw, h / fh], np.float32
        )
        grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        return cv2.remap(
            image,
            grid_x + flow[..., 0],
            grid_y + flow[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def __call__(self, input_rgb: np.ndarray, stylized_rgb: np.ndarray) -> np.ndarray:
        gray = self._small_gray(input_rgb)
        if self._prev_output is None or self._prev_output.shape != stylized_rgb.shape:
            result = stylized_rgb
        else:
            flow = cv2.calcOpticalFlowFarneback(gray, self._prev_gray, None, 0.5, 3, 15, 3, 5, 1.2, 0)
            warped_out = self._warp(self._prev_output, flow).astype(np.float32)
            warped_in = self._warp(self._prev_input, flow).astype(np.float32)
            # blur the signed difference first: sensor noise averages out, real misalignment does not
            signed = cv2.GaussianBlur(warped_in - input_rgb.astype(np.float32), (7, 7), 0)
            difference = np.abs(signed).mean(axis=2)
            agreement = np.clip(1.0 - difference / self.tolerance, 0.0, 1.0)[..., None]
            weight = self.strength * agreement
            blended = (1.0 - weight) * stylized_rgb.astype(np.float32) + weight * warped_out
            result = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
        self._prev_gray, self._prev_input, self._prev_output = gray, input_rgb, result
        return result
