"""Tiling: pinned norm statistics and whole-image resampling; tiled output matches untiled (no seams, any size)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.transform import resize

from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.inference.tiling import (
    PinnedStatsNorm,
    WholeImageResample,
    Window,
    pinned_norms,
    ramp,
    stats_pass_side,
    whole_image_resampling,
)
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


def test_corner_aligned_taps_match_torch_on_the_whole_and_on_a_window():
    torch.manual_seed(0)
    low = torch.randn(1, 5, 44, 60)  # a quarter-resolution feature map of a 176 x 240 image
    whole = F.interpolate(low, size=(88, 120), mode="bilinear", align_corners=True)
    resample = WholeImageResample(lambda x, size: pytest.fail("the generator's own resize was used"))
    resample.window = Window((0, 0), (176, 240), (176, 240))
    torch.testing.assert_close(resample(low, torch.Size((88, 120))), whole, atol=1e-5, rtol=1e-5)
    # a window at rows 64..128, columns 96..176 of the image: its quarter-resolution crop, resampled alone,
    # must give the crop of the whole image's half-resolution result (away from the clamped window edges)
    resample.window = Window((64, 96), (64, 80), (176, 240))
    crop = resample(low[:, :, 16:32, 24:44], torch.Size((32, 40)))
    inner = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    torch.testing.assert_close(crop[inner], whole[:, :, 32:64, 48:88][inner], atol=1e-5, rtol=1e-5)
    plain = F.interpolate(low[:, :, 16:32, 24:44], size=(32, 40), mode="bilinear", align_corners=True)
    assert (plain[inner] - whole[:, :, 32:64, 48:88][inner]).abs().max() > 0.05  # what tiles got before


def test_whole_image_resampling_is_removed_afterwards():
    model = GeneratorV2()
    with whole_image_resampling(model) as resample:
        assert isinstance(model._upsample, WholeImageResample) and resample is model._upsample
    assert "_upsample" not in vars(model) and model._upsample.__func__ is GeneratorV2._upsample


def border_strips(width: int = 48) -> dict[str, tuple[slice, slice]]:
    every = slice(None)
    return {
        "top": (slice(0, width), every),
        "bottom": (slice(-width, None), every),
        "left": (every, slice(0, width)),
        "right": (every, slice(-width, None)),
    }


@pytest.mark.slow
def test_tile_512_of_1100x700_agrees_with_untiled_everywhere(astronaut):
    """The issue's case: PSNR >= 38 dB overall, on each 48-px border strip and on every 64-px block (seams)."""
    torch.manual_seed(3)
    stylizer = Stylizer(GeneratorV2(), device="cpu", precision="fp32")
    photo = (resize(astronaut, (700, 1100), anti_aliasing=True) * 255).round().astype(np.uint8)
    whole = stylizer(photo)
    stylizer.tile, stylizer.tile_overlap = 512, 32
    tiled = stylizer(photo)
    assert tiled.shape == photo.shape
    assert psnr(tiled, whole) >= 38.0
    for name, region in border_strips().items():
        assert psnr(tiled[region], whole[region]) >= 38.0, name
    blocks = {
        (y, x): psnr(tiled[y : y + 64, x : x + 64], whole[y : y + 64, x : x + 64])
        for y in range(0, 700, 64)
        for x in range(0, 1100, 64)
    }
    worst = min(blocks, key=blocks.get)
    assert blocks[worst] >= 38.0, f"block at {worst}: {blocks[worst]:.1f} dB"


@pytest.mark.parametrize(
    ("height", "width", "tile", "overlap"),
    [
        (130, 98, 64, 32),  # neither side a multiple of the tile nor of 4
        (37, 61, 16, 32),  # tile smaller than the overlap
        (8, 300, 64, 32),  # thinner than the network's minimum side
        (20, 20, 64, 32),  # smaller than one tile
        (1, 1, 4, 4),
    ],
)
def test_awkward_sizes_tile_like_untiled(astronaut, height, width, tile, overlap):
    torch.manual_seed(3)
    stylizer = Stylizer(GeneratorV2(), device="cpu", precision="fp32")
    photo = np.ascontiguousarray(astronaut[100 : 100 + height, 150 : 150 + width])
    whole = stylizer(photo)
    stylizer.tile, stylizer.tile_overlap = tile, overlap
    tiled = stylizer(photo)
    assert tiled.shape == photo.shape
    assert psnr(tiled, whole) >= 38.0


def test_statistics_pass_has_the_pixels_of_one_window():
    side = stats_pass_side(2160, 3840, window=576, min_side=512)  # a 4K frame, tile 512 + 2 x 32 overlap
    assert side == 768 and side * (side * 2160 // 3840) <= 576 * 576
    assert stats_pass_side(700, 1100, window=576, min_side=512) == 722
    assert stats_pass_side(2160, 3840, window=192, min_side=512) == 512  # small tiles: never below min_side
