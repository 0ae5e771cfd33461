"""AnimeGANv3's building blocks: TF "same" reflect padding, bias-free convs, LADE and conv-LADE-LeakyReLU.

LADE (linearly adaptive denormalisation): x is instance-normalised, then given the per-channel mean and standard
deviation of t = W_t x (a learned 1x1 conv): ``(x - mu_x) / sqrt(var_x + eps) * sqrt(var_t + eps) + mu_t``.
No running statistics: training and inference compute the same thing at any batch size.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from animegan.nets.padding import reflect_pad
from animegan.nets.pinning import PinnableStatistics

LADE_EPS = 1e-5
LRELU_SLOPE = 0.2


def same_padding(kernel: int, stride: int) -> tuple[int, int, int, int]:
    """TF "same" padding of the v3 code as (left, right, top, bottom): d = k - s split evenly, the odd pixel on
    top/left (k3 s2 pads top and left by 1 only)."""
    total = kernel - stride
    after = total // 2
    before = total - after
    return (before, after, before, after)


def xavier_conv(in_ch: int, out_ch: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    """A bias-free conv with Glorot-uniform weights (the v3 initialiser), no padding of its own."""
    conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=0, bias=False)
    nn.init.xavier_uniform_(conv.weight)
    return conv


class ReflectConv(nn.Module):
    """Reflect padding by the v3 rule, then a bias-free conv (spectrally normalised when ``spectral``)."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, spectral: bool = False) -> None:
        super().__init__()
        self.padding = same_padding(kernel, stride)
        conv = xavier_conv(in_ch, out_ch, kernel, stride)
        self.conv = spectral_norm(conv) if spectral else conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if any(self.padding):
            x = reflect_pad(x, self.padding)
        return self.conv(x)


def at_least_float32(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float32 when it is half precision (autocast), else unchanged: statistics stay accurate."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def channel_var_mean(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel biased variance and mean over H and W (at least float32), keeping the dimensions."""
    x = at_least_float32(x)
    mean = x.mean(dim=(2, 3), keepdim=True)
    return (x - mean).square().mean(dim=(2, 3), keepdim=True), mean


class LADE(PinnableStatistics):
    """LADE normalisation of ``channels`` channels; ``spectral``: spectral norm on W_t (the discriminators')."""

    def __init__(self, channels: int, spectral: bool = False, eps: float = LADE_EPS) -> None:
        super().__init__()
        self.transform = ReflectConv(channels, channels, 1, spectral=spectral)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.transform(x)
        var_x, mean_x = self.statistic("x", lambda: torch.cat(channel_var_mean(x), 1)).chunk(2, 1)
        var_t, mean_t = self.statistic("t", lambda: torch.cat(channel_var_mean(t), 1)).chunk(2, 1)
        scale = torch.sqrt(var_t + self.eps) * torch.rsqrt(var_x + self.eps)
        return ((at_least_float32(x) - mean_x) * scale + mean_t).to(x.dtype)


class ConvLADELReLU(nn.Sequential):
    """``CLL``: reflect-padded bias-free conv, LADE on its output, LeakyReLU(0.2)."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1) -> None:
        super().__init__(ReflectConv(in_ch, out_ch, kernel, stride), LADE(out_ch), nn.LeakyReLU(LRELU_SLOPE))
