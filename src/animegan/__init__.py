"""animegan: AnimeGAN in PyTorch Lightning. Train anime styles; stylize photos, folders, videos and faces.

Public names are imported lazily, so that ``import animegan`` (and worker processes) stay cheap.
"""

from __future__ import annotations

from animegan.lazy import lazy_attributes

__version__ = "0.1.0"

_LAZY = {
    "Discriminator": "animegan.nets.discriminator",
    "Generator": "animegan.nets.generator",
    "GeneratorV1": "animegan.nets.generator",
    "GeneratorV2": "animegan.nets.generator",
    "GeneratorV3": "animegan.nets.generator_v3",
    "build_generator": "animegan.nets.generator",
    "VGGFeatures": "animegan.nets.vgg",
    "Stylizer": "animegan.inference.stylizer",
}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
