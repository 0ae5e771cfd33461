"""Fabricated ONNX generators for tests (random weights, labelled as such): a tiny stand-in with AnimeGANv3's
tensor names and layout (NHWC, input ``AnimeGANv3_input:0``, output ``generator_1/main/out_layer:0``), whose
8x8 pooling branch, like v3's three stride-2 stages, only works on sides that are multiples of 8."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

V3_INPUT, V3_OUTPUT = "AnimeGANv3_input:0", "generator_1/main/out_layer:0"


class TinyV3(nn.Module):
    """NHWC (or NCHW) float in [-1, 1] -> same layout in [-1, 1]; needs sides that are multiples of 8."""

    def __init__(self, nhwc: bool = True, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.nhwc = nhwc
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.out = nn.Conv2d(8, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 3, 1, 2) if self.nhwc else x
        h = F.leaky_relu(self.conv(x), 0.2)
        coarse = F.avg_pool2d(h, 8)  # a multiple of 8 is needed for the two branches to add up
        h = h + torch.repeat_interleave(torch.repeat_interleave(coarse, 8, dim=2), 8, dim=3)
        y = torch.tanh(self.out(h - h.mean(dim=(2, 3), keepdim=True)))
        return y.permute(0, 2, 3, 1) if self.nhwc else y


def write_onnx(
    path: str | Path,
    nhwc: bool = True,
    names: tuple[str, str] = (V3_INPUT, V3_OUTPUT),
    fixed: tuple[int, int] | None = None,
    seed: int = 0,
) -> TinyV3:
    """Export a TinyV3 to ``path`` (dynamic batch and size unless ``fixed``); returns the torch module."""
    model = TinyV3(nhwc, seed).eval()
    h, w = fixed or (64, 72)
    example = torch.zeros(1, h, w, 3) if nhwc else torch.zeros(1, 3, h, w)
    axes = {0: "batch", 1: "height", 2: "width"} if nhwc else {0: "batch", 2: "height", 3: "width"}
    dynamic = None if fixed else {names[0]: axes, names[1]: axes}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(path), input_names=[names[0]], output_names=[names[1]],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)  # fmt: skip
    return model
