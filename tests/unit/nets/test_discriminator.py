"""Discriminator: patch output size, spectral norm, norm variants, init."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from animegan import Discriminator


def test_patch_output_64_for_256_input() -> None:
    d = Discriminator()
    assert d(torch.zeros(2, 3, 256, 256)).shape == (2, 1, 64, 64)


def test_layer_sequence_matches_reference_channels() -> None:
    convs = [m for m in Discriminator().modules() if isinstance(m, nn.Conv2d)]
    shapes = [(c.in_channels, c.out_channels, c.stride[0]) for c in convs]
    assert shapes == [
        (3, 32, 1),
        (32, 64, 2),
        (64, 128, 1),
        (128, 128, 2),
        (128, 256, 1),
        (256, 256, 1),
        (256, 1, 1),
    ]
    assert all(c.bias is None and c.kernel_size == (3, 3) for c in convs)


@pytest.mark.parametrize(("version", "norm"), [("v1", nn.InstanceNorm2d), ("v2", nn.GroupNorm)])
def test_norm_by_version(version: str, norm: type[nn.Module]) -> None:
    d = Discriminator(version=version)
    norms = [m for m in d.modules() if isinstance(m, (nn.InstanceNorm2d, nn.GroupNorm))]
    assert len(norms) == 3 and all(isinstance(m, norm) for m in norms)


def test_spectral_norm_bounds_each_conv() -> None:
    d = Discriminator()
    d(torch.randn(1, 3, 32, 32))  # power iterations
    for _ in range(30):
        d(torch.randn(1, 3, 32, 32))
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert all(hasattr(c, "parametrizations") for c in convs)
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma < 1.2


def test_init_normal_002_and_options() -> None:
    d = Discriminator(use_spectral_norm=False)
    weights = torch.cat([m.weight.flatten() for m in d.modules() if isinstance(m, nn.Conv2d)])
    assert abs(weights.std().item() - 0.02) < 0.002
    assert Discriminator(n_dis=2)(torch.zeros(1, 3, 64, 64)).shape == (1, 1, 32, 32)
    assert Discriminator(ch=32)(torch.zeros(1, 3, 64, 64)).shape == (1, 1, 16, 16)
    with pytest.raises(ValueError, match="v3"):
        Discriminator(version="v3")
