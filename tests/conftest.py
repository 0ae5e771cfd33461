"""Shared fixtures: the composed training config, real photos from scikit-image, small synthetic images,
CPU-only defaults."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import DictConfig

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``gpu`` when no CUDA device is present."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if item.get_closest_marker("gpu") is not None:  # the marker, not a keyword (a folder named gpu)
            item.add_marker(skip)


@pytest.fixture
def cfg(tmp_path: Path) -> Callable[..., DictConfig]:
    """Compose the real ``animegan-train`` config (conf/train.yaml) with overrides: ``cfg("experiment=demo")``.

    The run directory (``paths.output_dir``) is ``tmp_path``; ``hydra_node=True`` keeps the ``hydra`` node.
    """
    from hydra import compose, initialize_config_module

    def compose_train(*overrides: str, hydra_node: bool = False) -> DictConfig:
        with initialize_config_module("animegan.conf", version_base="1.3"):
            return compose(
                "train",
                overrides=[f"paths.output_dir={tmp_path}", *overrides],
                return_hydra_config=hydra_node,
            )

    return compose_train


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """scikit-image's astronaut photo (512x512 RGB uint8, a real face)."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """scikit-image's coffee photo (400x600 RGB uint8, no face)."""
    from skimage import data

    return data.coffee()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def write_png(tmp_path: Path):
    """Write an RGB uint8 array to ``tmp_path / name`` as PNG and return the path."""
    from PIL import Image

    def write(name: str, rgb: np.ndarray) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rgb).save(path)
        return path

    return write


@pytest.fixture
def run_stylize(capsys: pytest.CaptureFixture[str]):
    """Run ``animegan stylize ARGV --quiet --precision fp32 --device cpu`` in-process.

    Returns (exit code, stdout lines, stderr lines).
    """
    from animegan.cli import main

    def run(*argv: str) -> tuple[int, list[str], list[str]]:
        code = main(["stylize", *argv, "--quiet", "--precision", "fp32", "--device", "cpu"])
        captured = capsys.readouterr()
        return code, captured.out.splitlines(), captured.err.splitlines()

    return run


@pytest.fixture(scope="session")
def fabricated_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generator weights with random values (seed 5, the port's format): labelled as fabricated, not trained."""
    from animegan.nets import GeneratorV2

    torch.manual_seed(5)
    path = tmp_path_factory.mktemp("fabricated") / "random_generator.pt"
    torch.save(GeneratorV2().state_dict(), path)
    return path
