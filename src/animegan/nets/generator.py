"""AnimeGAN generators: v2 (default, layout of the widely used PyTorch port), v1, and v3 (``generator_v3``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from animegan.nets.blocks import (
    STRIDE2_PADDING,
    ConvNormLReLU,
    InvertedResBlock,
    SeparableConv,
    instance_norm,
)
from animegan.nets.generator_v3 import GeneratorV3


class GeneratorV2(nn.Module):
    """AnimeGANv2 generator (2,143,552 parameters).

    Its state-dict keys and shapes are those of the PyTorch port's released ``.pt`` files, so they load strict.
    Input: RGB in [-1, 1], any height and width; output: tanh RGB at the input's height and width.
    """

    arch = "v2"

    def __init__(self, align_corners: bool = True) -> None:
        super().__init__()
        self.align_corners = align_corners
        self.block_a = nn.Sequential(
            ConvNormLReLU(3, 32, kernel_size=7, padding=3),
            ConvNormLReLU(32, 64, stride=2, padding=STRIDE2_PADDING),
            ConvNormLReLU(64, 64),
        )
        self.block_b = nn.Sequential(
            ConvNormLReLU(64, 128, stride=2, padding=STRIDE2_PADDING),
            ConvNormLReLU(128, 128),
        )
        self.block_c = nn.Sequential(
            ConvNormLReLU(128, 128),
            InvertedResBlock(128, 256),
            InvertedResBlock(256, 256),
            InvertedResBlock(256, 256),
            InvertedResBlock(256, 256),
            ConvNormLReLU(256, 128),
        )
        self.block_d = nn.Sequential(ConvNormLReLU(128, 128), ConvNormLReLU(128, 128))
        self.block_e = nn.Sequential(
            ConvNormLReLU(128, 64),
            ConvNormLReLU(64, 64),
            ConvNormLReLU(64, 32, kernel_size=7, padding=3),
        )
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, kernel_size=1, bias=False), nn.Tanh())

    def _upsample(self, x: torch.Tensor, size: torch.Size) -> torch.Tensor:
        if self.align_corners:
            return F.interpolate(x, size=size, mode="bilinear", align_corners=True)
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.block_a(x)
        out = self.block_c(self.block_b(a))
        out = self.block_d(self._upsample(out, a.shape[-2:]))
        out = self.block_e(self._upsample(out, x.shape[-2:]))
        return self.out_layer(out)


class GeneratorV1(nn.Module):
    """AnimeGAN (v1) generator: instance norm, separable convs, 8 inverted residual blocks (about 3.96 M parameters)."""

    arch = "v1"

    def __init__(self) -> None:
        super().__init__()

        def cnl(cin: int, cout: int, k: int = 3) -> ConvNormLReLU:
            return ConvNormLReLU(cin, cout, kernel_size=k, padding=k // 2, norm=instance_norm)

        self.b1 = nn.Sequential(cnl(3, 64, 7), cnl(64, 64))
        self.b1_down = SeparableConv(64, 128, stride=2)
        self.b1_skip = SeparableConv(64, 128)
        self.b2 = nn.Sequential(cnl(128, 128), SeparableConv(128, 128))
        self.b2_down = SeparableConv(128, 256, stride=2)
        self.b2_skip = SeparableConv(128, 256)
        self.middle = nn.Sequential(
            cnl(256, 256),
            *[InvertedResBlock(256, 256, expansion=2, norm=instance_norm) for _ in range(8)],
            cnl(256, 256),
        )
        self.u2 = nn.Sequential(SeparableConv(256, 128), SeparableConv(128, 128), cnl(128, 128))
        self.u1 = nn.Sequential(SeparableConv(128, 128), cnl(128, 64), cnl(64, 64))
        self.out_layer = nn.Sequential(nn.Conv2d(64, 3, kernel_size=1, bias=False), nn.Tanh())

    @staticmethod
    def _down_and_skip(x: torch.Tensor, down: nn.Module, skip: nn.Module) -> torch.Tensor:
        strided = down(x)
        resized = F.interpolate(x, size=strided.shape[-2:], mode="bilinear", align_corners=False)
        return strided + skip(resized)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h1 = self.b1(x)
        out = self._down_and_skip(h1, self.b1_down, self.b1_skip)
        h2 = self.b2(out)
        out = self.middle(self._down_and_skip(h2, self.b2_down, self.b2_skip))
        out = F.interpolate(out, size=h2.shape[-2:], mode="bilinear", align_corners=False)
        out = self.u2(out)
        out = F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return self.out_layer(self.u1(out))


Generator = GeneratorV2
GENERATORS: dict[str, type[nn.Module]] = {"v1": GeneratorV1, "v2": GeneratorV2, "v3": GeneratorV3}


def build_generator(arch: str = "v2", **options) -> nn.Module:
    """A fresh generator of the named architecture (``v1``, ``v2`` or ``v3``, the training form with both tails)."""
    if arch not in GENERATORS:
        raise ValueError(f"unknown generator architecture {arch!r}; expected one of {sorted(GENERATORS)}")
    return GENERATORS[arch](**options)


def deployed(generator: nn.Module) -> nn.Module:
    """The network a generator is used as after training: ``generator.deploy()`` where it has one (v3 drops its
    support tail), else the generator itself."""
    deploy = getattr(generator, "deploy", None)
    return deploy() if callable(deploy) else generator
