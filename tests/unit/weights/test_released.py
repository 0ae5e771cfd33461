"""Released weights: registry, download from a loopback server, hash pinning, offline reuse, clear errors."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from animegan.errors import DownloadError, WeightsError
from animegan.nets import GeneratorV2
from animegan.weights import released


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ANIMEGAN_WEIGHTS_URL", raising=False)
    return tmp_path / "cache" / "weights"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving tmp_path/served; yields (base URL, folder)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/weights", root
    httpd.shutdown()
    httpd.server_close()


def fabricated_port_weights(path: Path, seed: int = 0) -> bytes:
    """A state dict in the PyTorch port's format (random values, labelled as fabricated)."""
    torch.manual_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(GeneratorV2().state_dict(), path)
    return path.read_bytes()


def test_registry_lists_the_four_released_v2_models():
    assert set(released.RELEASED) == {"face_paint_512_v2", "face_paint_512_v1", "celeba_distill", "paprika"}
    assert all(w.arch == "v2" for w in released.RELEASED.values())
    assert released.url_for("paprika", None).endswith(
        "bryandlee/animegan2-pytorch/raw/main/weights/paprika.pt"
    )


def test_download_once_then_offline_with_recorded_hash(cache, server, monkeypatch):
    base, root = server
    payload = fabricated_port_weights(root / "weights" / "paprika.pt")
    monkeypatch.setenv("ANIMEGAN_WEIGHTS_URL", base)
    path = released.resolve("paprika", quiet=True)
    assert path == cache / "paprika.pt" and path.read_bytes() == payload
    assert released.expected_sha256("paprika") == hashlib.sha256(payload).hexdigest()
    (root / "weights" / "paprika.pt").unlink()  # the server no longer has it: the cache must be used
    assert released.resolve("paprika", quiet=True) == path
    assert released.resolve(None) == path  # the cached default
    from animegan import Stylizer

    stylizer = Stylizer.from_weights("paprika", device="cpu", precision="fp32")
    assert stylizer.weights_path == path


def test_tampered_cache_is_refused(cache, server):
    base, root = server
    fabricated_port_weights(root / "weights" / "celeba_distill.pt")
    path = released.fetch("celeba_distill", base_url=base, quiet=True)
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(WeightsError, match="sha256 does not match"):
        released.resolve("celeba_distill")


def test_published_hash_mismatch_fails_and_leaves_nothing(cache, server, monkeypatch):
    base, root = server
    fabricated_port_weights(root / "weights" / "paprika.pt")
    pinned = released.ReleasedWeights("paprika", "v2", 256, "test", sha256="0" * 64)
    monkeypatch.setitem(released.RELEASED, "paprika", pinned)
    with pytest.raises(DownloadError, match="sha256"):
        released.fetch("paprika", base_url=base, quiet=True)
    assert not (cache / "paprika.pt").exists()


def test_served_file_that_is_not_a_generator_is_not_cached(cache, server):
    base, root = server
    (root / "weights").mkdir()
    torch.save({"conv.weight": torch.zeros(3, 3)}, root / "weights" / "paprika.pt")
    with pytest.raises(DownloadError, match="not usable"):
        released.fetch("paprika", base_url=base, quiet=True)
    assert not (cache / "paprika.pt").exists()


def test_missing_on_server_is_one_line(cache, server):
    base, _ = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        released.fetch("paprika", base_url=base, quiet=True)


def test_no_weights_and_nothing_cached_says_how_to_get_some(cache):
    with pytest.raises(WeightsError) as info:
        released.resolve(None)
    message = str(info.value)
    assert "\n" not in message and "animegan weights download" in message and "make demo" in message


def test_unknown_bare_name_is_refused(cache):
    with pytest.raises(WeightsError, match="neither a weights file nor a released name"):
        released.resolve("hayao_v9")


def test_weights_cli_lists_and_downloads(cache, server, capsys):
    from animegan.cli import weights as cli

    base, root = server
    fabricated_port_weights(root / "weights" / "face_paint_512_v2.pt")
    args = type("Args", (), {"names": ["face_paint_512_v2", "paprika"], "url": base, "quiet": True})()
    assert cli.run_download(args) == 1  # paprika is not served: reported, face_paint still downloaded
    assert "paprika" in capsys.readouterr().err
    assert cli.run_list(None) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines["face_paint_512_v2"].split()[3] == "yes" and lines["paprika"].split()[3] == "no"
