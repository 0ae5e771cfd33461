"""AnimeGANv3 discriminators: reflect-padded bias-free convs with spectral norm, LADE_D, patch logits at H/8.

Two of the same architecture train together (one Adam over both): ``support`` judges grayscale images (anime
vs the guided-filtered support output and the smoothed anime), ``main`` judges colour (the NL0 target vs Gm).
"""

from __future__ import annotations

import torch
from torch import nn

from animegan.nets.lade import LADE, LRELU_SLOPE, ReflectConv
from animegan.nets.rebuild import PicklesByConfig

VERSION = "v3"
NAMES = ("support", "main")


class DiscriminatorV3(PicklesByConfig, nn.Module):
    """conv 7x7 (ch), then ``n_dis`` x [conv s2, LADE_D, lrelu, conv s1 (x2 channels), LADE_D, lrelu], 1x1 logit.

    693,088 trainable parameters at ch 32, n_dis 3; spectral norm (1 power iteration) on every kernel.
    """

    def __init__(self, ch: int, n_dis: int, use_spectral_norm: bool) -> None:
        super().__init__()
        self.config = {"ch": ch, "n_dis": n_dis, "use_spectral_norm": use_spectral_norm}
        sn = use_spectral_norm
        layers: list[nn.Module] = [ReflectConv(3, ch, 7, spectral=sn), nn.LeakyReLU(LRELU_SLOPE)]
        channels = ch
        for _ in range(n_dis):
            layers += [ReflectConv(channels, channels, 3, 2, spectral=sn), LADE(channels, spectral=sn)]
            layers += [nn.LeakyReLU(LRELU_SLOPE), ReflectConv(channels, channels * 2, 3, spectral=sn)]
            layers += [LADE(channels * 2, spectral=sn), nn.LeakyReLU(LRELU_SLOPE)]
            channels *= 2
        layers.append(ReflectConv(channels, 1, 1, spectral=sn))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DiscriminatorPair(nn.ModuleDict):
    """The support and main discriminators as one module (one optimizer trains both).

    ``version`` is the model config's discriminator version; it must be ``v3`` here. Every argument comes from
    ``conf/model/v3.yaml`` (the reference's ch 32, n_dis 3, spectral norm on live there only).
    """

    def __init__(self, ch: int, n_dis: int, version: str, use_spectral_norm: bool) -> None:
        if version != VERSION:
            raise ValueError(
                f"discriminator version {version!r}: the v3 discriminator pair expects {VERSION!r}"
            )
        super().__init__({name: DiscriminatorV3(ch, n_dis, use_spectral_norm) for name in NAMES})
