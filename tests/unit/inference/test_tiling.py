"""Tiling: pinned norm statistics reproduce the norm layers; tiled output matches untiled (no seams)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.transform import resize

from animegan.inference.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.inference.tiling import PinnedStatsNorm, pinned_norms, ramp
from animegan.nets import GeneratorV2


@pytest.mark.parametrize(
    "norm", [torch.nn.GroupNorm(1, 8), torch.nn.GroupNorm(2, 8), torch.nn.InstanceNorm2d(8, affine=True)]
)
def test_pinned_norm_matches_the_norm_on_the_recorded_input(norm):
    torch.manual_seed(0)
    with torch.no_grad():
        if norm.weight is not None:
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.5, 0.5)
    x = torch.randn(2, 8, 10, 12) * 3 + 1
    wrapper = PinnedStatsNorm(norm)
    recorded = wrapper(x)
    wrapper.mode = "pinned"
    torch.testing.assert_close(recorded, norm(x))
    torch.testing.assert_close(wrapper(x), norm(x), atol=1e-5, rtol=1e-5)
    # a crop normalised with the whole tensor's statistics equals the crop of the normalised whole
    wrapper_crop = wrapper(x[..., 2:7, 3:9])
    torch.testing.assert_close(wrapper_crop, norm(x)[..., 2:7, 3:9], atol=1e-5, rtol=1e-5)


def test_tiles_with_own_statistics_differ_but_pinned_ones_agree(astronaut):
    """Small-scale version of the seam problem: 2x2 tiles of 64 px, with and without shared statistics."""
    torch.manual_seed(3)
    stylizer = Stylizer(GeneratorV2(), device="cpu", precision="fp32")
    photo = astronaut[::4, ::4].copy()
    whole = stylizer(photo)
    rows = [np.concatenate([stylizer(photo[y : y + 64, x : x + 64]) for x in (0, 64)], 1) for y in (0, 64)]
    own = np.concatenate(rows, 0)
    stylizer.tile, stylizer.tile_overlap, stylizer.tile_stats_side = 64, 16, 128
    pinned = stylizer(photo)
    assert psnr(pinned, whole) >= 35.0
    assert psnr(own, whole) < psnr(pinned, whole) - 5


def test_pinned_norms_are_removed_afterwards():
    model = GeneratorV2()
    before = [type(m) for m in model.modules()]
    with pinned_norms(model) as norms:
        assert len(norms) == sum(t is torch.nn.GroupNorm for t in before)
    assert [type(m) for m in model.modules()] == before


def test_ramps_of_neighbouring_windows_sum_to_one():
    overlap, tile, length = 8, 32, 100
    total = torch.zeros(length)
    for lo in range(0, length, tile):
        hi = min(lo + tile, length)
        start, stop = max(0, lo - overlap), min(length, hi + overlap)
        total[start:stop] += ramp(length, start, stop, lo, hi, overlap)
    assert torch.all(total[: 96 - overlap] > 0.999) and torch.all(total[: 96 - overlap] < 1.001)


@pytest.mark.slow
def test_tiled_1024_matches_untiled(astronaut):
    torch.manual_seed(3)
    stylizer = Stylizer(GeneratorV2(), device="cpu", precision="bf16")
    photo = (resize(astronaut, (1024, 1024), anti_aliasing=True) * 255).round().astype(np.uint8)
    whole = stylizer(photo)
    stylizer.tile, stylizer.tile_overlap = 512, 32
    tiled = stylizer(photo)
    assert tiled.shape == photo.shape
    assert psnr(tiled, whole) >= 35.0


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["v2", "v1"])
def test_tiles_agree_for_the_tf_graphs_modes_too(astronaut, arch):
    """Converted TF weights run in TF1 legacy-upsampling mode (and v1 with its resize branches): tiles still match.
    v1 sees further (eight residual blocks at a quarter of the size), so its tiles need a wider overlap."""
    from animegan.nets import build_generator

    torch.manual_seed(3)
    config = {"upsample": "tf1", "norm_eps": 1e-12} if arch == "v2" else {"upsample": "tf1"}
    stylizer = Stylizer(build_generator(arch, **config), device="cpu", precision="fp32")
    photo = astronaut[::4, ::4].copy() if arch == "v2" else astronaut[::4, ::4][32:96].copy()  # v1: two tiles
    whole = stylizer(photo)
    stylizer.tile, stylizer.tile_overlap, stylizer.tile_stats_side = 64, 16 if arch == "v2" else 32, 128
    assert psnr(stylizer(photo), whole) >= (35.0 if arch == "v2" else 33.0)
