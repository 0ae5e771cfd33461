"""reflect_pad / ReflectionPad: the values of the reflect pad, in the input's dtype even under CPU autocast."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from animegan.nets.blocks import ConvNormLReLU
from animegan.nets.padding import ReflectionPad, reflect_pad


def test_the_pad_keeps_bf16_under_autocast_and_equals_the_float32_pad() -> None:
    x = torch.randn(2, 4, 9, 7).to(torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        plain = F.pad(x, (1, 2, 0, 1), mode="reflect")  # autocast widens it
        kept = reflect_pad(x, (1, 2, 0, 1))
    assert plain.dtype == torch.float32 and kept.dtype == torch.bfloat16
    assert torch.equal(kept.float(), plain)


def test_the_pad_module_matches_torch_outside_autocast_and_keeps_channels_last() -> None:
    x = torch.randn(1, 3, 6, 6).contiguous(memory_format=torch.channels_last)
    out = ReflectionPad((0, 1, 0, 1))(x)
    assert torch.equal(out, torch.nn.ReflectionPad2d((0, 1, 0, 1))(x))


def test_a_generator_block_under_autocast_never_widens_its_activations() -> None:
    """Every op inside ConvNormLReLU runs on bf16 under autocast: no float32 copy of the activation is made."""
    block = ConvNormLReLU(8, 8)
    x = torch.randn(2, 8, 16, 16)
    seen: list[torch.dtype] = []
    for child in block:
        child.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        block(x.to(torch.bfloat16))
    assert seen == [torch.bfloat16] * 4
