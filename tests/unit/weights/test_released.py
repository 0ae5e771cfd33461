"""Released weights of every family: registry, download from a loopback server (fabricated files), TF conversion
once, hash pinning, offline reuse, licences, resuming, and earlier caches kept as what they were."""

from __future__ import annotations

import functools
import hashlib
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.onnx_models import write_onnx
from helpers.tf_bundle import write_checkpoint
from helpers.tf_graph import random_tf_generator
from safetensors import safe_open

from animegan.errors import DownloadError, WeightsError
from animegan.nets import GeneratorV2
from animegan.weights import released
from animegan.weights.registry import AUTHORS_LICENCE, ReleasedFile, ReleasedWeights


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ANIMEGAN_WEIGHTS_URL", raising=False)
    return tmp_path / "cache" / "weights"


class Server:
    """An HTTP server on 127.0.0.1 serving ``root`` (files under their names); records the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.root, self.requests = root, []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                server.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/weights"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "served"
    (root / "weights").mkdir(parents=True)
    serving = Server(root)
    yield serving
    serving.httpd.shutdown()
    serving.httpd.server_close()


def fabricated_port_weights(path: Path, seed: int = 0) -> bytes:
    """A state dict in the PyTorch port's format (random values, labelled as fabricated)."""
    torch.manual_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(GeneratorV2().state_dict(), path)
    return path.read_bytes()


def fabricated_tf_release(folder: Path, prefix: str, arch: str = "v2", seed: int = 0) -> Path:
    """A TF1 generator checkpoint with random weights under the release's file names (fabricated)."""
    return write_checkpoint(folder / prefix, random_tf_generator(arch, seed))


def test_registry_lists_every_family_with_licences():
    names = set(released.RELEASED)
    assert {
        "hayao",
        "shinkai",
        "paprika",
        "hayao_v1",
        "v3_hayao",
        "v3_shinkai",
        "v3_portrait_sketch",
    } <= names
    port = {"face_paint_512_v2", "face_paint_512_v1", "celeba_distill", "paprika_port"}  # the port's four
    assert {n for n, w in released.RELEASED.items() if w.family == "port"} == port
    assert all(released.RELEASED[n].arch == "v2" for n in port)
    assert released.url_for("paprika_port", None).endswith(
        "bryandlee/animegan2-pytorch/raw/main/weights/paprika.pt"
    )
    assert [(released.RELEASED[n].family, released.RELEASED[n].arch) for n in ("hayao", "hayao_v1", "v3_hayao")] == [
        ("tf", "v2"), ("tf", "v1"), ("onnx", "v3")]  # fmt: skip
    authors = [w for w in released.RELEASED.values() if w.family != "port"]
    assert authors and all(w.licence == AUTHORS_LICENCE and "non-commercial" in w.licence for w in authors)
    assert (
        "non-commercial" in released.RELEASED["paprika_port"].licence
    )  # converted from the authors' Paprika
    assert released.urls_for("hayao")[1].endswith("AnimeGANv2/raw/master/checkpoint/generator_Hayao_weight/"
                                                   "Hayao-64.ckpt.data-00000-of-00001")  # fmt: skip


def test_download_once_then_offline_with_recorded_hash(cache, server, monkeypatch):
    payload = fabricated_port_weights(server.root / "weights" / "paprika.pt")
    monkeypatch.setenv("ANIMEGAN_WEIGHTS_URL", server.base)
    path = released.resolve("paprika_port", quiet=True)
    assert path == cache / "paprika.pt" and path.read_bytes() == payload
    assert released.expected_sha256("paprika_port") == hashlib.sha256(payload).hexdigest()
    (server.root / "weights" / "paprika.pt").unlink()  # the server no longer has it: the cache must be used
    assert released.resolve("paprika_port", quiet=True) == path
    assert released.resolve(None) == path  # the cached default
    from animegan import Stylizer

    stylizer = Stylizer.from_weights("paprika_port", device="cpu", precision="fp32")
    assert stylizer.weights_path == path and stylizer.generator.upsample == "align_corners"


def test_tampered_cache_is_refused(cache, server):
    fabricated_port_weights(server.root / "weights" / "celeba_distill.pt")
    path = released.fetch("celeba_distill", base_url=server.base, quiet=True)
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(WeightsError, match="sha256 does not match"):
        released.resolve("celeba_distill")


def test_published_hash_mismatch_fails_and_leaves_nothing(cache, server, monkeypatch):
    fabricated_port_weights(server.root / "weights" / "paprika.pt")
    entry = released.RELEASED["paprika_port"]
    pinned = ReleasedWeights(entry.name, "port", "v2", 256, "test", entry.base_url,
                             (ReleasedFile("paprika.pt", sha256="0" * 64),), entry.licence)  # fmt: skip
    monkeypatch.setitem(released.RELEASED, "paprika_port", pinned)
    with pytest.raises(DownloadError, match="sha256"):
        released.fetch("paprika_port", base_url=server.base, quiet=True)
    assert not (cache / "paprika.pt").exists()


def test_served_file_that_is_not_a_generator_is_not_cached(cache, server):
    torch.save({"conv.weight": torch.zeros(3, 3)}, server.root / "weights" / "paprika.pt")
    with pytest.raises(DownloadError, match="not usable"):
        released.fetch("paprika_port", base_url=server.base, quiet=True)
    assert not (cache / "paprika.pt").exists()


def test_missing_on_server_is_one_line(cache, server):
    with pytest.raises(DownloadError, match="HTTP 404"):
        released.fetch("paprika_port", base_url=server.base, quiet=True)


def test_no_weights_and_nothing_cached_says_how_to_get_some(cache):
    with pytest.raises(WeightsError) as info:
        released.resolve(None)
    message = str(info.value)
    assert "\n" not in message and "animegan weights download" in message and "make demo" in message


def test_unknown_bare_name_is_refused(cache):
    with pytest.raises(WeightsError, match="neither a weights file nor a released name"):
        released.resolve("hayao_v9")


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


def test_an_earlier_paprika_pt_stays_the_ports(cache, server):
    """Before the TF originals, `paprika` downloaded the port's paprika.pt: that file is paprika_port now."""
    payload = fabricated_port_weights(cache / "paprika.pt")
    (cache / "paprika.pt.sha256").write_text(f"{hashlib.sha256(payload).hexdigest()}  paprika.pt\n")
    assert released.default_cached() == "paprika_port" and released.resolve(None) == cache / "paprika.pt"
    with pytest.raises(DownloadError) as info:  # `paprika` is the TF original: not this file
        released.fetch("paprika", base_url=server.base, quiet=True)
    assert "--weights paprika_port" in str(info.value)
    assert (cache / "paprika.pt").read_bytes() == payload


def test_weights_cli_lists_and_downloads(cache, server, capsys):
    from animegan.cli import weights as cli

    fabricated_port_weights(server.root / "weights" / "face_paint_512_v2.pt")
    args = type(
        "Args", (), {"names": ["face_paint_512_v2", "paprika_port"], "url": server.base, "quiet": True}
    )()
    assert cli.run_download(args) == 1  # paprika_port is not served: reported, face_paint still downloaded
    err = capsys.readouterr().err
    assert "paprika_port" in err and err.count("licence: MIT") == 2  # once per download
    assert cli.run_list(None) == 0
    out = capsys.readouterr().out
    rows = {
        line.split()[0]: line.split() for line in out.splitlines()[2:] if line and not line.startswith(" ")
    }
    assert rows["face_paint_512_v2"][:6] == ["face_paint_512_v2", "port", "v2", "512", "yes", hashlib.sha256(
        (cache / "face_paint_512_v2.pt").read_bytes()).hexdigest()[:12] + ".."]  # fmt: skip
    assert rows["paprika_port"][4] == "no" and rows["hayao"][1:4] == ["tf", "v2", "256"]
    assert (
        rows["hayao"][6] == "non-commercial"
        and "source: https://github.com/TachibanaYoshino/AnimeGANv2" in out
    )


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
    from animegan.weights.io import load_weights

    generator = load_weights(path)
    if entry.family == "onnx":
        assert generator.family == "v3"
    else:
        assert generator.config()["arch"] == entry.arch
        assert generator.config()["upsample"] == ("tf1" if entry.family == "tf" else "align_corners")
