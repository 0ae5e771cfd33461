"""animegan: AnimeGAN in PyTorch Lightning. Train anime styles; stylize photos, folders, videos and faces.

Public names are imported lazily, so that ``import animegan`` (and worker processes) stay cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Discriminator": "animegan.nets.discriminator",
    "Generator": "animegan.nets.generator",
    "GeneratorV1": "animegan.nets.generator",
    "GeneratorV2": "animegan.nets.generator",
    "build_generator": "animegan.nets.generator",
    "VGGFeatures": "animegan.nets.vgg",
    "Stylizer": "animegan.inference.stylizer",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'animegan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
