"""AnimeGANv3 generator (DTGAN): a shared encoder and two decoder tails, support and main.

Training returns both tails (``V3Output``: the raw support image, its guided-filtered version Gs^ and the main
image); in eval mode, or once :meth:`GeneratorV3.deploy` has dropped the support tail, the main tail's image
alone, as the released models do. 1,557,792 trainable parameters in training, 1,027,520 deployed.
Sides must be multiples of 8 (three stride-2 layers whose outputs the x2 upsamplings must match exactly).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from animegan.nets.attention import ExternalAttention
from animegan.nets.guided_filter import filter_tanh_output
from animegan.nets.lade import ConvLADELReLU, ReflectConv
from animegan.nets.resize import upsample2x

SUPPORT_PREFIX = "support."


class V3Output(NamedTuple):
    """The generator's training outputs, each NCHW in [-1, 1]."""

    support: torch.Tensor  # Gs, the support tail's raw tanh output
    filtered: torch.Tensor  # Gs^, Gs through the self-guided filter (what the support losses and D see)
    main: torch.Tensor  # Gm, the main tail's output (the deployed image)


class Encoder(nn.Module):
    """The shared base: seven CLLs; returns the features x0 (H), x1 (H/2), x2 (H/4), x3 (H/8)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            [
                ConvLADELReLU(3, 32, kernel=7),
                ConvLADELReLU(32, 32, stride=2),
                ConvLADELReLU(32, 64),
                ConvLADELReLU(64, 64, stride=2),
                ConvLADELReLU(64, 128),
                ConvLADELReLU(128, 128, stride=2),
                ConvLADELReLU(128, 128),
            ]
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features = []
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index % 2 == 0:
                features.append(x)
        return tuple(features)


class Tail(nn.Module):
    """A decoder tail: external attention on x3, then three (x2 upsample, CLL, CLL on + skip) stages, 7x7 conv, tanh."""

    def __init__(self, eval_norm: str = "reference") -> None:
        super().__init__()
        self.attention = ExternalAttention(128, eval_norm=eval_norm)
        self.stages = nn.ModuleList(
            [
                nn.ModuleList([ConvLADELReLU(128, 128), ConvLADELReLU(128, 128)]),
                nn.ModuleList([ConvLADELReLU(128, 64), ConvLADELReLU(64, 64)]),
                nn.ModuleList([ConvLADELReLU(64, 32), ConvLADELReLU(32, 32)]),
            ]
        )
        self.out = ReflectConv(32, 3, 7)

    def forward(self, features: tuple[torch.Tensor, ...]) -> torch.Tensor:
        x0, x1, x2, x3 = features
        y = self.attention(x3)
        for (first, second), skip in zip(self.stages, (x2, x1, x0), strict=True):
            y = second(
                first(upsample2x(y, "tf1")) + skip
            )  # TF1 resize_images x2: [a, b] -> [a, (a+b)/2, b, b]
        return torch.tanh(self.out(y))


class GeneratorV3(nn.Module):
    """AnimeGANv3 generator. ``support_tail=False`` builds the deployed network (base + main tail).

    ``eval_norm`` picks the attention batch norm at inference: ``"reference"`` (the reference code's untrained
    constants, the default) or ``"running"`` (the trained running statistics); see ``nets/attention.py``.
    """

    arch = "v3"
    size_multiple = 8  # three stride-2 layers; the stylizer pads to it

    def __init__(self, support_tail: bool = True, eval_norm: str = "reference") -> None:
        super().__init__()
        self.eval_norm = eval_norm
        self.base = Encoder()
        self.support = Tail(eval_norm) if support_tail else None
        self.main = Tail(eval_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor | V3Output:
        features = self.base(x)
        main = self.main(features)
        if not self.training or self.support is None:
            return main
        support = self.support(features)
        return V3Output(support, filter_tanh_output(support), main)

    def config(self) -> dict[str, object]:
        """The settings besides the weights that decide the output (recorded in .safetensors files)."""
        return {"arch": self.arch, "eval_norm": self.eval_norm}

    def deploy(self) -> GeneratorV3:
        """A copy without the support tail (eval mode, CPU): what ``generator.pt`` holds and stylize runs."""
        deployed = GeneratorV3(support_tail=False, eval_norm=self.eval_norm)
        state = {k: v for k, v in self.state_dict().items() if not k.startswith(SUPPORT_PREFIX)}
        deployed.load_state_dict(state, strict=True)
        return deployed.eval()
