"""AnimeGAN generators: v2 (default, layout of the widely used PyTorch port), v1 (the TF graph, layer by layer)
and v3 (``generator_v3``).

Each generator has a ``config()``: the settings besides its weights that decide its output. v2's are the
upsampling convention and the layer-norm epsilon: the port's ``.pt`` files were made with ``align_corners`` and
1e-5, the TF AnimeGANv2 checkpoints with TF1's legacy bilinear and 1e-12 (``TF_V2``). v1 follows its TF graph by
default. Converted weights carry their config in the file's metadata (``weights.io``).
"""

from __future__ import annotations

import torch
from torch import nn

from animegan.nets.blocks import (
    PORT_EPS,
    STRIDE2_PADDING,
    TF_LAYER_NORM_EPS,
    ConvNormLReLU,
    InvertedResBlock,
    SeparableConv,
    instance_norm,
    layer_norm,
    with_eps,
)
from animegan.nets.generator_v3 import GeneratorV3
from animegan.nets.resize import UPSAMPLE_MODES, resize, upsample2x

TF_V2 = {
    "upsample": "tf1",
    "norm_eps": TF_LAYER_NORM_EPS,
}  # AnimeGANv2's TF graph (tf.image + contrib layer_norm)


def _check_mode(upsample: str) -> str:
    if upsample not in UPSAMPLE_MODES:
        raise ValueError(f"unknown upsampling mode {upsample!r}; expected one of {', '.join(UPSAMPLE_MODES)}")
    return upsample


class GeneratorV2(nn.Module):
    """AnimeGANv2 generator (2,143,552 parameters).

    Its state-dict keys and shapes are those of the PyTorch port's released ``.pt`` files, so they load strict.
    Input: RGB in [-1, 1], any height and width; output: tanh RGB at the input's height and width (sides that
    are multiples of 4 in the ``tf1`` and ``half_pixel`` modes, which upsample by exactly 2 as the TF graph does).

    ``upsample``: ``align_corners`` (the port: to the skip sizes, align_corners=True), ``half_pixel`` or ``tf1``
    (x2, see ``nets.resize``); ``norm_eps``: the layer norms' epsilon. ``align_corners=False`` is the older
    spelling of ``upsample="half_pixel"``.
    """

    arch = "v2"

    def __init__(
        self, upsample: str = "align_corners", norm_eps: float = PORT_EPS, align_corners: bool | None = None
    ) -> None:
        super().__init__()
        if align_corners is not None:
            upsample = "align_corners" if align_corners else "half_pixel"
        self.upsample, self.norm_eps = _check_mode(upsample), float(norm_eps)
        norm = with_eps(layer_norm, self.norm_eps)

        def cnl(cin: int, cout: int, **kwargs) -> ConvNormLReLU:
            return ConvNormLReLU(cin, cout, norm=norm, **kwargs)

        self.block_a = nn.Sequential(
            cnl(3, 32, kernel_size=7, padding=3),
            cnl(32, 64, stride=2, padding=STRIDE2_PADDING),
            cnl(64, 64),
        )
        self.block_b = nn.Sequential(cnl(64, 128, stride=2, padding=STRIDE2_PADDING), cnl(128, 128))
        self.block_c = nn.Sequential(
            cnl(128, 128),
            InvertedResBlock(128, 256, norm=norm),
            *[InvertedResBlock(256, 256, norm=norm) for _ in range(3)],
            cnl(256, 128),
        )
        self.block_d = nn.Sequential(cnl(128, 128), cnl(128, 128))
        self.block_e = nn.Sequential(cnl(128, 64), cnl(64, 64), cnl(64, 32, kernel_size=7, padding=3))
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, kernel_size=1, bias=False), nn.Tanh())

    @property
    def align_corners(self) -> bool:
        return self.upsample == "align_corners"

    def config(self) -> dict[str, object]:
        return {"arch": self.arch, "upsample": self.upsample, "norm_eps": self.norm_eps}

    def _upsample(self, x: torch.Tensor, skip_size: torch.Size) -> torch.Tensor:
        if self.upsample == "align_corners":
            return resize(x, skip_size, self.upsample)
        return upsample2x(x, self.upsample)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.block_a(x)
        out = self.block_c(self.block_b(a))
        out = self.block_d(self._upsample(out, a.shape[-2:]))
        out = self.block_e(self._upsample(out, x.shape[-2:]))
        return self.out_layer(out)


class GeneratorV1(nn.Module):
    """AnimeGAN (v1) generator as its TF graph builds it (3,956,096 parameters; ``net/generator.py`` of AnimeGAN).

    b1: CNL 3->64, CNL 64->64, then [SepConv 64->128 stride 2] + [resize to H/2, SepConv 64->128];
    b2: CNL 128, SepConv 128, then [SepConv 128->256 stride 2] + [resize to H/2, SepConv 128->256];
    m: CNL 256, 8 inverted residual blocks 256->512->256 (depthwise without bias), CNL 256;
    u2: resize x2, SepConv 256->128, SepConv 128, CNL 128; u1: resize x2, SepConv 128, CNL 128->64, CNL 64;
    out: 1x1 conv 64->3 without bias, tanh. All CNLs are 3x3 (reflect pad 1, no bias) with instance norm
    (epsilon 1e-5); separable convs use contrib's instance norm (epsilon 1e-6). Resizes follow ``upsample``
    (default ``tf1``, the TF graph's). Output: 4*floor(H/4) x 4*floor(W/4).
    """

    arch = "v1"

    def __init__(self, upsample: str = "tf1") -> None:
        super().__init__()
        self.upsample = _check_mode(upsample)

        def cnl(cin: int, cout: int) -> ConvNormLReLU:
            return ConvNormLReLU(cin, cout, norm=instance_norm)

        def irb() -> InvertedResBlock:
            return InvertedResBlock(256, 256, expansion=2, norm=instance_norm, depthwise_bias=False)

        self.b1 = nn.Sequential(cnl(3, 64), cnl(64, 64))
        self.b1_down = SeparableConv(64, 128, stride=2)
        self.b1_skip = SeparableConv(64, 128)
        self.b2 = nn.Sequential(cnl(128, 128), SeparableConv(128, 128))
        self.b2_down = SeparableConv(128, 256, stride=2)
        self.b2_skip = SeparableConv(128, 256)
        self.middle = nn.Sequential(cnl(256, 256), *[irb() for _ in range(8)], cnl(256, 256))
        self.u2 = nn.Sequential(SeparableConv(256, 128), SeparableConv(128, 128), cnl(128, 128))
        self.u1 = nn.Sequential(SeparableConv(128, 128), cnl(128, 64), cnl(64, 64))
        self.out_layer = nn.Sequential(nn.Conv2d(64, 3, kernel_size=1, bias=False), nn.Tanh())

    def config(self) -> dict[str, object]:
        return {"arch": self.arch, "upsample": self.upsample}

    def _down_and_skip(self, x: torch.Tensor, down: nn.Module, skip: nn.Module) -> torch.Tensor:
        halved = resize(x, (x.shape[-2] // 2, x.shape[-1] // 2), self.upsample)
        return down(x) + skip(halved)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self._down_and_skip(self.b1(x), self.b1_down, self.b1_skip)
        out = self._down_and_skip(self.b2(out), self.b2_down, self.b2_skip)
        out = self.u2(upsample2x(self.middle(out), self.upsample))
        return self.out_layer(self.u1(upsample2x(out, self.upsample)))


Generator = GeneratorV2
GENERATORS: dict[str, type[nn.Module]] = {"v1": GeneratorV1, "v2": GeneratorV2, "v3": GeneratorV3}


def build_generator(arch: str = "v2", **config: object) -> nn.Module:
    """A fresh generator of the named architecture (``v1``, ``v2`` or ``v3``, the training form with both tails),
    with optional config (``upsample``, and ``norm_eps`` for v2; v3's own options)."""
    if arch not in GENERATORS:
        raise ValueError(f"unknown generator architecture {arch!r}; expected one of {sorted(GENERATORS)}")
    return GENERATORS[arch](**config)


def deployed(generator: nn.Module) -> nn.Module:
    """The network a generator is used as after training: ``generator.deploy()`` where it has one (v3 drops its
    support tail), else the generator itself."""
    deploy = getattr(generator, "deploy", None)
    return deploy() if callable(deploy) else generator
