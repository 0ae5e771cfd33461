"""``hf://`` weights through huggingface_hub against a loopback Hub (tests/helpers/hub_server.py): downloads into
its cache pinned to the commit, file picked by config.json / the model card / the only candidate, offline reuse,
one-line errors, and the loaded generator checked against the PyTorch port's independent forward."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from helpers.fabricated import fabricated_tf_release
from helpers.hub_server import COMMIT, GATED, HubServer, serve_hub
from helpers.port_reference import port_forward, port_state_dict

from animegan.errors import DownloadError, WeightsError
from animegan.weights import released
from animegan.weights.hub import parse
from animegan.weights.io import load_weights


class Evil:
    """Pickles into a call: what the safe loader must refuse without running it."""

    def __reduce__(self) -> tuple:
        return (print, ("ran code",))


def build_repos(root: Path) -> None:
    """Repositories of every shape the resolver meets (random weights, fabricated)."""
    style = root / "alice" / "style"
    style.mkdir(parents=True)
    torch.save(state(3), style / "paprika.pt")
    (style / "config.json").write_text(json.dumps({"weights": "paprika.pt"}))
    (style / "other.pt").write_bytes(b"never downloaded")
    carded = root / "alice" / "carded"
    carded.mkdir(parents=True)
    torch.save(state(4), carded / "b.pt")
    (carded / "a.pt").write_bytes(b"never downloaded")
    (carded / "README.md").write_text("---\nlicense: mit\nweights: b.pt\n---\n# a card\n")
    single = root / "alice" / "single"
    single.mkdir(parents=True)
    torch.save(state(5), single / "only.pt")
    (single / "README.md").write_text("# no metadata\n")
    many = root / "alice" / "many"
    many.mkdir(parents=True)
    for name in ("a.pt", "b.onnx", "notes.txt"):
        (many / name).write_bytes(b"x")
    fabricated_tf_release(root / "alice" / "tf" / "ckpt", "Hayao-64.ckpt")
    evil = root / "alice" / "evil"
    evil.mkdir(parents=True)
    torch.save({"w": Evil()}, evil / "evil.pt")
    (evil / "weights.bin").write_bytes(b"x")
    (root / "alice" / "gated").mkdir()
    (root / "alice" / "gated" / GATED).write_text("")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    root = tmp_path_factory.mktemp("hub")
    build_repos(root)
    with serve_hub(root) as server:
        yield server


@pytest.fixture
def hub(served: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HubServer:
    """huggingface_hub pointed at the loopback Hub with an empty cache, online, no token."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", served.url)
    monkeypatch.setattr(
        constants, "HUGGINGFACE_CO_URL_TEMPLATE", served.url + "/{repo_id}/resolve/{revision}/{filename}"
    )
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    served.requests.clear()
    return served


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


@functools.cache
def state(seed: int) -> dict[str, torch.Tensor]:
    """The port-format state dict of ``seed`` (random, fabricated), made once."""
    return port_state_dict(seed=seed)


def port_output(seed: int, x: torch.Tensor) -> torch.Tensor:
    return port_forward(state(seed), x)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("hf://alice/style", ("alice/style", None, None)),
        ("hf://alice/style/sub/g.safetensors@v1.0", ("alice/style", "sub/g.safetensors", "v1.0")),
        ("hf://alice/style@refs/pr/1", ("alice/style", None, "refs/pr/1")),
    ],
)
def test_parse(spec: str, expected: tuple) -> None:
    ref = parse(spec)
    assert (ref.repo, ref.file, ref.revision) == expected


@pytest.mark.parametrize("spec", ["hf://alice", "hf://alice/style@", "hf://alice/../x"])
def test_parse_refuses_malformed_specs(spec: str) -> None:
    with pytest.raises(WeightsError, match="expected hf://OWNER/REPO"):
        parse(spec)


def test_config_json_names_the_file_then_offline_from_the_cache(hub, monkeypatch) -> None:
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    path = released.resolve("hf://alice/style")
    assert (
        path.name == "paprika.pt" and path.parent.name == COMMIT
    )  # huggingface_hub's snapshot of the commit
    torch.testing.assert_close(load_weights(path)(x), port_output(3, x), atol=1e-4, rtol=1e-4)
    files = [p.split("/")[-1] for method, p in hub.requests if method == "GET" and "/resolve/" in p]
    assert files == ["config.json", "paprika.pt"]  # other.pt never fetched
    offline(monkeypatch)
    hub.requests.clear()
    assert released.resolve("hf://alice/style") == path
    assert released.resolve("hf://alice/style/paprika.pt") == path
    assert hub.requests == []


def test_model_card_metadata_then_the_only_candidate(hub) -> None:
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    carded = released.resolve("hf://alice/carded")
    torch.testing.assert_close(load_weights(carded)(x), port_output(4, x), atol=1e-4, rtol=1e-4)
    single = released.resolve("hf://alice/single@main")
    torch.testing.assert_close(load_weights(single)(x), port_output(5, x), atol=1e-4, rtol=1e-4)


def test_tf_checkpoint_prefix_fetches_every_file_of_it(hub) -> None:
    prefix = released.resolve("hf://alice/tf/ckpt/Hayao-64.ckpt")
    assert prefix.with_name(prefix.name + ".index").is_file()
    assert load_weights(prefix)(torch.zeros(1, 3, 32, 32)).shape == (1, 3, 32, 32)
    assert released.resolve("hf://alice/tf") == prefix  # the only candidate: the checkpoint by its prefix


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        (
            "hf://alice/many",
            WeightsError,
            "name no weights file; candidates: a.pt, b.onnx; pass hf://alice/many/FILE",
        ),
        ("hf://alice/nope", WeightsError, "hf://alice/nope: repository not found"),
        ("hf://alice/gated/g.pt", WeightsError, "hf://alice/gated/g.pt: gated repository"),
        ("hf://alice/style@v9", WeightsError, "revision 'v9' not found in alice/style"),
        (
            "hf://alice/style/missing.pt",
            WeightsError,
            "hf://alice/style/missing.pt: no such file in alice/style",
        ),
        ("hf://alice/evil/weights.bin", WeightsError, "refused: .bin is not a format animegan loads safely"),
    ],
)
def test_failures_are_one_line(hub, spec: str, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        released.resolve(spec)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    if spec.endswith(".bin"):
        assert hub.requests == []  # refused before anything is fetched


def test_offline_and_not_cached_is_one_line(hub, monkeypatch) -> None:
    offline(monkeypatch)
    for spec in ("hf://alice/style", "hf://alice/style/paprika.pt"):
        with pytest.raises(
            DownloadError, match="not in the Hugging Face cache and the Hub cannot be reached"
        ):
            released.resolve(spec)
    assert hub.requests == []


def test_a_pickle_that_runs_code_is_refused_by_the_safe_loader(hub, capsys) -> None:
    path = released.resolve("hf://alice/evil/evil.pt")
    with pytest.raises(WeightsError, match="refused: the file holds objects that would run code"):
        load_weights(path)
    assert "ran code" not in capsys.readouterr().out
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_stylizer_and_torch_hub_take_hf_specs(hub) -> None:
    from animegan.inference.stylizer import Stylizer
    from animegan.inference.torch_hub import hub_generator

    x = torch.rand(1, 3, 32, 32) * 2 - 1
    from animegan.inference.options import StylizeOptions
    from animegan.ui.engine import Engine

    stylizer = Stylizer.from_weights("hf://alice/style", device="cpu", precision="fp32")
    assert stylizer.weights_path is not None and stylizer.weights_path.name == "paprika.pt"
    engine = Engine(StylizeOptions(device="cpu", precision="fp32"), ["hf://alice/style"])  # animegan ui
    assert (
        engine.default_weights == "hf://alice/style"
        and engine.label("hf://alice/style") == "hf://alice/style"
    )
    assert engine.stylizer("hf://alice/style").weights_path == stylizer.weights_path
    model = hub_generator("hf://alice/style/paprika.pt", {}, "unused")
    with torch.no_grad():
        torch.testing.assert_close(model(x), port_output(3, x), atol=1e-4, rtol=1e-4)


def test_cli_reads_the_hubs_usual_environment(served, tmp_path: Path) -> None:
    """In a fresh process: HF_ENDPOINT and HF_HOME pick the Hub and the cache, HF_HUB_OFFLINE=1 is honoured."""
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.new("RGB", (24, 16), (200, 120, 40)).save(photo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env |= {"HF_ENDPOINT": served.url, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"}
    cli = [sys.executable, "-m", "animegan", "stylize", str(photo), "-o", str(tmp_path / "out.png")]
    cpu = ["--device", "cpu", "--precision", "fp32", "--quiet"]
    done = subprocess.run(
        [*cli, "--weights", "hf://alice/style", *cpu], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "hf" / "hub").glob("models--alice--style/snapshots/*/paprika.pt"))
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run(
        [*cli, "--weights", "hf://alice/single", *cpu], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[0] == (
        "animegan stylize: error: hf://alice/single: not in the Hugging Face cache and the Hub cannot be reached "
        "(offline: HF_HUB_OFFLINE=1, or no network); run once online to cache it"
    )


def test_every_loader_and_the_card_take_hf_specs(hub) -> None:
    """init_generator (load_generator_state), load_weights and `weights card` read hf:// like a path."""
    from animegan.hub.weights_card import weights_card
    from animegan.weights.io import load_generator_state

    loaded, arch = load_generator_state("hf://alice/style", expected_arch="v2")
    assert arch == "v2" and all(torch.equal(loaded[k], v) for k, v in state(3).items())
    card = weights_card("hf://alice/style/paprika.pt")
    path = released.resolve("hf://alice/style/paprika.pt")
    assert hashlib.sha256(path.read_bytes()).hexdigest() in card and "license: unknown" in card
    assert "--weights hf://alice/style/paprika.pt" in card
