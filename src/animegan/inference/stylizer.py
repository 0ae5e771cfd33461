"""Stylizer: generator weights -> a callable mapping RGB uint8 images to stylized RGB uint8 at the same size."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from animegan.inference import auto_tile
from animegan.inference.frame_padding import check_frame
from animegan.inference.onnx_stylizer import OnnxStylizer
from animegan.inference.options import (
    OPENVINO_BREAK_EVEN_PIXELS,
    OPENVINO_MIN_IMAGE_PIXELS,
    TILE_OVERLAP,
    TILE_STATS_SIDE,
)
from animegan.inference.pixels import pad_to_multiple, to_tensor, to_uint8
from animegan.inference.runtimes.execution_plan import ExecutionPlan, make_plan, tile_for
from animegan.inference.runtimes.onnx_runtime import OnnxGenerator
from animegan.inference.runtimes.precision import ExecutionPath, as_input, autocast, prepared
from animegan.inference.runtimes.switch import RuntimeSwitch
from animegan.inference.tiling import ALIGN, run_tiled
from animegan.weights import released
from animegan.weights.io import load_weights

log = logging.getLogger(__name__)


class Stylizer:
    """Runs a generator on images: ``stylizer(rgb_uint8) -> rgb_uint8`` at the input's exact size.

    Inputs are padded by reflection to the network's multiple (its ``size_multiple``: 8 for v3; ALIGN = 4 for
    v1/v2) and the output is cropped back, so there is no resizing or distortion. ``tile`` (pixels) bounds memory
    on large images (see ``tiling``). ``runtime``: auto (OpenVINO on the CPU once it pays, see
    ``runtimes.switch``), torch or openvino. Device, precision, runtime and tiles are decided once, into
    ``self.plan`` (``runtimes.execution_plan``).
    """

    def __init__(
        self,
        generator: nn.Module,
        device: str | torch.device = "auto",
        precision: str = "auto",
        tile: int | str | None = None,
        tile_overlap: int = TILE_OVERLAP,
        tile_stats_side: int = TILE_STATS_SIDE,
        compile: bool = False,
        runtime: str = "auto",
        plan: ExecutionPlan | None = None,
        openvino_min_pixels: int = OPENVINO_MIN_IMAGE_PIXELS,
        openvino_break_even_pixels: int = OPENVINO_BREAK_EVEN_PIXELS,
    ) -> None:
        """Runs as ``plan`` says; without one, as ``make_plan`` decides from the other arguments (runtime
        ``auto``: images of ``openvino_min_pixels``+ run on OpenVINO once ``openvino_break_even_pixels`` have)."""
        if plan is None:
            plan = make_plan(
                generator,
                device,
                precision,
                runtime,
                tile,
                tile_overlap=tile_overlap,
                tile_stats_side=tile_stats_side,
                compile=compile,
                openvino_min_pixels=openvino_min_pixels,
                openvino_break_even_pixels=openvino_break_even_pixels,
            )
        log.info("execution plan: %s", plan)  # shown by the CLI's --verbose
        self.plan = plan
        self.device = plan.device
        generator = generator.eval().requires_grad_(False).to(self.device)
        self.multiple = int(getattr(generator, "size_multiple", ALIGN))
        self.runtime = RuntimeSwitch(generator, plan)
        self.generator = prepared(generator, plan.path, self.device)
        self.tile, self.tile_overlap, self.tile_stats_side = (
            plan.tile,
            plan.tile_overlap,
            plan.tile_stats_side,
        )
        self.weights_path: Path | None = None
        self._forward_module: nn.Module = torch.compile(self.generator) if plan.compile else self.generator

    @classmethod
    def from_weights(
        cls,
        weights: str | os.PathLike | None,
        device: str | torch.device = "auto",
        precision: str = "auto",
        base_url: str | None = None,
        quiet: bool = False,
        **kwargs,
    ) -> Stylizer:
        """Build from weights: a file (ours, a Lightning checkpoint, the port's .pt, a converted .safetensors), a
        TF1 checkpoint (folder or ``.ckpt`` prefix), an ``.onnx`` generator (then an ``OnnxStylizer``) or a
        released name (downloaded once into the cache); ``None`` uses a cached released model if there is one.
        ``kwargs``: the constructor's (tile, tile_overlap, tile_stats_side, compile, runtime, openvino_min_pixels,
        openvino_break_even_pixels; see ``StylizeOptions.plan_args``)."""
        path: Path = released.resolve(weights, base_url=base_url, quiet=quiet)
        if path.suffix.lower() == ".onnx":  # run as it is by ONNX Runtime (AnimeGANv3's releases, exports)
            onnx = OnnxGenerator(path, device=str(device))
            log.info("execution plan: onnxruntime %s fp32", onnx.providers[0])  # shown by --verbose
            return OnnxStylizer(onnx, precision=precision, tile=kwargs.get("tile"))
        stylizer = cls(load_weights(path), device=device, precision=precision, **kwargs)
        stylizer.weights_path = path
        return stylizer

    @property
    def execution(self) -> ExecutionPath:
        """PyTorch's precision path (the plan's)."""
        return self.plan.path

    @property
    def precision(self) -> str:
        """The numeric precision of the execution path (fp32, bf16, fp16)."""
        return self.runtime.precision or self.execution.precision

    def describe(self) -> str:
        """What runs the untiled passes now, e.g. ``openvino bf16`` or ``torch bf16 channels_last``."""
        return f"openvino {self.runtime.precision}" if self.runtime.model else f"torch {self.execution}"

    def openvino_model(self) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """The OpenVINO model the plan allows for the untiled passes, built now if no input has built it yet
        (what ``warm_start.remember`` records); None with tiles, compile, runtime torch or a failed build."""
        if self.plan.tile or self.plan.compile:
            return None
        return self.runtime.build()

    def forward(self, x: torch.Tensor, eager: bool = False) -> torch.Tensor:
        """Generator output for a float NCHW batch in [-1, 1] whose sides are multiples of ``self.multiple``."""
        model = None if eager else self.runtime.for_input(x)
        if model is not None:
            return model(x).to(self.device)
        module = self.generator if eager else self._forward_module
        with torch.inference_mode(), autocast(self.execution, self.device):
            return module(as_input(x, self.execution, self.device)).float()

    def _eager_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x, eager=True)  # tiles swap norm modules: keep them away from a compiled graph

    def _auto_tile(self, overlap: int) -> int:
        """``--tile auto`` now: the tile that fits the free CUDA memory (see ``auto_tile``)."""
        return tile_for(self.execution, self.device, overlap)

    def _tiled(self, x: torch.Tensor, tile: int) -> torch.Tensor:
        with torch.inference_mode():
            return torch.cat(
                [
                    run_tiled(
                        self.generator,
                        xi[None],
                        self._eager_forward,
                        tile,
                        self.tile_overlap,
                        self.tile_stats_side,
                        self.multiple,
                    )
                    for xi in x
                ]
            )

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        """Untiled, or tiled above ``tile``; a CUDA out-of-memory error retries with smaller tiles."""
        if self.tile and max(x.shape[-2:]) > self.tile:
            return auto_tile.with_oom_retry(lambda tile: self._tiled(x, tile), self.tile)
        try:
            return self.forward(x)
        except auto_tile.out_of_memory_errors():
            if self.device.type != "cuda":
                raise
            torch.cuda.empty_cache()
            return auto_tile.with_oom_retry(
                lambda tile: self._tiled(x, tile), self._auto_tile(self.tile_overlap)
            )

    def stylize_batch(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Stylize RGB uint8 frames of one size in one batch; same sizes out."""
        if not frames:
            return []
        h, w = frames[0].shape[:2]
        x = pad_to_multiple(to_tensor(frames), self.multiple)
        out = to_uint8(self._run(x)[:, :, :h, :w])
        return list(out)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Stylize one RGB uint8 image (H, W, 3); returns RGB uint8 of the same shape."""
        check_frame(rgb)
        return self.stylize_batch([rgb])[0]
