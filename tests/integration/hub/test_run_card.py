"""A real (tiny) demo run writes RUN/hub/: weights equal to generator.pt with their config in the metadata, a
model card whose Hub metadata huggingface_hub parses, and provenance checked against independent computations;
`animegan push` hands exactly that folder to huggingface_hub; the pushed folder loads back through hf://."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from helpers.hub_server import serve_hub
from huggingface_hub import metadata_load
from safetensors import safe_open

from animegan.cli import main
from animegan.imageio import read_image
from animegan.training.runner import train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=4, n_style=4, n_val=2, size=40)


@pytest.fixture(scope="module")
def run(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One smoke run of the demo experiment (both stages, one batch each) at 32 px."""
    from hydra import compose, initialize_config_module

    out = tmp_path_factory.mktemp("run")
    overrides = [
        f"paths.output_dir={out}", "experiment=demo", "debug=fdr", "data=demo", f"paths.data_dir={data_dir}",
        "data.style=Demo", "data.image_size=32", "data.val_size=32", "data.batch_size=2", "data.val_count=2",
        "model.vgg.weights=random", "callbacks.progress_bar=null",
    ]  # fmt: skip
    with initialize_config_module("animegan.conf", version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    train(cfg)
    return out, cfg


def set_sha256(folder: Path) -> str:
    """Reference: the sha256sum manifest of the folder's files, hashed."""
    lines = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(folder.iterdir())
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def test_hub_folder_weights_config_and_card(run, data_dir: Path) -> None:
    run_dir, cfg = run
    hub = run_dir / "hub"
    assert sorted(p.name for p in hub.iterdir()) == [
        "README.md",
        "config.json",
        "model.safetensors",
        "sample.png",
    ]
    trained = torch.load(run_dir / "generator.pt", map_location="cpu", weights_only=True)
    with safe_open(str(hub / "model.safetensors"), framework="pt") as f:
        assert {k: f.get_tensor(k) for k in f.keys()}.keys() == trained.keys()  # noqa: SIM118
        assert all(torch.equal(f.get_tensor(k), v) for k, v in trained.items())
        meta = f.metadata()
    assert meta["animegan.arch"] == "v2" and meta["animegan.license"] == "mit"
    config = json.loads((hub / "config.json").read_text())
    assert config["weights"] == "model.safetensors" and config["arch"] == "v2" and config["train_size"] == 32
    latest = max((run_dir / "samples").glob("*.png"), key=lambda p: p.stat().st_mtime)
    assert (hub / "sample.png").read_bytes() == latest.read_bytes()

    card = (hub / "README.md").read_text()
    head = metadata_load(hub / "README.md")
    assert head["license"] == "mit" and head["library_name"] == "animegan"
    assert head["pipeline_tag"] == "image-to-image" and "animegan" in head["tags"]
    assert head["weights"] == "model.safetensors" and "base_model" not in head
    info = json.loads((data_dir / "Demo" / "dataset.json").read_text())
    assert info["sha256_style"] == set_sha256(data_dir / "Demo" / "style")
    assert info["sha256_photos"] == set_sha256(data_dir / "train_photo")
    assert f"**Demo**, 4 images, content sha256 `{info['sha256_style']}`" in card
    assert f"**train_photo**, 4 images, content sha256 `{info['sha256_photos']}`" in card
    assert "random VGG19 features" in card and "hf://OWNER/REPO" in card
    last = json.loads((run_dir / "val_distances.jsonl").read_text().splitlines()[-1])
    distance = next(k for k in last if k.endswith("_distance"))
    assert f"| {distance} | {last[distance]} |" in card
    config_block = card.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(config_block)["data"]["style"] == cfg.data.style
    assert "Not evaluated yet" in card


def test_eval_figures_later_rebuild_the_card_from_the_saved_config(run, tmp_path: Path, capsys) -> None:
    from omegaconf import OmegaConf

    run_dir, cfg = run
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / ".hydra").mkdir()
    OmegaConf.save(cfg, copy / ".hydra" / "config.yaml")  # what animegan-train's Hydra app saves
    assert main(["weights", "card", str(copy)]) == 0
    assert capsys.readouterr().out == (run_dir / "hub" / "README.md").read_text()  # up to date: as written
    document = {
        "protocol": {"size": 32},
        "models": [{"label": "generator.pt", "fid": 123.4, "kid_mean": 0.05}],
    }
    (copy / "eval.json").write_text(json.dumps(document))
    assert main(["weights", "card", str(copy)]) == 0
    card = capsys.readouterr().out
    assert "| generator.pt | 123.4 | 0.05 |" in card and '"size": 32' in card
    assert card == (copy / "hub" / "README.md").read_text()
    before = json.loads((run_dir / "hub" / "config.json").read_text())["validation"]
    assert json.loads((copy / "hub" / "config.json").read_text())["validation"] == before  # figures kept


class Recorder:
    """Stands in for HfApi: records each call with its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str):
        def record(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return type("Commit", (), {"commit_url": f"https://hub.test/{name}"})()

        return record


def test_push_hands_the_hub_folder_to_huggingface_hub(run, tmp_path, monkeypatch, capsys) -> None:
    import huggingface_hub

    run_dir = tmp_path / "run"
    shutil.copytree(run[0], run_dir)  # push names the repo in the card: leave the shared run as written
    recorder = Recorder()
    monkeypatch.setattr(huggingface_hub, "HfApi", lambda *a, **k: recorder)
    assert main(["push", str(run_dir), "alice/demo-style", "--private", "--revision", "v1"]) == 0
    assert recorder.calls == [
        ("create_repo", ("alice/demo-style",), {"repo_type": "model", "private": True, "exist_ok": True}),
        ("create_branch", ("alice/demo-style",), {"branch": "v1", "repo_type": "model", "exist_ok": True}),
        (
            "upload_folder",
            (),
            {
                "repo_id": "alice/demo-style",
                "folder_path": str(run_dir / "hub"),
                "repo_type": "model",
                "revision": "v1",
                "commit_message": f"animegan push {run_dir.name}",
            },
        ),
    ]
    assert "--weights hf://alice/demo-style@v1" in capsys.readouterr().out
    card = (run_dir / "hub" / "README.md").read_text()
    assert "--weights hf://alice/demo-style\n" in card and "OWNER/REPO" not in card
    recorder.calls.clear()
    assert main(["push", str(run_dir), "hf://alice/x"]) == 1
    assert main(["push", str(run_dir / "samples"), "alice/x"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        "expected a Hub repository id OWNER/REPO" in err[0] and "no hub/ folder and no generator.pt" in err[1]
    )
    assert recorder.calls == []


def test_pushed_folder_stylizes_through_hf_spec_like_generator_pt(
    run, tmp_path, monkeypatch, astronaut
) -> None:
    from huggingface_hub import constants

    run_dir, _ = run
    shutil.copytree(run_dir / "hub", tmp_path / "served" / "alice" / "demo-style")
    photo = tmp_path / "photo.png"
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(np.ascontiguousarray(astronaut[::8, ::8])).save(photo)
    with serve_hub(tmp_path / "served") as hub:
        monkeypatch.setattr(constants, "ENDPOINT", hub.url)
        monkeypatch.setattr(
            constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}"
        )
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        cpu = ["--device", "cpu", "--precision", "fp32", "--quiet"]
        for name, weights in (
            ("hub.png", "hf://alice/demo-style"),
            ("local.png", str(run_dir / "generator.pt")),
        ):
            assert main(["stylize", str(photo), "-o", str(tmp_path / name), "--weights", weights, *cpu]) == 0
    np.testing.assert_array_equal(
        read_image(tmp_path / "hub.png").rgb, read_image(tmp_path / "local.png").rgb
    )


def test_weights_card_of_the_run_a_released_name_and_a_file(run, tmp_path, capsys) -> None:
    run_dir, _ = run
    assert main(["weights", "card", str(run_dir / "generator.pt"), "-o", str(tmp_path / "card.md")]) == 0
    assert (tmp_path / "card.md").read_text() == (run_dir / "hub" / "README.md").read_text()
    assert main(["weights", "card", "paprika"]) == 0
    released = capsys.readouterr().out
    assert "license: other" in released and "license_name: animegan-non-commercial" in released
    assert "non-commercial use only" in released and "TachibanaYoshino/AnimeGANv2" in released
    loose = tmp_path / "loose.safetensors"
    shutil.copyfile(run_dir / "hub" / "model.safetensors", loose)
    assert main(["weights", "card", str(loose)]) == 0
    card = capsys.readouterr().out
    assert "license: mit" in card and "- arch: v2" in card
    assert hashlib.sha256(loose.read_bytes()).hexdigest() in card
