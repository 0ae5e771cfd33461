"""Which runtime runs a Stylizer's untiled forward passes: PyTorch, or OpenVINO once it pays for its build.

The choice is the ``ExecutionPlan``'s (``execution_plan.make_plan``); this switch only follows it and keeps the
state: the pixels run so far and the OpenVINO model once built. ``auto`` (the default; ``$ANIMEGAN_RUNTIME``
overrides it) uses OpenVINO on the CPU where it is installed, but never for a Stylizer's first input, and builds
it only once the pixels of the inputs it has already run reach the plan's ``break_even_pixels``: a single photo,
whatever its size, runs on PyTorch exactly as before (end to end on the shared 2-core CPU the build, about 0.4 s quiet
and 1-3 s busy, plus OpenVINO's first call at a new size cost as much as they saved: 0.85x at 1448 x 1448),
while the later items of a folder or video switch. ``openvino`` builds at the first call, ``torch`` never; so
does ``--precision int8`` (opt-in, OpenVINO only: see ``int8``). ``torch.compile`` (``compile=True``) and tiles
always run on PyTorch. In ``auto``, images smaller than the plan's ``min_image_pixels`` always run on PyTorch:
its bf16 eager path, reflect padding kept in bf16, is the faster one there (idle 2-core CPU: 256 x 256 0.080 s
against OpenVINO's 0.088 s, 512 x 512 0.32 s against 0.39 s), while OpenVINO wins on larger ones (768 x 768
0.82 s against 1.19 s, 1920 x 1080 2.9 s against 4.4 s). Measured by ``benchmarks/bench_stylize.py`` (and
single photos end to end, default against ``--runtime torch``). Both thresholds default to the constants of
``inference.options`` (OPENVINO_BREAK_EVEN_PIXELS, OPENVINO_MIN_IMAGE_PIXELS), measured on that CPU; other CPUs
set them with ``--openvino-break-even-pixels`` and ``--openvino-min-pixels``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from animegan.inference.runtimes import openvino_runtime
from animegan.inference.runtimes.execution_plan import ExecutionPlan


class RuntimeSwitch:
    """Hands out the OpenVINO model for an input once the plan says so (see the module docstring), else None."""

    def __init__(self, generator: nn.Module, plan: ExecutionPlan) -> None:
        self.generator, self.plan = generator, plan
        self.pixels = 0
        self.model: Callable[[torch.Tensor], torch.Tensor] | None = None
        self.built = False

    @property
    def precision(self) -> str | None:
        """The precision of the OpenVINO model in use (None while PyTorch runs)."""
        return getattr(self.model, "precision", None)

    def for_input(self, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """The model to run ``x`` (N x 3 x H x W) on, or None for PyTorch; builds it once the large inputs before
        ``x`` reach the plan's threshold (see the module docstring)."""
        image_pixels = x.shape[-2] * x.shape[-1]
        if not self.plan.openvino_may_run(image_pixels):
            return None
        seen, self.pixels = self.pixels, self.pixels + x.shape[0] * image_pixels
        if self.plan.uses_openvino(image_pixels, seen):  # at once where forced
            self.build()
        return self.model

    def build(self) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """The OpenVINO model, built (and checked against PyTorch fp32) now if it is not yet; None where the
        plan runs PyTorch only or the build fails."""
        if not self.built and self.plan.runtime != "torch":
            self.built = True
            self.model = openvino_runtime.build(self.generator, self.plan.openvino_precisions)
            self.generator = None  # the PyTorch path keeps its own copy
        return self.model
