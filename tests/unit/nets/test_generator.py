"""Generator v2 matches the PyTorch port (layout, parameter count, forward); v1 and odd sizes work."""

from __future__ import annotations

import pytest
import torch
from port_reference import port_forward, port_state_dict

from animegan import Generator, GeneratorV1, GeneratorV2, build_generator
from animegan.nets import GeneratorV3


def test_v2_parameter_count_and_size() -> None:
    g = GeneratorV2()
    assert sum(p.numel() for p in g.parameters()) == 2_143_552
    assert Generator is GeneratorV2


def test_v2_state_dict_layout_is_the_ports() -> None:
    ours = {k: tuple(v.shape) for k, v in GeneratorV2().state_dict().items()}
    port = {k: tuple(v.shape) for k, v in port_state_dict().items()}
    assert len(ours) == 77
    assert ours == port


@pytest.mark.parametrize("size", [(64, 64), (37, 53), (50, 31)])
def test_v2_loads_port_weights_strict_and_matches_port_forward(size: tuple[int, int]) -> None:
    state = port_state_dict(seed=3)
    g = GeneratorV2().eval()
    g.load_state_dict(state, strict=True)
    x = torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        ours, theirs = g(x), port_forward(state, x)
    assert ours.shape == (2, 3, *size)
    assert torch.allclose(ours, theirs, atol=1e-5), (ours - theirs).abs().max()


def test_v2_output_range_and_sizes_not_multiple_of_four() -> None:
    g = GeneratorV2().eval()
    with torch.no_grad():
        for h, w in [(33, 47), (9, 13), (128, 96)]:
            out = g(torch.zeros(1, 3, h, w))
            assert out.shape[-2:] == (h, w)
            assert out.abs().max() <= 1


def test_v2_scale_factor_upsampling_variant_matches_on_multiples_of_four() -> None:
    g = GeneratorV2(align_corners=False).eval()
    with torch.no_grad():
        assert g(torch.zeros(1, 3, 64, 48)).shape == (1, 3, 64, 48)


def test_v1_parameter_count_and_forward() -> None:
    g = GeneratorV1().eval()
    n = sum(p.numel() for p in g.parameters())
    assert abs(n - 3_956_096) / 3_956_096 < 0.01, n
    assert any(isinstance(m, torch.nn.InstanceNorm2d) for m in g.modules())
    with torch.no_grad():
        assert g(torch.zeros(1, 3, 45, 62)).shape == (1, 3, 45, 62)


def test_build_generator_names() -> None:
    assert isinstance(build_generator("v1"), GeneratorV1)
    assert isinstance(build_generator("v2"), GeneratorV2)
    assert isinstance(build_generator("v3"), GeneratorV3)
    with pytest.raises(ValueError, match="v4"):
        build_generator("v4")
