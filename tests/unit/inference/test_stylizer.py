"""Stylizer: exact size and aspect, parity with a plain re-implementation, batching, precision, weight kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.stylize_reference import reference_stylize

from animegan.errors import WeightsError
from animegan.inference.runtimes.precision import ExecutionPath, choose_path, psnr
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV1, GeneratorV2
from animegan.weights.io import save_generator


@pytest.fixture(scope="module")
def generator() -> GeneratorV2:
    torch.manual_seed(7)
    return GeneratorV2().eval()


@pytest.fixture(scope="module")
def fp32(generator) -> Stylizer:
    return Stylizer(generator, device="cpu", precision="fp32")


@pytest.mark.parametrize("shape", [(37, 53), (64, 48), (30, 101), (17, 18)])
def test_output_has_input_size_and_matches_plain_padding(generator, fp32, rng, shape):
    rgb = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    out = fp32(rgb)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - reference_stylize(generator, rgb).astype(int)).max() <= 1


def test_tiny_images_are_padded_up_and_cropped_back(fp32, rng):
    for shape in [(1, 1, 3), (3, 9, 3), (9, 2, 3)]:
        rgb = rng.integers(0, 256, shape, dtype=np.uint8)
        assert fp32(rgb).shape == shape


def test_output_depends_on_input(fp32, astronaut):
    crop = astronaut[100:164, 150:230]
    assert not np.array_equal(fp32(crop), fp32(crop // 2))


def test_batch_equals_single_images(fp32, rng):
    frames = [rng.integers(0, 256, (40, 44, 3), dtype=np.uint8) for _ in range(3)]
    batched = fp32.stylize_batch(frames)
    for frame, out in zip(frames, batched, strict=True):
        assert np.abs(out.astype(int) - fp32(frame).astype(int)).max() <= 1


def test_rejects_non_rgb_arrays(fp32):
    with pytest.raises(ValueError, match="RGB uint8"):
        fp32(np.zeros((8, 8), np.uint8))


def test_bf16_channels_last_close_to_fp32(generator, fp32, astronaut):
    crop = astronaut[:128, 64:192]
    bf16 = Stylizer(generator, device="cpu", precision="bf16")
    assert bf16.execution == ExecutionPath("bf16", True)
    assert psnr(bf16(crop), fp32(crop)) >= 35.0


def test_auto_precision_falls_back_to_fp32_when_bound_unreachable(generator):
    assert choose_path(generator, torch.device("cpu"), "auto", min_psnr=1e9).precision == "fp32"
    assert choose_path(generator, torch.device("cpu"), "fp32").precision == "fp32"


def test_from_weights_accepts_every_kind(generator, tmp_path: Path, rng):
    state = generator.state_dict()
    ours = save_generator(generator, tmp_path / "generator.pt")
    safetensors = save_generator(generator, tmp_path / "generator.safetensors")
    port = tmp_path / "port.pt"
    torch.save(state, port)
    ckpt = tmp_path / "last.ckpt"
    disc = {"discriminator.conv.weight": torch.zeros(1)}
    torch.save({"epoch": 3, "state_dict": {**{f"generator.{k}": v for k, v in state.items()}, **disc}}, ckpt)
    rgb = rng.integers(0, 256, (36, 52, 3), dtype=np.uint8)
    expected = reference_stylize(generator, rgb)
    for path in (ours, safetensors, port, ckpt):
        out = Stylizer.from_weights(path, device="cpu", precision="fp32")(rgb)
        assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1, path.name


def test_v1_weights_work_too(tmp_path: Path, rng):
    torch.manual_seed(1)
    v1 = GeneratorV1().eval()
    path = save_generator(v1, tmp_path / "v1.pt")
    stylizer = Stylizer.from_weights(path, device="cpu", precision="fp32")
    for shape in [(21, 30), (37, 53)]:
        rgb = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
        out = stylizer(rgb)
        assert out.shape == rgb.shape
        assert np.abs(out.astype(int) - reference_stylize(v1, rgb).astype(int)).max() <= 1


def test_weights_of_another_architecture_are_refused(tmp_path: Path):
    path = tmp_path / "resnet.pt"
    torch.save(torch.nn.Conv2d(3, 8, 3).state_dict(), path)
    with pytest.raises(WeightsError, match="not an AnimeGAN"):
        Stylizer.from_weights(path, device="cpu")


def test_unavailable_or_unknown_device_is_one_line(generator):
    from animegan.errors import AnimeGANError

    with pytest.raises(AnimeGANError, match="unknown device"):
        Stylizer(generator, device="tpu9")
    if not torch.cuda.is_available():
        with pytest.raises(AnimeGANError, match="no CUDA GPU"):
            Stylizer(generator, device="cuda")
