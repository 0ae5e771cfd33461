"""Released weights: the registry of every family with licences; the port's files downloaded from a loopback
server (fabricated), hash pinning, offline reuse, the CLI, and earlier caches kept as what they were."""

from __future__ import annotations

import hashlib

import pytest
import torch
from helpers.fabricated import fabricated_port_weights

from animegan.errors import DownloadError, WeightsError
from animegan.weights import released
from animegan.weights.registry import AUTHORS_LICENCE, ReleasedFile, ReleasedWeights


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
