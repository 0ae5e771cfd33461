"""PatchGAN discriminator of AnimeGAN v1/v2 with spectral norm."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from animegan.nets.rebuild import PicklesByConfig

NORM_BY_VERSION = {"v1": "instance", "v2": "layer"}


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    return nn.GroupNorm(1, channels, affine=True)


class Discriminator(PicklesByConfig, nn.Module):
    """3x3 convs (zero pad 1, no bias, N(0, 0.02)); ``n_dis - 1`` stride-2 stages; patch logits of H/4 x W/4 by default.

    ``version`` picks the norm: ``v1`` instance norm, ``v2`` layer norm (the only difference between them).
    Every argument comes from ``conf/model`` (the reference's ch 64, n_dis 3, spectral norm on live there only).
    """

    def __init__(self, ch: int, n_dis: int, version: str, use_spectral_norm: bool) -> None:
        super().__init__()
        if version not in NORM_BY_VERSION:
            raise ValueError(f"unknown discriminator version {version!r}; expected v1 or v2")
        norm_kind = NORM_BY_VERSION[version]
        self.config = {"ch": ch, "n_dis": n_dis, "version": version, "use_spectral_norm": use_spectral_norm}

        def conv(cin: int, cout: int, stride: int = 1) -> nn.Module:
            layer = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            nn.init.normal_(layer.weight, 0.0, 0.02)
            return spectral_norm(layer) if use_spectral_norm else layer

        channels = ch // 2
        layers: list[nn.Module] = [conv(3, channels), nn.LeakyReLU(0.2, inplace=True)]
        in_ch = channels
        for _ in range(1, n_dis):
            layers += [conv(in_ch, channels * 2, stride=2), nn.LeakyReLU(0.2, inplace=True)]
            layers += [
                conv(channels * 2, channels * 4),
                _norm(norm_kind, channels * 4),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            in_ch, channels = channels * 4, channels * 2
        layers += [conv(in_ch, channels * 2), _norm(norm_kind, channels * 2), nn.LeakyReLU(0.2, inplace=True)]
        layers += [conv(channels * 2, 1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)
