"""The FID feature network: the release's layout from a file, the fetch with its hash-prefix check, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from helpers.local_server import serve_folder
from pytorch_fid.inception import fid_inception_v3

from animegan.errors import DownloadError, WeightsError
from animegan.eval import inception


@pytest.fixture(scope="module")
def random_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return inception.write_random(tmp_path_factory.mktemp("inception") / "random.pth")


def test_random_state_has_the_release_layout() -> None:
    """Every key and shape pytorch-fid's own FID network loads (its builder given our state instead of the web)."""
    state = inception.random_state()
    with inception._serving(state):
        reference = fid_inception_v3()  # raises on a missing or mis-shaped key
    assert set(reference.state_dict()) == set(state)


def test_loaded_network_gives_2048_pool3_features_of_order_one(random_file: Path) -> None:
    net = inception.load(random_file)
    assert not net.standard and net.describe()["sha256"] == net.sha256
    with torch.inference_mode():
        features = net.network(torch.rand(2, 3, 40, 48))[0].flatten(1)
    assert features.shape == (2, 2048)
    assert 1e-3 < features.std().item() < 1e3


def test_a_file_of_another_layout_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pth"
    torch.save({"conv.weight": torch.zeros(3, 3)}, bad)
    with pytest.raises(WeightsError, match="not a pytorch-fid Inception state dict") as info:
        inception.load(bad)
    assert "\n" not in str(info.value)


def test_offline_fetch_says_what_to_download_and_where(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path))
    monkeypatch.setattr(inception, "URL", "http://127.0.0.1:9/pt_inception-2015-12-05-6726825d.pth")
    with pytest.raises(DownloadError) as info:
        inception.feature_net(None, quiet=True)
    message = str(info.value)
    assert "\n" not in message and "download http://127.0.0.1:9/" in message
    assert str(inception.cached_path()) in message and "--inception FILE" in message


def test_fetched_file_must_carry_the_hash_prefix(tmp_path: Path, monkeypatch, random_file: Path) -> None:
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "cache"))
    served = tmp_path / "served"
    served.mkdir()
    (served / inception.FILE_NAME).write_bytes(random_file.read_bytes())  # right name, wrong content
    with serve_folder(served) as base:
        monkeypatch.setattr(inception, "URL", f"{base}/{inception.FILE_NAME}")
        with pytest.raises(DownloadError, match="does not start with 6726825d"):
            inception.feature_net(None, quiet=True)
    assert not inception.cached_path().exists()


def test_a_cached_file_with_the_prefix_is_used_without_network(tmp_path: Path, monkeypatch, random_file):
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path))
    inception.cached_path().parent.mkdir(parents=True)
    inception.cached_path().write_bytes(random_file.read_bytes())
    monkeypatch.setattr(inception, "sha256_of", lambda path: "6726825d" + "0" * 56)  # pretend: the release
    monkeypatch.setattr(inception, "URL", "http://127.0.0.1:9/unreachable.pth")
    net = inception.feature_net(None, quiet=True)
    assert net.standard and net.path == inception.cached_path()
