"""Networks of AnimeGAN: generators, discriminators and the frozen VGG19 feature extractor (plain PyTorch).

Imported lazily: stylizing needs only the generators, and the VGG module pulls in torchvision (about 190 MB of
resident memory and seconds of start-up for every ``animegan stylize``).
"""

from __future__ import annotations

from animegan.lazy import lazy_attributes

_LAZY = {
    "Discriminator": "animegan.nets.discriminator",
    "DiscriminatorPair": "animegan.nets.discriminator_v3",
    "DiscriminatorV3": "animegan.nets.discriminator_v3",
    "Generator": "animegan.nets.generator",
    "GeneratorV1": "animegan.nets.generator",
    "GeneratorV2": "animegan.nets.generator",
    "GeneratorV3": "animegan.nets.generator_v3",
    "build_generator": "animegan.nets.generator",
    "deployed": "animegan.nets.generator",
    "VGGFeatures": "animegan.nets.vgg",
}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
