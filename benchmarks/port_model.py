"""The peer of ``bench_stylize``: the PyTorch port of AnimeGANv2 (bryandlee/animegan2-pytorch, ``model.py``),
its nn.Module layout re-implemented here (not our ``GeneratorV2``) and run as the port runs it: fp32, eager,
NCHW, ``align_corners`` upsampling. Its state-dict keys are the port's, so the same weights load into both.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvNormLReLU(nn.Sequential):
    """Pad, conv (no padding of its own), one-group GroupNorm, LeakyReLU(0.2): keys .1 (conv) and .2 (norm)."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int = 3,
        stride: int = 1,
        padding: int | tuple[int, int, int, int] = 1,
        groups: int = 1,
        bias: bool = False,
    ) -> None:
        super().__init__(
            nn.ReflectionPad2d(padding),
            nn.Conv2d(cin, cout, kernel, stride, padding=0, groups=groups, bias=bias),
            nn.GroupNorm(1, cout, affine=True),
            nn.LeakyReLU(0.2, inplace=True),
        )


class InvertedResBlock(nn.Module):
    """Expand (1x1), depthwise 3x3 (with bias), project (1x1) + norm; residual when the widths agree."""

    def __init__(self, cin: int, cout: int, expansion: int = 2) -> None:
        super().__init__()
        wide = cin * expansion
        self.residual = cin == cout
        self.layers = nn.Sequential(
            ConvNormLReLU(cin, wide, kernel=1, padding=0),
            ConvNormLReLU(wide, wide, groups=wide, bias=True),
            nn.Conv2d(wide, cout, 1, bias=False),
            nn.GroupNorm(1, cout, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return x + out if self.residual else out


class PortGenerator(nn.Module):
    """The port's ``Generator``: blocks a-e and the 1x1 output conv with tanh."""

    def __init__(self) -> None:
        super().__init__()
        down = (0, 1, 0, 1)
        self.block_a = nn.Sequential(
            ConvNormLReLU(3, 32, kernel=7, padding=3),
            ConvNormLReLU(32, 64, stride=2, padding=down),
            ConvNormLReLU(64, 64),
        )
        self.block_b = nn.Sequential(ConvNormLReLU(64, 128, stride=2, padding=down), ConvNormLReLU(128, 128))
        self.block_c = nn.Sequential(
            ConvNormLReLU(128, 128),
            InvertedResBlock(128, 256),
            *(InvertedResBlock(256, 256) for _ in range(3)),
            ConvNormLReLU(256, 128),
        )
        self.block_d = nn.Sequential(ConvNormLReLU(128, 128), ConvNormLReLU(128, 128))
        self.block_e = nn.Sequential(
            ConvNormLReLU(128, 64), ConvNormLReLU(64, 64), ConvNormLReLU(64, 32, kernel=7, padding=3)
        )
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, 1, bias=False), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block_a(x)
        half = out.shape[-2:]
        out = self.block_c(self.block_b(out))
        out = F.interpolate(out, half, mode="bilinear", align_corners=True)
        out = self.block_d(out)
        out = F.interpolate(out, x.shape[-2:], mode="bilinear", align_corners=True)
        return self.out_layer(self.block_e(out))


class PortStylizer:
    """The port's way of stylizing one RGB uint8 image: to [-1, 1] NCHW fp32, forward, back to uint8."""

    def __init__(self, state: dict[str, torch.Tensor]) -> None:
        self.net = PortGenerator().eval()
        self.net.load_state_dict(state, strict=True)

    def __call__(self, rgb) -> torch.Tensor:
        import numpy as np

        x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float() / 127.5 - 1
        with torch.inference_mode():
            out = self.net(x)[0].clamp(-1, 1)
        return ((out + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
