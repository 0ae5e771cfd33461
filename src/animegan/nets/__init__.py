"""Networks of AnimeGAN: generators, discriminator and the frozen VGG19 feature extractor (plain PyTorch)."""

from animegan.nets.discriminator import Discriminator
from animegan.nets.discriminator_v3 import DiscriminatorPair, DiscriminatorV3
from animegan.nets.generator import Generator, GeneratorV1, GeneratorV2, build_generator, deployed
from animegan.nets.generator_v3 import GeneratorV3
from animegan.nets.vgg import VGGFeatures

__all__ = [
    "Discriminator",
    "DiscriminatorPair",
    "DiscriminatorV3",
    "Generator",
    "GeneratorV1",
    "GeneratorV2",
    "GeneratorV3",
    "VGGFeatures",
    "build_generator",
    "deployed",
]
