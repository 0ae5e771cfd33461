"""animegan: AnimeGAN in PyTorch Lightning. Train anime styles; stylize photos, folders, videos and faces."""

from animegan.nets import Discriminator, Generator, GeneratorV1, GeneratorV2, VGGFeatures, build_generator

__version__ = "0.1.0"
__all__ = [
    "Discriminator",
    "Generator",
    "GeneratorV1",
    "GeneratorV2",
    "VGGFeatures",
    "build_generator",
    "Stylizer",
]


def __getattr__(name: str):  # lazy: importing animegan must not pull in the inference stack
    if name == "Stylizer":
        from animegan.inference.stylizer import Stylizer

        return Stylizer
    raise AttributeError(f"module 'animegan' has no attribute {name!r}")
