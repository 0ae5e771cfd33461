"""The execution plan of a Stylizer: device, precision, runtime and tiles, decided once by ``make_plan``.

Every choice about how a generator runs is made here, before the first image, into one immutable
``ExecutionPlan`` that the ``Stylizer`` and the ``RuntimeSwitch`` only read:

* the device (``auto``: CUDA when there is one);
* PyTorch's precision path (``precision.choose_path``: ``auto`` checks the fast paths against fp32 once);
* the runtime: ``torch``; ``openvino``, built at the first input (also ``--precision int8``, OpenVINO's alone);
  or ``auto``, OpenVINO on the CPU once the work pays for its build (the thresholds below, see ``switch``);
  with the OpenVINO precisions its build tries, fastest first;
* the tiles (``--tile auto``: sized from free CUDA memory, see ``auto_tile``).

``animegan stylize|faces|ui --verbose`` prints the plan (``str(plan)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from animegan.device import resolve_device
from animegan.errors import AnimeGANError
from animegan.inference import auto_tile
from animegan.inference.options import (
    OPENVINO_BREAK_EVEN_PIXELS,
    OPENVINO_MIN_IMAGE_PIXELS,
    RUNTIME_ENV,
    TILE_OVERLAP,
    TILE_STATS_SIDE,
    resolve_runtime,
)
from animegan.inference.runtimes import openvino_runtime
from animegan.inference.runtimes.path_cache import choose_path_cached
from animegan.inference.runtimes.precision import ExecutionPath


@dataclass(frozen=True)
class ExecutionPlan:
    """How a Stylizer runs; made by ``make_plan``, read and never changed."""

    device: torch.device
    path: ExecutionPath  # PyTorch's precision and memory layout (tiles, fallbacks, small images)
    runtime: str = "torch"  # torch | openvino (built at the first input) | auto (OpenVINO once it pays)
    openvino_precisions: tuple[str, ...] = ()  # OpenVINO builds tried in order (the first that passes)
    break_even_pixels: int = 0  # pixels run before OpenVINO is built (0: at the first input)
    min_image_pixels: int = 0  # smaller images always run on PyTorch
    tile: int | None = None  # tile side in pixels (None: untiled)
    tile_overlap: int = TILE_OVERLAP
    tile_stats_side: int = TILE_STATS_SIDE  # least longer side of the tiles' statistics pass
    compile: bool = False  # torch.compile the untiled PyTorch passes

    def openvino_may_run(self, image_pixels: int) -> bool:
        """True when an input of ``image_pixels`` per frame may run on OpenVINO (and counts towards its
        break-even point): not with runtime torch, not for images below ``min_image_pixels``."""
        return self.runtime != "torch" and image_pixels >= self.min_image_pixels

    def uses_openvino(self, image_pixels: int, seen_pixels: int) -> bool:
        """True when an input of ``image_pixels`` per frame runs on OpenVINO once ``seen_pixels`` (the pixels of
        the earlier inputs that could) have run: OpenVINO is then built, if it is not yet."""
        return self.openvino_may_run(image_pixels) and seen_pixels >= self.break_even_pixels

    def __str__(self) -> str:
        """One line with the thresholds in effect, e.g. ``device cpu, torch bf16 channels_last, runtime auto
        (openvino bf16>fp32 once 500000 pixels have run, images of 400000+ pixels), untiled``."""
        parts = [f"device {self.device}", f"torch {self.path}{' compiled' if self.compile else ''}"]
        openvino = ">".join(self.openvino_precisions) or "none"
        if self.runtime == "auto":
            parts.append(
                f"runtime auto (openvino {openvino} once {self.break_even_pixels} pixels have run, "
                f"images of {self.min_image_pixels}+ pixels)"
            )
        else:
            parts.append(f"runtime {self.runtime}" + (f" ({openvino})" if self.runtime == "openvino" else ""))
        tiles = f"tiles {self.tile} (overlap {self.tile_overlap}, statistics pass {self.tile_stats_side}+ px)"
        parts.append(tiles if self.tile else "untiled")
        return ", ".join(parts)


def tile_for(path: ExecutionPath, device: torch.device, overlap: int) -> int:
    """The ``--tile auto`` side for ``path`` on ``device`` now (free CUDA memory; see ``auto_tile``)."""
    half = path.precision in ("fp16", "bf16")
    return auto_tile.auto_tile(device, overlap, torch.float16 if half else torch.float32)


def make_plan(
    generator: nn.Module,
    device: str | torch.device = "auto",
    precision: str = "auto",
    runtime: str = "auto",
    tile: int | str | None = None,
    tile_overlap: int = TILE_OVERLAP,
    tile_stats_side: int = TILE_STATS_SIDE,
    compile: bool = False,
    openvino_min_pixels: int = OPENVINO_MIN_IMAGE_PIXELS,
    openvino_break_even_pixels: int = OPENVINO_BREAK_EVEN_PIXELS,
) -> ExecutionPlan:
    """The plan for ``generator`` and the user's choices; one line (AnimeGANError) for a choice that cannot be
    honoured here. ``precision auto`` runs the generator once per candidate path (``choose_path``). Runtime
    ``auto``: images of ``openvino_min_pixels``+ (per frame) run on OpenVINO once ``openvino_break_even_pixels``
    of them have run on PyTorch (``switch``; the defaults were measured on a 2-core x86 CPU)."""
    device = resolve_device(device)
    runtime = "torch" if compile else resolve_runtime(runtime)
    if precision == "int8" and runtime == "torch":
        raise AnimeGANError("--precision int8 runs on OpenVINO; drop --runtime torch and --compile")
    forced = runtime == "openvino" or precision == "int8"  # asked for: built at the first input
    if forced:
        openvino_runtime.require(device, precision)
    path = _torch_path(generator, device, precision)
    requested = _openvino_request(precision, path)
    candidates = tuple(openvino_runtime.precisions_for(requested)) if device.type == "cpu" else ()
    if not forced and not (runtime == "auto" and candidates and openvino_runtime.available()):
        runtime, candidates = "torch", ()
    switching = not forced and runtime == "auto"  # the thresholds apply (else 0: OpenVINO at once, or never)
    return ExecutionPlan(
        device=device,
        path=path,
        runtime="openvino" if forced else runtime,
        openvino_precisions=candidates,
        break_even_pixels=openvino_break_even_pixels if switching else 0,
        min_image_pixels=openvino_min_pixels if switching else 0,
        tile=tile_for(path, device, tile_overlap) if tile == "auto" else tile,
        tile_overlap=tile_overlap,
        tile_stats_side=tile_stats_side,
        compile=compile,
    )


def _torch_path(generator: nn.Module, device: torch.device, precision: str) -> ExecutionPath:
    """PyTorch's path: int8 is OpenVINO's alone, so PyTorch runs its tiles and fallbacks on the auto path."""
    torch_precision = "auto" if precision == "int8" else precision
    if torch_precision == "auto":  # the calibration runs the generator on the device
        generator.eval().requires_grad_(False).to(device)
    return choose_path_cached(generator, device, torch_precision)


def _openvino_request(precision: str, path: ExecutionPath) -> str:
    """What OpenVINO is asked for: int8 as asked; ``auto`` where PyTorch's auto chose bf16 (OpenVINO then tries
    bf16, then fp32); else PyTorch's precision."""
    if precision == "int8":
        return "int8"
    return "auto" if precision == "auto" and path.precision == "bf16" else path.precision


__all__ = ["RUNTIME_ENV", "ExecutionPlan", "make_plan", "resolve_runtime", "tile_for"]
