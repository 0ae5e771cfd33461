"""Checks before side effects: each bad input gives one line (AnimeGANError, not Hydra's wrapper) and writes nothing."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch

from animegan.errors import AnimeGANError, InputError, WeightsError
from animegan.training.preflight import check_run
from animegan.training.runner import build_module, train


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo"), n_photos=4, n_style=4, n_val=1, size=32)


@pytest.fixture
def compose(cfg, demo_root: Path):
    """The hayao preset on the demo data (its default VGG: DATA/vgg19.npy, absent here)."""

    def make(*overrides: str, **options):
        base = ("experiment=hayao", f"data.root={demo_root}", "data.style=Demo", "logger=none")
        return cfg(*base, *overrides, **options)

    return make


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and "Error in call to target" not in message
    return message


def test_presets_default_to_the_caffe_file_and_a_missing_one_names_the_download(
    compose, demo_root: Path, tmp_path: Path
) -> None:
    composed = compose()
    assert composed.model.vgg.weights == f"{demo_root}/vgg19.npy"
    with pytest.raises(WeightsError) as error:
        check_run(composed, tmp_path)
    assert f"`animegan download vgg19 --root {demo_root}`" in one_line(error)


def test_train_stops_before_any_side_effect(compose, tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="animegan download vgg19"):
        train(compose())  # the VGG file is missing
    with pytest.raises(InputError, match="dataset folder not found"):
        train(compose("model.vgg.weights=random", f"data.root={tmp_path / 'nodata'}", "logger=wandb"))
    assert list(tmp_path.iterdir()) == []  # the run dir (paths.output_dir): no files, no wandb run


def test_a_file_that_is_not_npy_is_refused_in_one_line(compose, tmp_path: Path) -> None:
    fake = tmp_path / "vgg19.npy"
    fake.write_text("<html>not found</html>")
    with pytest.raises(WeightsError) as error:
        check_run(compose(f"model.vgg.weights={fake}"), tmp_path)
    assert "not a NumPy .npy file" in one_line(error)


def test_a_bad_vgg_file_built_through_instantiate_gives_our_error_not_hydras(cfg, tmp_path: Path) -> None:
    bad = tmp_path / "vgg19.npy"
    np.save(
        bad, {"conv1_1": [np.zeros((3, 3, 3, 64), np.float32), np.zeros(64, np.float32)]}, allow_pickle=True
    )
    with pytest.raises(WeightsError) as error:
        build_module(cfg(f"model.vgg.weights={bad}"), "pretrain")
    assert "layer conv1_2 missing" in one_line(error)


def test_init_generator_and_resume_checkpoints_are_read_first(compose, tmp_path: Path) -> None:
    broken = tmp_path / "g.pt"
    broken.write_bytes(b"\x00" * 100)
    with pytest.raises(WeightsError) as error:
        check_run(compose("model.vgg.weights=random", f"init_generator={broken}"), tmp_path)
    assert str(broken) in one_line(error)
    last = tmp_path / "checkpoints" / "adversarial" / "last.ckpt"
    last.parent.mkdir(parents=True)
    torch.save({"animegan_stage": "adversarial", "state_dict": {}}, last)
    last.write_bytes(last.read_bytes()[:50])  # truncated
    with pytest.raises(WeightsError) as error:
        check_run(compose("model.vgg.weights=random", "resume=true"), tmp_path)
    assert f"{last}: not a loadable checkpoint" in one_line(error)


def test_wandb_online_without_credentials_is_refused(
    compose, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_MODE", "online")
    with pytest.raises(AnimeGANError) as error:
        check_run(compose("model.vgg.weights=random", "logger=wandb"), tmp_path)
    assert "WANDB_MODE=online but no wandb credentials" in one_line(error)
    check_run(compose("model.vgg.weights=random", "logger=csv"), tmp_path)  # no wandb: nothing to say


def test_the_callbacks_checks_are_handed_to_its_own_run_only(compose, tmp_path: Path) -> None:
    from omegaconf import open_dict

    from animegan.training.preflight import PreflightCallback, take_prepared

    overrides = ("model.vgg.weights=random", f"hydra.run.dir={tmp_path}")
    with_hydra = compose(*overrides, hydra_node=True)
    PreflightCallback().on_run_start(config=with_hydra)
    task = copy.deepcopy(with_hydra)  # what Hydra's run_job hands the task function
    with open_dict(task):
        del task["hydra"]
    assert take_prepared(compose("model.vgg.weights=random", "seed=1"), tmp_path) is None  # another config
    assert take_prepared(task, tmp_path / "elsewhere") is None  # another run dir
    prepared = take_prepared(task, tmp_path)
    assert prepared is not None and [plan.stage for plan in prepared.plan] == ["pretrain", "adversarial"]
    assert prepared.datamodule.ready and prepared.generator_state is None
    assert take_prepared(task, tmp_path) is None  # handed over once
