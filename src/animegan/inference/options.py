"""What a stylize run can be asked for: one dataclass whose defaults are the CLI's (no torch import here)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from animegan.errors import AnimeGANError
from animegan.imageio import DEFAULT_MAX_PIXELS
from animegan.inference.colors import ColorAdjust
from animegan.weights.released import DEFAULT_FACE_MODEL

PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")  # int8: opt-in, CPU + OpenVINO + NNCF
RUNTIMES = ("auto", "torch", "openvino")  # see runtimes.execution_plan
RUNTIME_ENV = "ANIMEGAN_RUNTIME"  # replaces the runtime ``auto`` when set
DETECTORS = ("hog", "cnn")
# Tiling (``tiling.run_tiled``): pixels each tile reads beyond its edges (blended), and the least longer side of
# the pass that records the whole image's norm statistics (more pixels: closer to the whole image's statistics)
TILE_OVERLAP = 32
TILE_STATS_SIDE = 512
# The runtime switch (``runtimes.switch``; measured on an idle 2-core x86 CPU, see there): pixels already run
# before OpenVINO is built, and the image size (pixels per frame) from which OpenVINO beats PyTorch's bf16 eager
# path. Defaults of StylizeOptions (``--openvino-break-even-pixels``, ``--openvino-min-pixels``): other CPUs differ
OPENVINO_BREAK_EVEN_PIXELS = 500_000
OPENVINO_MIN_IMAGE_PIXELS = 400_000


def resolve_runtime(runtime: str = "auto") -> str:
    """``runtime``, with ``auto`` replaced by ``$ANIMEGAN_RUNTIME`` when that is set; one line if unknown."""
    if runtime == "auto":
        runtime = os.environ.get(RUNTIME_ENV, "").strip().lower() or "auto"
    if runtime not in RUNTIMES:
        raise AnimeGANError(f"unknown runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}")
    return runtime


@dataclass
class StylizeOptions:
    """Options of ``animegan stylize`` and of :func:`animegan.inference.run.stylize_all`."""

    weights: str | None = None  # file or released name; None: a cached released model
    url: str | None = None  # base URL for released weights
    device: str = "auto"
    precision: str = "auto"
    max_side: int | None = None  # downscale inputs whose longer side exceeds this
    max_pixels: int = DEFAULT_MAX_PIXELS  # refuse larger images (decompression bombs)
    tile: int | str | None = None  # tile side for bounded memory on large images, or "auto"
    tile_overlap: int = TILE_OVERLAP
    tile_stats_side: int = TILE_STATS_SIDE  # least longer side of the tiles' statistics pass
    batch: int = 4  # video frames per inference batch
    crf: int = 18  # video quality, lower is better
    temporal: bool = False  # flow-guided flicker reduction for videos
    strength: float = ColorAdjust.strength  # 0 gives the photo back, 1 the plain stylization
    keep_colors: bool = ColorAdjust.keep_colors  # stylized luma with the photo's chroma
    faces: bool = False  # restyle faces with a face model and paste them back
    face_weights: str = DEFAULT_FACE_MODEL
    detector: str = "hog"
    compile: bool = False  # torch.compile the generator
    runtime: str = "auto"  # OpenVINO on the CPU once it pays, or torch / openvino
    openvino_min_pixels: int = OPENVINO_MIN_IMAGE_PIXELS  # runtime auto: smaller images run on PyTorch
    openvino_break_even_pixels: int = OPENVINO_BREAK_EVEN_PIXELS  # runtime auto: pixels run before OpenVINO
    quiet: bool = False  # no progress bars

    def switch_args(self) -> dict[str, int]:
        """The runtime switch's thresholds as keyword arguments of ``Stylizer.from_weights``."""
        return {
            "openvino_min_pixels": self.openvino_min_pixels,
            "openvino_break_even_pixels": self.openvino_break_even_pixels,
        }

    def plan_args(self) -> dict[str, int | str | None]:
        """The execution plan's keyword arguments of ``Stylizer.from_weights``: tiles and the switch's thresholds."""
        tiles = {
            "tile": self.tile,
            "tile_overlap": self.tile_overlap,
            "tile_stats_side": self.tile_stats_side,
        }
        return tiles | self.switch_args()
