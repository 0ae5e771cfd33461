"""Which runtime runs a Stylizer's untiled forward passes: PyTorch, or OpenVINO once it pays for its build.

``auto`` (the default; ``$ANIMEGAN_RUNTIME`` overrides it) uses OpenVINO on the CPU where it is installed, but
never for a Stylizer's first input, and builds it only once the pixels of the inputs it has already run reach
``BREAK_EVEN_PIXELS``: a single photo, whatever its size, runs on PyTorch exactly as before (end to end on the
shared 2-core CPU the build, about 0.4 s quiet and 1-3 s busy, plus OpenVINO's first call at a new size cost as
much as they saved: 0.85x at 1448 x 1448), while the later items of a folder or video switch. ``openvino``
builds at the first call, ``torch`` never; so does ``--precision int8`` (opt-in, OpenVINO only: see ``int8``).
``torch.compile`` (``compile=True``) and tiles always run on PyTorch. In ``auto``, images smaller than
``OPENVINO_MIN_IMAGE_PIXELS`` always run on PyTorch: its bf16 eager path, reflect padding kept in bf16, is the
faster one there (idle 2-core CPU: 256 x 256 0.080 s against OpenVINO's 0.088 s, 512 x 512 0.32 s against
0.39 s), while OpenVINO wins on larger ones (768 x 768 0.82 s against 1.19 s, 1920 x 1080 2.9 s against 4.4 s).
Measured by ``benchmarks/bench_stylize.py`` (and single photos end to end, default against ``--runtime torch``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
from torch import nn

from animegan.errors import AnimeGANError
from animegan.inference.options import OPENVINO_BREAK_EVEN_PIXELS, OPENVINO_MIN_IMAGE_PIXELS, RUNTIMES
from animegan.inference.runtimes import openvino_runtime

RUNTIME_ENV = "ANIMEGAN_RUNTIME"
# pixels already run before OpenVINO is built (about two 512 x 512 photos; see above); the numbers live in options
BREAK_EVEN_PIXELS = OPENVINO_BREAK_EVEN_PIXELS


def resolve_runtime(runtime: str = "auto") -> str:
    """``runtime``, with ``auto`` replaced by ``$ANIMEGAN_RUNTIME`` when that is set; one line if unknown."""
    if runtime == "auto":
        runtime = os.environ.get(RUNTIME_ENV, "").strip().lower() or "auto"
    if runtime not in RUNTIMES:
        raise AnimeGANError(f"unknown runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}")
    return runtime


class RuntimeSwitch:
    """Hands out the OpenVINO model for an input once it pays (see the module docstring), else None."""

    def __init__(
        self, generator: nn.Module, device: torch.device, precision: str, runtime: str = "auto"
    ) -> None:
        runtime = resolve_runtime(runtime)
        if precision == "int8" and runtime == "torch":
            raise AnimeGANError("--precision int8 runs on OpenVINO; drop --runtime torch and --compile")
        forced = runtime == "openvino" or precision == "int8"  # asked for: built at the first call
        if forced:
            openvino_runtime.require(device, precision)
        usable = device.type == "cpu" and bool(openvino_runtime.precisions_for(precision))
        self.enabled = forced or (runtime == "auto" and usable and openvino_runtime.available())
        self.threshold = 0 if forced else BREAK_EVEN_PIXELS
        self.min_image_pixels = 0 if forced else OPENVINO_MIN_IMAGE_PIXELS
        self.generator, self.requested = generator, precision
        self.pixels = 0
        self.model: Callable[[torch.Tensor], torch.Tensor] | None = None
        self.built = False

    @property
    def precision(self) -> str | None:
        """The precision of the OpenVINO model in use (None while PyTorch runs)."""
        return getattr(self.model, "precision", None)

    def for_input(self, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """The model to run ``x`` (N x 3 x H x W) on, or None for PyTorch; builds it once the large inputs before
        ``x`` reach the threshold (see the module docstring)."""
        image_pixels = x.shape[-2] * x.shape[-1]
        if not self.enabled or image_pixels < self.min_image_pixels:
            return None
        seen, self.pixels = self.pixels, self.pixels + x.shape[0] * image_pixels
        if not self.built and seen >= self.threshold:  # forced: threshold 0, built at the first input
            self.built = True
            self.model = openvino_runtime.build(self.generator, self.requested)
            self.generator = None  # the PyTorch path keeps its own copy
        return self.model
