"""Generator v2 matches the PyTorch port (layout, parameter count, forward); v1 and odd sizes work."""

from __future__ import annotations

import pytest
import torch
from helpers.port_reference import port_forward, port_state_dict

from animegan import Generator, GeneratorV1, GeneratorV2, build_generator


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


def tf_v1_parameter_count() -> int:
    """The TF v1 graph's trainable variables, counted from net/generator.py's layers (kernels [kh, kw, in, out])."""
    conv = lambda k, cin, cout: k * k * cin * cout + 2 * cout  # noqa: E731 - conv + instance norm (beta, gamma)
    sep = lambda cin, cout: 9 * cin + cin * cout + 2 * cout  # noqa: E731 - depthwise + pointwise + norm
    irb = (
        conv(1, 256, 512) + 9 * 512 + 2 * 512 + conv(1, 512, 256)
    )  # expand, depthwise (no bias) + norm, project
    b1 = conv(3, 3, 64) + conv(3, 64, 64) + 2 * sep(64, 128)
    b2 = conv(3, 128, 128) + sep(128, 128) + 2 * sep(128, 256)
    m = 2 * conv(3, 256, 256) + 8 * irb
    u2 = sep(256, 128) + sep(128, 128) + conv(3, 128, 128)
    u1 = sep(128, 128) + conv(3, 128, 64) + conv(3, 64, 64)
    return b1 + b2 + m + u2 + u1 + 64 * 3


def test_v1_parameter_count_is_the_tf_graphs() -> None:
    g = GeneratorV1()
    n = sum(p.numel() for p in g.parameters())
    assert n == tf_v1_parameter_count() == 3_956_096
    assert any(isinstance(m, torch.nn.InstanceNorm2d) for m in g.modules())
    assert not any(m.bias is not None for m in g.modules() if isinstance(m, torch.nn.Conv2d))
    epsilons = sorted({m.eps for m in g.modules() if isinstance(m, torch.nn.InstanceNorm2d)})
    assert epsilons == [1e-6, 1e-5]  # contrib instance_norm in separable convs, ops.instance_norm elsewhere


def test_v1_block_output_shapes() -> None:
    g = GeneratorV1().eval()
    shapes: dict[str, tuple[int, ...]] = {}
    for name in ("b1", "b1_down", "b1_skip", "b2", "b2_down", "b2_skip", "middle", "u2", "u1", "out_layer"):
        getattr(g, name).register_forward_hook(
            lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape))
        )
    with torch.no_grad():
        out = g(torch.zeros(1, 3, 64, 96))
    assert shapes == {
        "b1": (1, 64, 64, 96),
        "b1_down": (1, 128, 32, 48),
        "b1_skip": (1, 128, 32, 48),
        "b2": (1, 128, 32, 48),
        "b2_down": (1, 256, 16, 24),
        "b2_skip": (1, 256, 16, 24),
        "middle": (1, 256, 16, 24),
        "u2": (1, 128, 32, 48),
        "u1": (1, 64, 64, 96),
        "out_layer": (1, 3, 64, 96),
    }
    assert out.abs().max() <= 1


def test_v1_output_is_the_tf_graphs_size() -> None:
    """Two halvings then two doublings: 4*floor(H/4) x 4*floor(W/4), as in TF (the Stylizer pads to 4)."""
    g = GeneratorV1().eval()
    with torch.no_grad():
        assert g(torch.zeros(1, 3, 45, 62)).shape == (1, 3, 44, 60)
        assert g(torch.zeros(1, 3, 44, 60)).shape == (1, 3, 44, 60)


def test_v2_tf_mode_has_the_same_layout_and_upsamples_by_two() -> None:
    g = GeneratorV2(upsample="tf1", norm_eps=1e-12).eval()
    assert {k: v.shape for k, v in g.state_dict().items()} == {
        k: v.shape for k, v in GeneratorV2().state_dict().items()
    }
    assert g.config() == {"arch": "v2", "upsample": "tf1", "norm_eps": 1e-12}
    assert {m.eps for m in g.modules() if isinstance(m, torch.nn.GroupNorm)} == {1e-12}
    with torch.no_grad():
        assert g(torch.zeros(1, 3, 64, 48)).shape == (1, 3, 64, 48)
    with pytest.raises(ValueError, match="upsampling mode"):
        GeneratorV2(upsample="nearest")


def test_build_generator_names_build_the_reference_architectures() -> None:
    """Parameter counts from the reference docs (animegan-reference.md: v1, v2; animegan-v3-reference.md: v3 in
    training, base + two tails)."""
    reference = {"v1": 3_956_096, "v2": 2_143_552, "v3": 1_557_792}
    for arch, count in reference.items():
        generator = build_generator(arch)
        assert sum(p.numel() for p in generator.parameters() if p.requires_grad) == count, arch
        assert generator.config()["arch"] == arch
    with pytest.raises(ValueError, match="v4"):
        build_generator("v4")
