"""TF and ONNX releases: downloaded file by file from a loopback server (fabricated files), converted once,
carrying their mode, resumed, pinned, refused when corrupt; and every release downloadable by name."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers.fabricated import fabricated_port_weights, fabricated_tf_release
from helpers.onnx_models import write_onnx
from safetensors import safe_open

from animegan.errors import DownloadError
from animegan.weights import released
from animegan.weights.registry import ReleasedFile, ReleasedWeights


def test_tf_release_is_downloaded_converted_once_and_carries_its_mode(cache, server, capsys):
    fabricated_tf_release(server.root / "weights", "Hayao-64.ckpt")
    path = released.fetch("hayao", base_url=server.base, quiet=True)
    assert path == cache / "hayao.safetensors"
    assert sorted(p.name for p in (cache / "tf" / "hayao").iterdir() if not p.name.endswith(".sha256")) == [
        "Hayao-64.ckpt.data-00000-of-00001", "Hayao-64.ckpt.index"]  # fmt: skip
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    assert (
        meta["animegan.arch"] == "v2"
        and meta["animegan.upsample"] == "tf1"
        and meta["animegan.name"] == "hayao"
    )
    assert float(meta["animegan.norm_eps"]) == 1e-12
    assert capsys.readouterr().err.count("licence: non-commercial") == 1  # printed once, on download
    for served in (server.root / "weights").iterdir():
        served.unlink()  # offline from now on
    asked = len(server.requests)
    assert released.resolve("hayao") == path and len(server.requests) == asked
    assert "licence" not in capsys.readouterr().err
    from animegan import Stylizer

    generator = Stylizer.from_weights("hayao", device="cpu", precision="fp32").generator
    assert generator.config() == {"arch": "v2", "upsample": "tf1", "norm_eps": 1e-12}


def test_tf_release_resumes_file_by_file(cache, server):
    prefix = fabricated_tf_release(server.root / "weights", "Shinkai-53.ckpt")
    data = Path(f"{prefix}.data-00000-of-00001")
    held = data.read_bytes()
    data.unlink()  # the second file is not there yet
    with pytest.raises(DownloadError, match="HTTP 404"):
        released.fetch("shinkai", base_url=server.base, quiet=True)
    assert (cache / "tf" / "shinkai" / "Shinkai-53.ckpt.index").is_file() and not released.is_cached(
        "shinkai"
    )
    data.write_bytes(held)
    server.requests.clear()
    assert released.fetch("shinkai", base_url=server.base, quiet=True) == cache / "shinkai.safetensors"
    assert server.requests == [
        "/weights/Shinkai-53.ckpt.data-00000-of-00001"
    ]  # the index was not fetched again


def test_corrupt_tf_release_leaves_nothing(cache, server):
    prefix = fabricated_tf_release(server.root / "weights", "Paprika-54.ckpt")
    data = Path(f"{prefix}.data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[1000] ^= 0xFF
    data.write_bytes(bytes(raw))
    with pytest.raises(DownloadError) as info:
        released.fetch("paprika", base_url=server.base, quiet=True)
    assert "not usable" in str(info.value) and "crc32c" in str(info.value) and "\n" not in str(info.value)
    assert not (cache / "paprika.safetensors").exists()
    assert not [p for p in (cache / "tf" / "paprika").iterdir()]  # a rerun downloads again


def git_blob(path: Path) -> str:
    return subprocess.run(
        ["git", "hash-object", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_git_blob_pins_are_checked(cache, server, monkeypatch):
    prefix = fabricated_tf_release(server.root / "weights", "Hayao-60.ckpt", arch="v1")
    with pytest.raises(DownloadError, match="size|differs from the repository"):
        released.fetch("hayao_v1", base_url=server.base, quiet=True)  # the registry pins the real files
    assert not released.is_cached("hayao_v1")
    entry = released.RELEASED["hayao_v1"]
    files = tuple(ReleasedFile(f.path, git_blob=git_blob(Path(f"{prefix}{f.name[len('Hayao-60.ckpt'):]}")))
                  for f in entry.files)  # fmt: skip
    monkeypatch.setitem(released.RELEASED, "hayao_v1", ReleasedWeights(
        "hayao_v1", "tf", "v1", 256, "test", entry.base_url, files, entry.licence))  # fmt: skip
    path = released.fetch("hayao_v1", base_url=server.base, quiet=True)
    from animegan.weights.io import load_weights

    assert load_weights(path).config() == {"arch": "v1", "upsample": "tf1"}


def test_onnx_release_is_cached_under_its_name(cache, server):
    write_onnx(server.root / "weights" / "AnimeGANv3_Hayao_36.onnx")
    path = released.fetch("v3_hayao", base_url=server.base, quiet=True)
    assert path == cache / "AnimeGANv3_Hayao_36.onnx"
    from animegan import Stylizer

    stylizer = Stylizer.from_weights("v3_hayao", device="cpu")
    rgb = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    assert stylizer(rgb).shape == (40, 50, 3)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(released.RELEASED))
def test_every_release_downloads_by_name(name, cache, server, monkeypatch):
    """Fabricated files of each release's family under its upstream names (pins of real files replaced)."""
    entry = released.RELEASED[name]
    served = server.root / "weights"
    if entry.family == "port":
        fabricated_port_weights(served / entry.files[0].name)
    elif entry.family == "onnx":
        write_onnx(served / entry.files[0].name)
    else:
        fabricated_tf_release(served, entry.files[0].name[: -len(".index")], arch=entry.arch)
    if any(f.sha256 or f.git_blob for f in entry.files):
        files = tuple(ReleasedFile(f.path) for f in entry.files)
        monkeypatch.setitem(released.RELEASED, name, ReleasedWeights(
            name, entry.family, entry.arch, entry.train_size, "test", entry.base_url, files, entry.licence))  # fmt: skip
    path = released.fetch(name, base_url=server.base, quiet=True)
    assert path == released.cached_path(name) and released.verify_cached(name) == path
    from animegan.inference.runtimes.onnx_runtime import OnnxGenerator
    from animegan.weights.io import load_weights

    if entry.family == "onnx":
        assert OnnxGenerator(path).family == "v3"
    else:
        generator = load_weights(path)
        assert generator.config()["arch"] == entry.arch
        assert generator.config()["upsample"] == ("tf1" if entry.family == "tf" else "align_corners")
