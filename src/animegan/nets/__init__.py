"""Networks of AnimeGAN: generators, discriminator and the frozen VGG19 feature extractor (plain PyTorch).

Imported lazily: stylizing needs only the generators, and the VGG module pulls in torchvision (about 190 MB of
resident memory and seconds of start-up for every ``animegan stylize``).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Discriminator": "animegan.nets.discriminator",
    "Generator": "animegan.nets.generator",
    "GeneratorV1": "animegan.nets.generator",
    "GeneratorV2": "animegan.nets.generator",
    "build_generator": "animegan.nets.generator",
    "VGGFeatures": "animegan.nets.vgg",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'animegan.nets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
