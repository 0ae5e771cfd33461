"""The deployed v3 generator at inference: any image size (padded to a multiple of 8, cropped back), tiles with
pinned LADE and attention statistics, ONNX and TorchScript export parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from animegan.inference.export import export, run_exported
from animegan.inference.pixels import to_tensor, to_uint8
from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.inference.tiling import pinned_norms
from animegan.nets import GeneratorV2, GeneratorV3
from animegan.nets.lade import LADE


@pytest.fixture(scope="module")
def deployed() -> GeneratorV3:
    torch.manual_seed(7)
    return GeneratorV3().deploy()


def test_any_size_is_padded_to_a_multiple_of_8_and_cropped_back(deployed: GeneratorV3) -> None:
    stylizer = Stylizer(deployed, device="cpu", precision="fp32")
    assert stylizer.multiple == 8 and Stylizer(GeneratorV2(), device="cpu", precision="fp32").multiple == 4
    rgb = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    out = stylizer(rgb)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    padded = F.pad(to_tensor([rgb]), (0, 3, 0, 3), mode="reflect")  # 40 x 56
    with torch.no_grad():
        expected = to_uint8(deployed(padded)[:, :, :37, :53])[0]
    np.testing.assert_array_equal(out, expected)


def test_tiles_share_the_whole_images_lade_and_attention_statistics(deployed: GeneratorV3, astronaut) -> None:
    stylizer = Stylizer(deployed, device="cpu", precision="fp32")
    photo = np.ascontiguousarray(astronaut[::4, ::4])
    whole = stylizer(photo)
    rows = [np.concatenate([stylizer(photo[y : y + 64, x : x + 64]) for x in (0, 64)], 1) for y in (0, 64)]
    own = np.concatenate(rows, 0)
    stylizer.tile, stylizer.tile_overlap, stylizer.tile_stats_side = 64, 16, 128
    pinned = stylizer(photo)
    assert psnr(pinned, whole) >= 35.0
    assert psnr(own, whole) < psnr(pinned, whole) - 5
    with pinned_norms(deployed) as pinning:
        assert len(pinning) == sum(isinstance(m, LADE) for m in deployed.modules()) + 1  # + the attention
    assert all(m.pin_mode is None and not m.pinned for m in deployed.modules() if hasattr(m, "pin_mode"))


@pytest.mark.parametrize("fmt,suffix", [("onnx", ".onnx"), ("torchscript", ".ts")])
def test_export_parity_at_new_sizes(deployed: GeneratorV3, tmp_path: Path, fmt: str, suffix: str) -> None:
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
    path = tmp_path / f"v3{suffix}"
    assert export(deployed, path, fmt) <= 1e-4
    for h, w in [(48, 40), (80, 120)]:  # multiples of 8 the exporter never saw
        x = torch.rand(2, 3, h, w) * 2 - 1
        with torch.no_grad():
            eager = deployed(x).numpy()
        got = run_exported(path, fmt, x)
        assert got.shape == eager.shape and np.abs(got - eager).max() <= 1e-4
