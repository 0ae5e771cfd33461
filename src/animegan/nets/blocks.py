"""Building blocks shared by the generators: conv-norm-LeakyReLU, separable convs, inverted residual blocks."""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn

from animegan.nets.padding import ReflectionPad

NormFactory = Callable[[int], nn.Module]
PORT_EPS = 1e-5  # the PyTorch port's GroupNorm epsilon (its .pt files were made and checked with it)
TF_LAYER_NORM_EPS = 1e-12  # tf.contrib.layers.layer_norm (AnimeGANv2's TF graph)
TF_INSTANCE_NORM_EPS = 1e-5  # AnimeGAN v1's tools/ops.instance_norm
TF_CONTRIB_INSTANCE_NORM_EPS = 1e-6  # tf.contrib.layers.instance_norm's default (v1's separable convs)


def layer_norm(channels: int, eps: float = PORT_EPS) -> nn.Module:
    """Layer norm over (C, H, W) with a per-channel scale and shift, as TF's layer_norm in AnimeGANv2."""
    return nn.GroupNorm(num_groups=1, num_channels=channels, affine=True, eps=eps)


def instance_norm(channels: int, eps: float = TF_INSTANCE_NORM_EPS) -> nn.Module:
    """Instance norm with a learned per-channel scale and shift (AnimeGAN v1)."""
    return nn.InstanceNorm2d(channels, affine=True, eps=eps)


def with_eps(norm: NormFactory, eps: float) -> NormFactory:
    """``norm`` with another epsilon."""
    return functools.partial(norm, eps=eps)


NORMS: dict[str, NormFactory] = {"layer": layer_norm, "instance": instance_norm}


class ConvNormLReLU(nn.Sequential):
    """Reflection pad, conv without bias (unless asked), norm, LeakyReLU(0.2).

    Children are indexed 0..3 (pad, conv, norm, act) so that state-dict keys read ``X.1.weight`` / ``X.2.weight``.
    ``padding`` may be an int or a (left, right, top, bottom) tuple; stride-2 layers pad only right/bottom by 1.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int | tuple[int, int, int, int] = 1,
        groups: int = 1,
        bias: bool = False,
        norm: NormFactory = layer_norm,
    ) -> None:
        super().__init__(
            ReflectionPad(padding),
            nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=0, groups=groups, bias=bias),
            norm(out_ch),
            nn.LeakyReLU(0.2, inplace=True),
        )


STRIDE2_PADDING = (0, 1, 0, 1)  # reflect-pad right and bottom only, as TF's 'SAME' does for stride 2


class InvertedResBlock(nn.Module):
    """MobileNetV2-style block: 1x1 expand, depthwise 3x3 (bias in v2, none in v1), 1x1 project, norm; residual
    when shapes match."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        expansion: int = 2,
        norm: NormFactory = layer_norm,
        depthwise_bias: bool = True,
    ) -> None:
        super().__init__()
        hidden = in_ch * expansion
        self.use_residual = in_ch == out_ch
        self.layers = nn.Sequential(
            ConvNormLReLU(in_ch, hidden, kernel_size=1, padding=0, norm=norm),
            ConvNormLReLU(hidden, hidden, groups=hidden, bias=depthwise_bias, norm=norm),
            nn.Conv2d(hidden, out_ch, kernel_size=1, bias=False),
            norm(out_ch),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return x + out if self.use_residual else out


class SeparableConv(nn.Sequential):
    """Reflection pad, depthwise 3x3 + pointwise 1x1 (no biases), norm, LeakyReLU(0.2) (AnimeGAN v1).

    As ``tf.contrib.layers.separable_conv2d`` with its default ``instance_norm`` (epsilon 1e-6) in v1's TF graph.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        stride: int = 1,
        norm: NormFactory = with_eps(instance_norm, TF_CONTRIB_INSTANCE_NORM_EPS),
    ) -> None:
        padding = STRIDE2_PADDING if stride == 2 else 1
        super().__init__(
            ReflectionPad(padding),
            nn.Conv2d(in_ch, in_ch, 3, stride=stride, groups=in_ch, bias=False),
            nn.Conv2d(in_ch, out_ch, 1, bias=False),
            norm(out_ch),
            nn.LeakyReLU(0.2, inplace=True),
        )
