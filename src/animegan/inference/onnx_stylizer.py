"""Stylize with an ONNX generator: the Stylizer interface (``stylizer(rgb)``, ``stylize_batch``) over ONNX Runtime.

AnimeGANv3 models get the reference pre/post-processing of ``deploy/test_by_onnx.py``: each side s becomes
256 if s < 256, else s - s % 8 (16 for "tiny" models); where that changes the size the image is resized (OpenCV
bilinear, as the reference), run, and the result resized back, so the output always has the input's size. Sides
that already conform are run as they are: then nothing is resized and the result is the model's own output. The
output is mapped to uint8 by truncation as the reference does. Models with a fixed input size are resized to it
and back. Other ONNX generators (v1/v2 exports, NCHW) are padded to a multiple of 4 and cropped back, as
``Stylizer`` does. Tiling is refused: v3 attends and normalises over the whole image.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from animegan.errors import WeightsError
from animegan.inference.frame_padding import check_frame, padded_side
from animegan.inference.runtimes.onnx_runtime import OnnxGenerator
from animegan.inference.tiling import ALIGN
from animegan.pixel_scale import to_byte, to_unit

V3_MIN_SIDE = 256


def v3_side(side: int, multiple: int = 8) -> int:
    """The reference's size rule for one side (``to_8s`` in ``test_by_onnx.py``)."""
    return V3_MIN_SIDE if side < V3_MIN_SIDE else side - side % multiple


class OnnxStylizer:
    """Runs an ``OnnxGenerator`` on RGB uint8 images; output at each input's exact size."""

    precision = "fp32"

    def __init__(self, generator: OnnxGenerator, precision: str = "auto", tile: int | None = None) -> None:
        if tile:
            raise WeightsError(
                f"--tile is not supported for ONNX generators ({generator.path.name}): AnimeGANv3 attends and "
                "normalises over the whole image, so tiles would not match; drop --tile or use --max-side"
            )
        if precision not in ("auto", "fp32"):
            raise WeightsError(
                f"--precision {precision} is not supported for ONNX generators; use auto or fp32"
            )
        self.generator = generator
        self.weights_path: Path | None = generator.path
        self.device = generator.providers[0]

    def _model_size(self, h: int, w: int) -> tuple[int, int]:
        g = self.generator
        if g.fixed_size is not None:
            return g.fixed_size
        if g.family == "v3":
            return v3_side(h, g.multiple), v3_side(w, g.multiple)
        return padded_side(h, ALIGN), padded_side(w, ALIGN)

    def stylize_batch(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Stylize RGB uint8 frames of one size in one batch; same sizes out."""
        if not frames:
            return []
        h, w = frames[0].shape[:2]
        th, tw = self._model_size(h, w)
        resized = self.generator.family == "v3" or self.generator.fixed_size is not None
        batch = np.stack([self._prepare(f, th, tw, resized) for f in frames])
        out = self.generator(batch)
        return [self._finish(y, h, w, resized) for y in out]

    @staticmethod
    def _prepare(rgb: np.ndarray, th: int, tw: int, resized: bool) -> np.ndarray:
        h, w = rgb.shape[:2]
        image = rgb.astype(np.float32)
        if (th, tw) != (h, w):
            if resized:
                image = cv2.resize(image, (tw, th), interpolation=cv2.INTER_LINEAR)
            else:
                mode = cv2.BORDER_REFLECT_101 if th - h < h and tw - w < w else cv2.BORDER_REPLICATE
                image = cv2.copyMakeBorder(image, 0, th - h, 0, tw - w, mode)
        return to_unit(torch.from_numpy(image)).numpy()

    def _finish(self, y: np.ndarray, h: int, w: int, resized: bool) -> np.ndarray:
        if not resized:  # generic generators: rounded, cropped back (as Stylizer)
            return to_byte(torch.from_numpy(y[:h, :w])).numpy()
        image = np.clip((y + 1.0) / 2 * 255, 0, 255).astype(np.uint8)  # the reference truncates
        if image.shape[:2] != (h, w):
            image = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        return image

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Stylize one RGB uint8 image (H, W, 3); returns RGB uint8 of the same shape."""
        check_frame(rgb)
        return self.stylize_batch([rgb])[0]
