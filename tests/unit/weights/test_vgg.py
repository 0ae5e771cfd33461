"""VGG19 feature extractor: frozen, eval-only, loads torchvision and Caffe .npy files, clear errors."""

from __future__ import annotations

import logging
import os
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torchvision.models import vgg19

from animegan.errors import WeightsError
from animegan.weights.vgg import CAFFE_LAYER_NAMES, load_vgg


@pytest.fixture(scope="module")
def torchvision_vgg() -> nn.Module:
    torch.manual_seed(0)
    return vgg19(weights=None).eval()


def caffe_dict(model: nn.Module) -> dict[str, list[np.ndarray]]:
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    return {
        name: [conv.weight.detach().permute(2, 3, 1, 0).numpy().copy(), conv.bias.detach().numpy().copy()]
        for name, conv in zip(CAFFE_LAYER_NAMES, convs, strict=False)
    }


def test_random_source_is_frozen_eval_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        vgg = load_vgg("random")
    assert "RANDOM" in caplog.text
    assert not any(p.requires_grad for p in vgg.parameters())
    vgg.train()
    assert not vgg.training and not any(m.training for m in vgg.modules())
    out = vgg(torch.zeros(1, 3, 64, 64))
    assert out.shape == (1, 512, 8, 8)
    assert out.min() < 0  # conv4_4 before ReLU: negative values survive


def test_torchvision_state_dict_file(tmp_path: Path, torchvision_vgg: nn.Module) -> None:
    path = tmp_path / "vgg19.pth"
    torch.save(torchvision_vgg.state_dict(), path)
    vgg = load_vgg(path)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = torchvision_vgg.features[:26](((x + 1) / 2 - mean) / std)
        assert torch.allclose(vgg(x), expected, atol=1e-4)


def test_caffe_npy_file_uses_bgr_mean_convention(tmp_path: Path, torchvision_vgg: nn.Module) -> None:
    path = tmp_path / "vgg19.npy"
    np.save(path, caffe_dict(torchvision_vgg), allow_pickle=True)
    vgg = load_vgg(path)
    assert vgg.convention == "caffe"
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    bgr = (x.flip(1) + 1) * 127.5 - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    with torch.no_grad():
        assert torch.allclose(vgg(x), torchvision_vgg.features[:26](bgr), rtol=1e-4, atol=1e-3)


def test_npy_with_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.npy"
    np.save(path, np.array({"conv1_1": Evil()}, dtype=object), allow_pickle=True)
    with pytest.raises(WeightsError, match="refused"):
        load_vgg(path)
    assert not marker.exists()


def test_bad_files_give_one_line(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        load_vgg(tmp_path / "missing.pth")
    wrong = tmp_path / "wrong.pth"
    torch.save({"features.0.weight": torch.zeros(1)}, wrong)
    with pytest.raises(WeightsError, match="features.0.weight") as info:
        load_vgg(wrong)
    assert "\n" not in str(info.value)
    partial = tmp_path / "partial.npy"
    np.save(partial, {"conv1_1": [np.zeros((3, 3, 3, 64)), np.zeros(64)]}, allow_pickle=True)
    with pytest.raises(WeightsError, match="conv1_2 missing"):
        load_vgg(partial)


def test_imagenet_offline_fails_at_once_naming_other_sources(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*_args, **_kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(WeightsError) as info:
        load_vgg("imagenet")
    message = str(info.value)
    assert "\n" not in message and "random" in message and ".npy" in message


def test_check_vgg_source_fetches_imagenet_before_the_run_or_says_why_not(
    monkeypatch, tmp_path: Path
) -> None:
    from torchvision.models import VGG19_Weights

    from animegan.weights.vgg import check_vgg_source

    hub = tmp_path / "hub"  # torch.hub.set_dir elsewhere (hubconf tests) would override TORCH_HOME
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    tried = []

    def offline(url, *_args, **_kwargs):
        tried.append(url)
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(WeightsError, match="could not get ImageNet VGG19 weights"):
        check_vgg_source("imagenet")
    assert tried == [VGG19_Weights.IMAGENET1K_V1.url]
    cached = hub / "checkpoints" / VGG19_Weights.IMAGENET1K_V1.url.rsplit("/", 1)[-1]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"cached")
    check_vgg_source("imagenet")  # in torch's cache: nothing fetched, nothing read
    check_vgg_source("random")
    assert len(tried) == 1


def test_check_vgg_source_names_the_download_for_a_missing_caffe_file(tmp_path: Path) -> None:
    from animegan.weights.vgg import check_vgg_source

    with pytest.raises(WeightsError) as info:
        check_vgg_source(tmp_path / "vgg19.npy")
    assert f"`animegan download vgg19 --root {tmp_path}`" in str(info.value)
    with pytest.raises(WeightsError, match="empty file"):
        (tmp_path / "empty.pth").touch()
        check_vgg_source(tmp_path / "empty.pth")
