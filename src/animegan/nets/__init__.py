"""Networks of AnimeGAN: generators, discriminator and the frozen VGG19 feature extractor (plain PyTorch)."""

from animegan.nets.discriminator import Discriminator
from animegan.nets.generator import Generator, GeneratorV1, GeneratorV2, build_generator
from animegan.nets.vgg import VGGFeatures

__all__ = ["Discriminator", "Generator", "GeneratorV1", "GeneratorV2", "VGGFeatures", "build_generator"]
