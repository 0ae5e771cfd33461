"""Discriminator: a forward written from the reference's layer list, parameter count, spectral norm, init."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from animegan import Discriminator

# the reference (animegan-reference.md section 2): ch 64, n_dis 3, spectral norm on
REFERENCE = {"ch": 64, "n_dis": 3, "use_spectral_norm": True}
# (in, out, stride, normalised) of each 3x3 conv, in the reference's words:
# conv 3->32 s1, LReLU; conv 32->64 s2, LReLU; conv 64->128 s1, norm, LReLU; conv 128->128 s2, LReLU;
# conv 128->256 s1, norm, LReLU; conv 256->256, norm, LReLU; conv 256->1
REFERENCE_CONVS = [
    (3, 32, 1, False),
    (32, 64, 2, False),
    (64, 128, 1, True),
    (128, 128, 2, False),
    (128, 256, 1, True),
    (256, 256, 1, True),
    (256, 1, 1, False),
]


def discriminator(**changes) -> Discriminator:
    return Discriminator(**(REFERENCE | {"version": "v2"} | changes))


def reference_forward(d: Discriminator, x: torch.Tensor, version: str) -> torch.Tensor:
    """The reference's layer list with F.conv2d and the norms written out, reading the weights of ``d``."""
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in d.modules() if isinstance(m, (nn.GroupNorm, nn.InstanceNorm2d))]
    norms.reverse()
    for conv, (_, _, stride, normalised) in zip(convs, REFERENCE_CONVS, strict=True):
        x = F.conv2d(x, conv.weight, stride=stride, padding=1)
        if normalised:
            norm = norms.pop()
            dims = (
                (1, 2, 3) if version == "v2" else (2, 3)
            )  # layer norm over C, H, W; instance norm over H, W
            mean = x.mean(dim=dims, keepdim=True)
            var = x.var(dim=dims, unbiased=False, keepdim=True)
            x = (x - mean) / torch.sqrt(var + norm.eps) * norm.weight[:, None, None] + norm.bias[
                :, None, None
            ]
        if conv is not convs[-1]:
            x = torch.where(x > 0, x, 0.2 * x)
    return x


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_forward_matches_the_reference_layer_list(version: str) -> None:
    torch.manual_seed(0)
    d = discriminator(version=version, use_spectral_norm=False).eval()
    for norm in (m for m in d.modules() if isinstance(m, (nn.GroupNorm, nn.InstanceNorm2d))):
        nn.init.normal_(norm.weight, 1.0, 0.1)
        nn.init.normal_(norm.bias, 0.0, 0.1)
    x = torch.randn(2, 3, 40, 48, dtype=torch.float64)
    d = d.double()
    with torch.no_grad():
        got, expected = d(x), reference_forward(d, x, version)
    assert got.shape == (2, 1, 10, 12)  # patch logits at H/4 x W/4
    torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-9)


def test_parameter_count_is_the_reference_layer_lists() -> None:
    kernels = sum(cin * cout * 9 for cin, cout, _, _ in REFERENCE_CONVS)
    affine = sum(2 * cout for _, cout, _, normalised in REFERENCE_CONVS if normalised)
    for version in ("v1", "v2"):
        d = discriminator(version=version)
        assert sum(p.numel() for p in d.parameters()) == kernels + affine == 1_128_800
        assert all(c.bias is None for c in d.modules() if isinstance(c, nn.Conv2d))


def test_spectral_norm_bounds_each_conv() -> None:
    d = discriminator()
    d(torch.randn(1, 3, 32, 32))  # power iterations
    for _ in range(30):
        d(torch.randn(1, 3, 32, 32))
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert all(hasattr(c, "parametrizations") for c in convs)
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma < 1.2


def test_init_normal_002_and_options() -> None:
    d = discriminator(use_spectral_norm=False)
    weights = torch.cat([m.weight.flatten() for m in d.modules() if isinstance(m, nn.Conv2d)])
    assert abs(weights.std().item() - 0.02) < 0.002
    assert discriminator(n_dis=2)(torch.zeros(1, 3, 64, 64)).shape == (1, 1, 32, 32)
    assert discriminator(ch=32)(torch.zeros(1, 3, 64, 64)).shape == (1, 1, 16, 16)
    with pytest.raises(ValueError, match="v3"):
        discriminator(version="v3")


def test_the_config_gives_the_reference_discriminator(cfg) -> None:
    node = cfg().model.discriminator
    assert {k: node[k] for k in REFERENCE} == REFERENCE
